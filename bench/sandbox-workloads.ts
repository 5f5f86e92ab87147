/**
 * What the sandbox adds to local workloads, with Paved in this process (SQLite, a fresh data dir)
 * listening on 127.0.0.1, once sandboxed (bubblewrap) and once under the opt-out
 * (PAVED_SANDBOX=off):
 * 1. workload start: from the deploy request to the first answer of the new instance through
 *    the router (each deploy starts a new instance of the same small node server beside the
 *    previous one; in the sandbox that includes its network namespace, bwrap, setpriv, a cgroup);
 * 2. a request through the router to the running workload: sequential GETs on a keep-alive
 *    connection (in the sandbox: router → Unix socket → the namespace's holder → the workload).
 *
 *   npx tsx bench/sandbox-workloads.ts [--starts 10] [--requests 500] [--max-load-wait 300]
 *
 * Results go to bench/results/sandbox-workloads.json.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createPaved } from '../src/paved.js';
import { TEAM_A_PEOPLE } from '../test/support/people.js';
import { percentile, round } from './latency.js';
import { gitState } from './postgres-and-git.js';
import { waitForQuiet } from './quiet-machine.js';

const { values } = parseArgs({ options: { starts: { type: 'string', default: '10' }, requests: { type: 'string', default: '500' }, 'max-load-wait': { type: 'string', default: '300' } } });
const STARTS = Number(values.starts);
const REQUESTS = Number(values.requests);
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

const SERVER = `require('node:http').createServer((request, response) => response.end(process.env.PAVED_INSTANCE_ID)).listen(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
`;
const SCORE = `apiVersion: score.dev/v1b1
metadata:
  name: shop
containers:
  web:
    image: .
    command: ["node", "server.js"]
service:
  ports:
    http:
      port: 8080
`;

function request(port: number, method: string, url: string, options: { body?: unknown; token?: string; host?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const sent = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: url,
        agent,
        headers: {
          ...(options.host ? { host: options.host } : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'content-type': 'application/json' } : {}),
        },
      },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    sent.on('error', reject);
    sent.end(payload);
  });
}

function summary(timings: number[]) {
  const sorted = [...timings].sort((a, b) => a - b);
  return { medianMs: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), minMs: round(sorted[0]!), maxMs: round(sorted.at(-1)!) };
}

async function measureMode(mode: 'bubblewrap' | 'off') {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `paved-bench-workloads-${mode}-`));
  const config = loadConfig({ PAVED_DATA_DIR: dataDir, PAVED_ADMIN_TOKEN: ADMIN_TOKEN, PAVED_DEMO: 'false', PAVED_GOLDEN_PATHS: 'false', PAVED_SANDBOX: mode, PAVED_CATALOG_REFRESH_SECONDS: '0' }, dataDir);
  const paved = await createPaved(config, { logger: pino({ level: 'silent' }) });
  const port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
  paved.start();
  try {
    await request(port, 'POST', '/api/catalog/entities', { token: ADMIN_TOKEN, body: TEAM_A_PEOPLE });
    const token = JSON.parse((await request(port, 'POST', '/api/access/tokens', { token: ADMIN_TOKEN, body: { name: 'bench', userRef: 'user:default/ada' } })).body).token as string;
    await request(port, 'POST', '/api/git/repositories', { token, body: { namespace: 'team-a', name: 'shop', ownerRef: 'group:default/team-a' } });
    const clone = path.join(dataDir, 'clone');
    await git(dataDir, 'clone', '--quiet', `http://ada:${token}@127.0.0.1:${port}/git/team-a/shop.git`, clone);
    fs.writeFileSync(path.join(clone, 'server.js'), SERVER);
    fs.writeFileSync(path.join(clone, 'score.yaml'), SCORE);
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'shop');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');

    const serving = async () => {
      const answer = await request(port, 'GET', '/', { host: 'shop.dev.localhost' }).catch(() => ({ status: 0, body: '' }));
      return answer.status === 200 ? answer.body : undefined;
    };
    const startOnce = async (): Promise<number> => {
      const before = await serving();
      const started = performance.now();
      const created = await request(port, 'POST', '/api/delivery/deployments', { token, body: { repository: 'team-a/shop', environment: 'dev' } });
      if (created.status !== 201) throw new Error(`deploy refused: ${created.status} ${created.body}`);
      const id = JSON.parse(created.body).id as string;
      let elapsed: number | undefined;
      for (;;) {
        const now = await serving();
        if (now !== undefined && now !== before) {
          elapsed = performance.now() - started;
          break;
        }
        const deployment = JSON.parse((await request(port, 'GET', `/api/delivery/deployments/${id}`, { token })).body);
        if (deployment.status === 'failed') throw new Error(`the deploy failed: ${deployment.error}`);
        if (performance.now() - started > 60_000) throw new Error('the new instance did not serve within 60 s');
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // The next start begins once this deploy has finished (the previous instance stopped).
      for (;;) {
        const deployment = JSON.parse((await request(port, 'GET', `/api/delivery/deployments/${id}`, { token })).body);
        if (deployment.status === 'succeeded') break;
        if (deployment.status === 'failed') throw new Error(`the deploy failed: ${deployment.error}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return elapsed;
    };
    await startOnce();
    const quiet = await waitForQuiet(`workload starts (${mode})`, Number(values['max-load-wait']));
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) starts.push(await startOnce());

    for (let i = 0; i < 50; i++) await serving();
    const requests: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const started = performance.now();
      if ((await serving()) === undefined) throw new Error('the workload stopped answering');
      requests.push(performance.now() - started);
    }
    return { mode, loadAtStart: quiet.loadAtStart, loadAtEnd: round(os.loadavg()[0]!), start: { ...summary(starts), timings: starts.map(round) }, request: summary(requests) };
  } finally {
    await paved.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const sandboxed = await measureMode('bubblewrap');
const unsandboxed = await measureMode('off');
agent.destroy();
const result = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release() },
  ...gitState(),
  starts: STARTS,
  requests: REQUESTS,
  sandboxed,
  unsandboxed,
  startOverhead: { medianMs: round(sandboxed.start.medianMs - unsandboxed.start.medianMs), p95Ms: round(sandboxed.start.p95Ms - unsandboxed.start.p95Ms) },
  requestOverhead: { medianMs: round(sandboxed.request.medianMs - unsandboxed.request.medianMs), p95Ms: round(sandboxed.request.p95Ms - unsandboxed.request.p95Ms) },
};
fs.mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
fs.writeFileSync(path.join(import.meta.dirname, 'results', 'sandbox-workloads.json'), `${JSON.stringify(result, null, 2)}\n`);
const row = (name: string, s: { medianMs: number; p95Ms: number }) => console.log(`${name.padEnd(36)} median ${String(s.medianMs).padStart(8)} ms   p95 ${String(s.p95Ms).padStart(8)} ms`);
row('workload start, sandboxed', sandboxed.start);
row('workload start, PAVED_SANDBOX=off', unsandboxed.start);
row('  the sandbox adds', result.startOverhead);
row('request via router, sandboxed', sandboxed.request);
row('request via router, PAVED_SANDBOX=off', unsandboxed.request);
row('  the Unix-socket hop adds', result.requestOverhead);
console.log('results in bench/results/sandbox-workloads.json');
