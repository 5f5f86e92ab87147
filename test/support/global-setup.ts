import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Builds the server once before the suite, so the tests that start `npm start`'s own entry point
 * (dist/src/main.js) run the code as shipped, not a stale build.
 */
export default function buildOnce(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
