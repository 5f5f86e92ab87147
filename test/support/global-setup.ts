import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Builds the server and the portal once before the suite, so the tests that start `npm start`'s
 * own entry point (dist/src/main.js) or drive the portal run the code as shipped, not a stale build.
 */
export default function buildOnce(): void {
  // Pipeline steps and workloads run only in the sandbox: without bubblewrap half the suite would
  // fail one test at a time, so the run stops here with the fix.
  if (!['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'].some((candidate) => fs.existsSync(candidate))) {
    throw new Error('bubblewrap (bwrap) is not installed: the tests run pipeline steps and workloads in its sandbox — apt-get install -y bubblewrap');
  }
  // While working on one test file (PAVED_TEST_SKIP_BUILD=1): the build of the last full run is kept.
  if (process.env.PAVED_TEST_SKIP_BUILD === '1') return;
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  // The portal too: the browser tests drive the build that Paved serves.
  execFileSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', path.join(root, 'web'), '--logLevel', 'warn'], { stdio: 'inherit' });
}
