import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestPaved } from './test-paved.js';

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
export const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

/**
 * A workload with no dependencies, as `server.js`: says it listens, and answers its version
 * (the VERSION variable) and what else it was given; `/healthz` answers 500 when not `healthy`.
 * `crashAfterMs` makes it exit 3 after a while, `delayMs` holds back listening (a slow start),
 * `port` pins its port instead of the runtime's PORT.
 */
export function workloadServer(options: { healthy?: boolean; crashAfterMs?: number; delayMs?: number; port?: number } = {}): string {
  return `
const http = require('node:http');
const port = ${options.port ?? 'Number(process.env.PORT)'};
const server = http.createServer((request, response) => {
  if (request.url === '/healthz') { response.writeHead(${options.healthy === false ? 500 : 200}); return response.end('ok'); }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({
    version: process.env.VERSION,
    database: process.env.DATABASE_URL?.startsWith('postgres://') ?? false,
    prefix: process.env.CACHE_PREFIX ?? null,
    region: process.env.REGION ?? null,
    token: process.env.PAVED_ADMIN_TOKEN ?? null,
  }));
});
// Careless, as services are: it prints its connection string, password and all.
if (process.env.DATABASE_URL) console.log('database: ' + process.env.DATABASE_URL);
setTimeout(() => server.listen(port, () => console.log('shop ' + process.env.VERSION + ' listening on ' + port)), ${options.delayMs ?? 0});
${options.crashAfterMs ? `setTimeout(() => process.exit(3), ${options.crashAfterMs});` : ''}
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
`;
}

/** A workload's score.yaml (`shop` unless named): `server.js` on port 8080 with a readiness probe, plus extra variables and resources (YAML lines). */
export function workloadScore(options: { version: string; name?: string; variables?: string; resources?: string }): string {
  return `apiVersion: score.dev/v1b1
metadata:
  name: ${options.name ?? 'shop'}
containers:
  web:
    image: .
    command: ["node", "server.js"]
    variables:
      VERSION: "${options.version}"
${options.variables ?? ''}    readinessProbe:
      httpGet:
        path: /healthz
        port: 8080
service:
  ports:
    http:
      port: 8080
${options.resources ?? ''}`;
}

/** A new repository of Paved's git owned by team-a, cloned into `work`, and a way to push to it. */
export async function cloneNewRepository(paved: TestPaved, options: { token: string; host: string; work: string; name?: string }) {
  const name = options.name ?? 'shop';
  await paved.call('POST', '/api/git/repositories', { token: options.token, body: { namespace: 'team-a', name, ownerRef: 'group:default/team-a' } });
  const clone = path.join(options.work, name);
  await git(options.work, 'clone', '--quiet', `http://ada:${options.token}@${options.host}/git/team-a/${name}.git`, clone);
  return {
    clone,
    /** Commits `files` (path → text) on `branch` and pushes it; returns the commit. */
    async push(files: Record<string, string>, branch = 'main'): Promise<string> {
      await git(clone, 'checkout', '--quiet', '-B', branch);
      for (const [file, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
        fs.writeFileSync(path.join(clone, file), text);
      }
      await git(clone, 'add', '--all');
      await git(clone, 'commit', '--quiet', '--allow-empty', '-m', `change ${Date.now()}`);
      await git(clone, 'push', '--quiet', 'origin', `HEAD:${branch}`);
      return (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
    },
  };
}

/**
 * Deprovisions everything a test made on the shared PostgreSQL and Redis servers: its workloads
 * in the long-lived environments, and the other environments whole. Waits for the removals.
 */
/** After a suite of workloads: takes them all out, closes Paved and removes the clones' folder. */
export async function closeWithWorkloads(paved: TestPaved | undefined, work: string): Promise<void> {
  if (paved) {
    await removeEverything(paved);
    await paved.close();
  }
  fs.rmSync(work, { recursive: true, force: true });
}

export async function removeEverything(paved: TestPaved): Promise<void> {
  const environments = (await paved.call('GET', '/api/delivery/environments')).body.items as { name: string; longLived: boolean; status: string }[];
  const tasks: string[] = [];
  for (const environment of environments) {
    if (environment.longLived) {
      const workloads = (await paved.call('GET', `/api/delivery/workloads?environment=${environment.name}`)).body.items as { workload: string }[];
      for (const { workload } of workloads) tasks.push((await paved.call('DELETE', `/api/delivery/environments/${environment.name}/workloads/${workload}`)).body.taskId);
    } else if (environment.status === 'active') {
      tasks.push((await paved.call('DELETE', `/api/delivery/environments/${environment.name}`)).body.taskId);
    }
  }
  const deadline = Date.now() + 30_000;
  for (const id of tasks) {
    while (Date.now() < deadline && !['succeeded', 'failed', 'cancelled'].includes((await paved.call('GET', `/api/tasks/${id}`)).body.status)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
