/**
 * The delivery benchmark, against the built server on 127.0.0.1 (SQLite, a fresh data dir),
 * with real PostgreSQL and Redis behind the `postgres` and `redis` resources:
 * 1. time to provision a new environment: create an environment, deploy a workload with a
 *    postgres and a redis resource there, until the deployment succeeded (resources ready, the
 *    readiness probe passed); N times, a new environment each time, then every one removed;
 * 2. deploy swap under load: autocannon through Paved's router at `shop.dev.localhost` for the
 *    whole of a deploy of the next version plus a settle time, against a baseline run of the same
 *    length without a deploy;
 * 3. push-to-serving lead time of the node-service golden path: from `git push` of a change to
 *    the first 200 through the router with the new content, split at the deploy step's start.
 *
 *   npx tsx bench/delivery.ts [--runs 10] [--swaps 3] [--connections 20] [--settle-ms 1500]
 *     [--lead-time-runs 3] [--skip-lead-time] [--skip-build] [--max-load-wait 120]
 *
 * Exits non-zero when a deployment fails or the harness cannot measure; missed targets are only
 * printed. Results go to bench/results/delivery-<date>.json.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { percentile, round } from './latency.js';
import { waitForQuiet } from './quiet-machine.js';
import { gitState } from './postgres-and-git.js';
import { freePort, REPO_ROOT, startServer, waitHealthy } from './server-process.js';

const RESOURCE_POSTGRES = process.env.PAVED_DELIVERY_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const RESOURCE_REDIS = process.env.PAVED_DELIVERY_REDIS_URL ?? 'redis://127.0.0.1:6379';
const TARGETS = { timeToHealthyMs: 3_000, failedRequests: 0 };
const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    swaps: { type: 'string', default: '3' },
    connections: { type: 'string', default: '20' },
    'settle-ms': { type: 'string', default: '1500' },
    'lead-time-runs': { type: 'string', default: '3' },
    'skip-lead-time': { type: 'boolean', default: false },
    'skip-build': { type: 'boolean', default: false },
    'max-load-wait': { type: 'string', default: '120' },
  },
});
const RUNS = Number(options.runs);
const SWAPS = Number(options.swaps);
const CONNECTIONS = Number(options.connections);
const SETTLE_MS = Number(options['settle-ms']);
const LEAD_TIME_RUNS = Number(options['lead-time-runs']);
/** Load before the deploy starts, so the swap is measured on a warmed-up router and client. */
const LEAD_IN_MS = 500;

// autocannon ships no types; the part of its API used here.
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  resets: number;
  mismatches: number;
  '2xx': number;
  statusCodeStats: Record<string, { count: number }>;
  latency: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number; totalCount: number };
  requests: { total: number; sent: number; average: number };
}
interface AutocannonInstance {
  stop(): void;
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, responseTime: number) => void): void;
  on(event: 'reqError', listener: (error: Error) => void): void;
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const json = (body: string) => JSON.parse(body) as any;
/** Wall clock in ms with sub-ms resolution, comparable to the server's timestamps (same machine). */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = (iso: string | null | undefined) => (iso ? Date.parse(iso) : Number.NaN);
const summarize = (values: number[]) => {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  return { n: sorted.length, p50: round(percentile(sorted, 50), 1), p95: round(percentile(sorted, 95), 1), min: round(sorted[0] ?? Number.NaN, 1), max: round(sorted.at(-1) ?? Number.NaN, 1) };
};

/** JSON over one kept-alive connection, any method, with the admin token. */
function createApi(baseUrl: string, token: string) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const base = new URL(baseUrl);
  const call = (method: string, pathname: string, body?: unknown): Promise<{ status: number; body: any; ms: number }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
      if (payload !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) });
      const started = performance.now();
      const request = http.request({ host: base.hostname, port: base.port, method, path: pathname, headers, agent, timeout: 120_000 }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {}
          resolve({ status: response.statusCode ?? 0, body: parsed, ms: performance.now() - started });
        });
      });
      request.on('timeout', () => request.destroy(new Error(`${method} ${pathname} timed out`)));
      request.on('error', reject);
      request.end(payload);
    });
  return { call, close: () => agent.destroy() };
}
type Api = ReturnType<typeof createApi>;

async function expectStatus(api: Api, method: string, pathname: string, body: unknown, status: number) {
  const answer = await api.call(method, pathname, body);
  if (answer.status !== status) throw new Error(`${method} ${pathname}: HTTP ${answer.status} ${JSON.stringify(answer.body).slice(0, 500)}`);
  return answer.body;
}

/** GET through Paved's router on its own port, as a browser asking for `<workload>.<environment>.localhost`. */
function viaRouter(port: number, host: string, pathname = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: pathname, headers: { host }, agent: false, timeout: 5_000 }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve({ status: 0, body: '' }));
  });
}

interface LogLine {
  seq: number;
  at: string;
  message: string;
}

/** Follows `GET /api/delivery/deployments/:id/events` until `completion`: the log lines and the finished deployment, with its arrival time. */
function followDeployment(baseUrl: string, token: string, id: string): Promise<{ lines: LogLine[]; deployment: any; arrived: number }> {
  return new Promise((resolve, reject) => {
    const lines: LogLine[] = [];
    const request = http.get(`${baseUrl}/api/delivery/deployments/${id}/events`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, agent: false }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const arrived = now();
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === 'log' && data) lines.push(json(data) as LogLine);
          if (event === 'completion' && data) {
            request.destroy();
            resolve({ lines, deployment: json(data), arrived });
            return;
          }
        }
      });
      response.on('end', () => reject(new Error(`events of deployment ${id} ended without completion (HTTP ${response.statusCode}): ${buffer.slice(-300)}`)));
    });
    request.on('error', reject);
  });
}

/** Where a deployment's time went, from its own timestamps and its log lines (server clock, ms resolution). */
function phasesOf(deployment: any, lines: LogLine[]) {
  const line = (pattern: RegExp) => at(lines.find((candidate) => pattern.test(candidate.message))?.at);
  const started = line(/^started .*; waiting for readiness/);
  const ready = line(/^ready; /);
  const stoppedPrevious = line(/^stopped the previous instance/);
  return {
    queuedMs: at(deployment.startedAt) - at(deployment.createdAt),
    provisionStepMs: at(deployment.resourcesReadyAt) - at(deployment.startedAt),
    releaseUntilProcessStartedMs: started - at(deployment.resourcesReadyAt),
    readinessMs: ready - started,
    /** Routed to the new instance → the previous one drained and stopped (swaps only). */
    drainAndStopPreviousMs: Number.isFinite(stoppedPrevious) ? stoppedPrevious - ready : null,
    afterReadyMs: at(deployment.finishedAt) - ready,
    exportedSource: lines.some((candidate) => candidate.message.startsWith('no pipeline build of')),
  };
}

/** A workload with no dependencies: answers its version on /, 200 on /healthz. */
const SERVER_JS = `const http = require('node:http');
const server = http.createServer((request, response) => {
  if (request.url === '/healthz') { response.writeHead(200); return response.end('ok'); }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ version: process.env.VERSION, database: Boolean(process.env.DATABASE_URL), prefix: process.env.CACHE_PREFIX ?? null }));
});
server.listen(Number(process.env.PORT));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)));
`;
const scoreYaml = (version: number) => `apiVersion: score.dev/v1b1
metadata:
  name: shop
containers:
  web:
    image: .
    command: ["node", "server.js"]
    variables:
      VERSION: "${version}"
      DATABASE_URL: \${resources.db.url}
      CACHE_PREFIX: \${resources.cache.prefix}
    readinessProbe:
      httpGet:
        path: /healthz
        port: 8080
service:
  ports:
    http:
      port: 8080
resources:
  db:
    type: postgres
  cache:
    type: redis
`;

/** The resources' driver names in PostgreSQL and Redis (their `username` outputs, which are not secret). */
async function resourceNames(api: Api, environment: string): Promise<{ postgres: string[]; redis: string[] }> {
  const resources = (await expectStatus(api, 'GET', `/api/delivery/environments/${environment}`, undefined, 200)).resources as { type: string; outputs: { username?: string } }[];
  const names = (type: string) => resources.filter((resource) => resource.type === type && resource.outputs.username).map((resource) => resource.outputs.username!);
  return { postgres: names('postgres'), redis: names('redis') };
}

/** Which of these roles, databases and Redis users still exist. */
async function leftovers(names: { postgres: string[]; redis: string[] }): Promise<string[]> {
  const left: string[] = [];
  const client = new pg.Client({ connectionString: RESOURCE_POSTGRES });
  await client.connect();
  try {
    for (const name of names.postgres) {
      if ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).rowCount) left.push(`postgres role ${name}`);
      if ((await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount) left.push(`postgres database ${name}`);
    }
  } finally {
    await client.end();
  }
  const redis = new Redis(RESOURCE_REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const users = (await redis.call('ACL', 'USERS')) as string[];
    for (const name of names.redis) if (users.includes(name)) left.push(`redis user ${name}`);
  } finally {
    redis.disconnect();
  }
  return left;
}

/**
 * What dev's resources left in PostgreSQL and Redis: dev is long-lived (it cannot be removed
 * through the API), so the benchmark removes what its run created there itself, by name.
 */
async function removeDirectly(names: { postgres: string[]; redis: string[] }): Promise<void> {
  const client = new pg.Client({ connectionString: RESOURCE_POSTGRES });
  await client.connect();
  try {
    for (const name of names.postgres) {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
  const redis = new Redis(RESOURCE_REDIS, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    for (const name of names.redis) {
      await redis.call('ACL', 'DELUSER', name);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${name}:*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

interface Context {
  api: Api;
  baseUrl: string;
  port: number;
  token: string;
  work: string;
}

/** The workload's repository in Paved's git, cloned, with a way to push the next version. */
async function createShop(context: Context) {
  await expectStatus(context.api, 'POST', '/api/git/repositories', { namespace: 'bench', name: 'shop' }, 201);
  const clone = path.join(context.work, 'shop');
  await git(context.work, 'clone', '--quiet', `http://x:${context.token}@127.0.0.1:${context.port}/git/bench/shop.git`, clone);
  await git(clone, 'checkout', '--quiet', '-B', 'main');
  fs.writeFileSync(path.join(clone, 'server.js'), SERVER_JS);
  return {
    async push(version: number): Promise<string> {
      fs.writeFileSync(path.join(clone, 'score.yaml'), scoreYaml(version));
      await git(clone, 'add', '--all');
      await git(clone, 'commit', '--quiet', '-m', `version ${version}`);
      await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
      return (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
    },
  };
}

/** One deploy of bench/shop at `commit` to `environment`, followed to its end. */
async function deploy(context: Context, environment: string, commit: string) {
  const requested = now();
  const created = await expectStatus(context.api, 'POST', '/api/delivery/deployments', { repository: 'bench/shop', environment, ref: commit }, 201);
  const posted = now();
  const { lines, deployment, arrived } = await followDeployment(context.baseUrl, context.token, created.id);
  if (deployment.status !== 'succeeded') throw new Error(`deployment #${deployment.number} of shop to ${environment}: ${deployment.status}: ${deployment.error}\n${lines.slice(-10).map((line) => line.message).join('\n')}`);
  return { requested, posted, arrived, deployment, lines };
}

/** 1. A new environment, a deploy of the workload with a postgres and a redis resource there, until it succeeded; N times; then every one removed. */
async function measureTimeToProvision(context: Context, commit: string) {
  const quiet = await waitForQuiet('time to provision', Number(options['max-load-wait']));
  const runs: Record<string, any>[] = [];
  const created: string[] = [];
  const names: { postgres: string[]; redis: string[] } = { postgres: [], redis: [] };
  let removal: Record<string, unknown> = {};
  try {
    for (let i = 1; i <= RUNS; i++) {
      const environment = `bench-${String(i).padStart(2, '0')}`;
      const environmentRequested = now();
      await expectStatus(context.api, 'POST', '/api/delivery/environments', { name: environment, type: 'development' }, 201);
      created.push(environment);
      const { requested, posted, arrived, deployment, lines } = await deploy(context, environment, commit);
      // The first answer through the router, right after the deployment said it succeeded.
      const served = await viaRouter(context.port, `shop.${environment}.localhost`);
      const servedAt = now();
      if (served.status !== 200 || json(served.body).version !== '1' || json(served.body).database !== true) throw new Error(`shop.${environment}.localhost answered ${served.status} ${served.body.slice(0, 200)}`);
      const resourcesOf = await resourceNames(context.api, environment);
      names.postgres.push(...resourcesOf.postgres);
      names.redis.push(...resourcesOf.redis);
      const provisionMs = Object.fromEntries(Object.entries(deployment.resources as Record<string, { type: string; provisionMs: number }>).map(([name, resource]) => [`${name} (${resource.type})`, resource.provisionMs]));
      runs.push({
        environment,
        deployment: deployment.id,
        timeToReadyMs: deployment.timeToReadyMs,
        wallMs: round(arrived - requested, 1),
        wallFromEnvironmentRequestMs: round(arrived - environmentRequested, 1),
        postAnswerMs: round(posted - requested, 1),
        firstRouterAnswerMs: round(servedAt - requested, 1),
        resourceProvisionMs: provisionMs,
        ...phasesOf(deployment, lines),
      });
      console.log(`  ${environment}: timeToReadyMs ${deployment.timeToReadyMs}, wall ${round(arrived - requested, 0)} ms, resources ${JSON.stringify(provisionMs)}`);
    }
  } finally {
    // Removing the environments deprovisions their databases and Redis users.
    const started = now();
    const times: number[] = [];
    for (const environment of created) {
      const removing = now();
      await expectStatus(context.api, 'DELETE', `/api/delivery/environments/${environment}`, undefined, 202);
      for (;;) {
        const answer = await context.api.call('GET', `/api/delivery/environments/${environment}`);
        if (answer.status === 404) break;
        if (now() - removing > 60_000) throw new Error(`environment ${environment} still answers ${answer.status} 60 s after DELETE`);
        await sleep(50);
      }
      times.push(now() - removing);
    }
    removal = { environments: created.length, removeEachMs: summarize(times), allMs: round(now() - started, 0), leftInPostgresAndRedis: await leftovers(names) };
  }
  const pick = (key: string) => summarize(runs.map((r) => r[key] as number));
  const resourceKeys = Object.keys(runs[0]?.resourceProvisionMs ?? {});
  return {
    workload: 'bench/shop: a dependency-free node server (server.js), score.yaml with resources db (postgres) and cache (redis), readinessProbe httpGet /healthz; no build (its commit was exported from git by the warm-up deploy to dev)',
    ...quiet,
    timeToReadyMs: pick('timeToReadyMs'),
    wallMs: pick('wallMs'),
    wallFromEnvironmentRequestMs: pick('wallFromEnvironmentRequestMs'),
    firstRouterAnswerMs: pick('firstRouterAnswerMs'),
    resourceProvisionMs: Object.fromEntries(resourceKeys.map((key) => [key, summarize(runs.map((r) => r.resourceProvisionMs[key] as number))])),
    phases: Object.fromEntries(['queuedMs', 'provisionStepMs', 'releaseUntilProcessStartedMs', 'readinessMs', 'afterReadyMs'].map((key) => [key, pick(key)])),
    removal,
    runs,
    loadAtEnd: round(os.loadavg()[0]!),
  };
}

/** autocannon through the router at shop.dev.localhost until stopped; every response's status, latency, time and version. */
function loadRouter(context: Context, stopAfterMs?: number) {
  const samples: { t: number; ms: number; status: number }[] = [];
  const versions: Record<string, number> = {};
  const reqErrors: string[] = [];
  let instance: AutocannonInstance;
  const started = now();
  const finished = new Promise<AutocannonResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: `http://127.0.0.1:${context.port}/`,
        connections: CONNECTIONS,
        headers: { host: 'shop.dev.localhost' },
        duration: 600,
        timeout: 10,
        // autocannon stops at its next sample tick after stop(): every 100 ms rather than every second.
        sampleInt: 100,
        requests: [
          {
            method: 'GET',
            path: '/',
            onResponse: (status: number, body: string) => {
              if (status !== 200) return;
              const version = /"version":"([^"]*)"/.exec(body)?.[1] ?? '?';
              versions[version] = (versions[version] ?? 0) + 1;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => samples.push({ t: now(), ms: responseTime, status: statusCode }));
    instance.on('reqError', (error) => {
      if (reqErrors.length < 10) reqErrors.push(error.message);
    });
  });
  if (stopAfterMs !== undefined) setTimeout(() => instance.stop(), stopAfterMs);
  return {
    started,
    async stop() {
      instance.stop();
      return this.result();
    },
    async result() {
      const result = await finished;
      const lengthMs = now() - started;
      const sorted = samples.map((sample) => sample.ms).sort((a, b) => a - b);
      const failed = result.errors + result.timeouts + result.non2xx;
      return {
        lengthMs: round(lengthMs, 0),
        requests: result.requests.total,
        requestsPerSecond: round(result.requests.total / (lengthMs / 1000), 0),
        sent: result.requests.sent,
        ok2xx: result['2xx'],
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        resets: result.resets,
        failed,
        statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, stat]) => [code, stat.count])),
        reqErrors,
        versions,
        /** From every response's own time (sub-ms), as autocannon reports it to listeners. */
        latencyMs: { p50: round(percentile(sorted, 50), 2), p90: round(percentile(sorted, 90), 2), p99: round(percentile(sorted, 99), 2), p999: round(percentile(sorted, 99.9), 2), max: round(sorted.at(-1) ?? Number.NaN, 2) },
        /** autocannon's own histogram (whole ms). */
        autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
        samples,
      };
    },
  };
}

/** 2. With version N serving in dev: load through the router for a deploy of N+1 plus a settle time, against a baseline of the same length. */
async function measureSwaps(context: Context, pushVersion: (version: number) => Promise<string>) {
  const commits: string[] = [];
  for (let swap = 1; swap <= SWAPS; swap++) commits.push(await pushVersion(swap + 1));
  const quiet = await waitForQuiet('deploy swap', Number(options['max-load-wait']));
  // Unmeasured: warms up the router's paths, the workload and autocannon itself.
  const { samples: warmupSamples, ...warmup } = await loadRouter(context, 3_000).result();
  void warmupSamples;
  const swaps: Record<string, any>[] = [];
  for (let swap = 1; swap <= SWAPS; swap++) {
    const [from, to] = [String(swap), String(swap + 1)];
    const load = loadRouter(context);
    await sleep(LEAD_IN_MS);
    const deployed = await deploy(context, 'dev', commits[swap - 1]!);
    await sleep(SETTLE_MS);
    const { samples, ...during } = await load.stop();
    // The routing switch: the deployment's "ready; … now route to it" line.
    const switched = at(deployed.lines.find((line) => /^ready; /.test(line.message))?.at);
    const around = samples.filter((sample) => Math.abs(sample.t - switched) <= 1_000).map((sample) => sample.ms).sort((a, b) => a - b);
    const slowest = [...samples].sort((a, b) => b.ms - a.ms).slice(0, 5).map((sample) => ({ ms: round(sample.ms, 1), status: sample.status, afterSwitchMs: round(sample.t - switched, 0) }));
    await sleep(500);
    const { samples: baselineSamples, ...baseline } = await loadRouter(context, during.lengthMs).result();
    void baselineSamples;
    const served = json((await viaRouter(context.port, 'shop.dev.localhost')).body).version;
    if (served !== to) throw new Error(`after swap ${swap}, shop.dev.localhost serves version ${served}, not ${to}`);
    swaps.push({
      swap,
      from,
      to,
      deployment: deployed.deployment.id,
      timeToReadyMs: deployed.deployment.timeToReadyMs,
      deployWallMs: round(deployed.arrived - deployed.requested, 0),
      phases: phasesOf(deployed.deployment, deployed.lines),
      during,
      baseline,
      addedP99Ms: round(during.latencyMs.p99 - baseline.latencyMs.p99, 2),
      addedP50Ms: round(during.latencyMs.p50 - baseline.latencyMs.p50, 2),
      p99WithinASecondOfTheSwitchMs: round(percentile(around, 99), 2),
      slowestDuringSwap: slowest,
    });
    console.log(`  swap ${from}→${to}: ${during.requests} requests, ${during.failed} failed (versions ${JSON.stringify(during.versions)}), p50/p99 ${during.latencyMs.p50}/${during.latencyMs.p99} ms; baseline ${baseline.requests} requests, ${baseline.failed} failed, p50/p99 ${baseline.latencyMs.p50}/${baseline.latencyMs.p99} ms`);
  }
  return {
    warmupRun: { lengthMs: warmup.lengthMs, requests: warmup.requests, failed: warmup.failed, latencyMs: warmup.latencyMs },
    load: `autocannon ${CONNECTIONS} connections, GET / with Host: shop.dev.localhost on Paved's port, in the benchmark's process; the swap run starts ${LEAD_IN_MS} ms before POST /api/delivery/deployments and stops ${SETTLE_MS} ms after the deployment's completion event; the baseline run, right after it, lasts as long with no deploy; a 3 s unmeasured run warms up first`,
    ...quiet,
    swaps,
    failedDuringSwaps: swaps.reduce((sum, swap) => sum + swap.during.failed, 0),
    failedInBaselines: swaps.reduce((sum, swap) => sum + swap.baseline.failed, 0),
    loadAtEnd: round(os.loadavg()[0]!),
  };
}

/** 3. The node-service golden path's repository: push a change, until the router serves it. */
async function measureLeadTime(context: Context) {
  const name = 'bench-lead';
  const pipelineFile = fs.readFileSync(path.join(REPO_ROOT, 'golden-paths', 'node-service', 'skeleton', '.paved', 'pipeline.yaml'), 'utf8');
  const hasDeployStep = /^\s*deploy:\s*$/m.test(pipelineFile) || /deploy:\s*\{/.test(pipelineFile);
  const pipelineUncommitted = execFileSync('git', ['status', '--porcelain', '--', 'golden-paths/node-service'], { cwd: REPO_ROOT }).toString().trim().split('\n').filter(Boolean);
  if (!hasDeployStep) return { skipped: "the node-service golden path's pipeline has no deploy step" };
  const scaffolded = now();
  const task = await expectStatus(context.api, 'POST', '/api/scaffolder/v2/tasks', { templateRef: 'template:default/node-service', values: { name, description: 'Lead-time benchmark service', owner: 'group:default/platform-team', port: 8080 } }, 201);
  for (;;) {
    const status = (await expectStatus(context.api, 'GET', `/api/scaffolder/v2/tasks/${task.id}`, undefined, 200)).status as string;
    if (status === 'completed') break;
    if (['failed', 'cancelled'].includes(status)) throw new Error(`the node-service golden path run ended ${status}`);
    await sleep(50);
  }
  const runsPath = `/api/pipelines/repositories/default/${name}/runs?limit=5`;
  const waitRun = async (commit: string, timeoutMs = 300_000) => {
    const started = now();
    for (;;) {
      const answer = await context.api.call('GET', runsPath);
      const found = answer.status === 200 ? (answer.body.items as { id: string; commit: string; status: string }[]).find((item) => item.commit === commit) : undefined;
      if (found && ['succeeded', 'failed', 'cancelled'].includes(found.status)) return found;
      if (now() - started > timeoutMs) throw new Error(`no finished pipeline run of ${commit} after ${timeoutMs} ms`);
      await sleep(100);
    }
  };
  const clone = path.join(context.work, name);
  await git(context.work, 'clone', '--quiet', `http://x:${context.token}@127.0.0.1:${context.port}/git/default/${name}.git`, clone);
  const firstCommit = (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
  // The golden path's first push (publish:git) runs the pipeline once: npm ci, npm test, deploy to dev.
  const first = await waitRun(firstCommit);
  if (first.status !== 'succeeded') throw new Error(`the golden path's first pipeline run ${first.status}: ${JSON.stringify(await context.api.call('GET', `/api/pipelines/runs/${first.id}/logs`)).slice(-1500)}`);
  const firstRunReadyMs = round(now() - scaffolded, 0);
  const host = `${name}.dev.localhost`;
  const firstAnswer = await viaRouter(context.port, host);
  if (firstAnswer.status !== 200) throw new Error(`${host} answered ${firstAnswer.status} after the first pipeline run`);

  const quiet = await waitForQuiet('lead time', Number(options['max-load-wait']));
  const runs: Record<string, any>[] = [];
  let message = 'Hello from';
  for (let i = 1; i <= LEAD_TIME_RUNS; i++) {
    // A change to the code and its test, as a developer would push it.
    const next = `Hello (release ${i}) from`;
    for (const file of ['src/server.js', 'test/server.test.js']) {
      const target = path.join(clone, file);
      fs.writeFileSync(target, fs.readFileSync(target, 'utf8').replaceAll(message, next));
    }
    message = next;
    await git(clone, 'commit', '--quiet', '-am', `release ${i}`);
    const commit = (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
    const pushStarted = now();
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    const pushReturned = now();
    let polls = 0;
    let served: number;
    for (;;) {
      polls += 1;
      const answer = await viaRouter(context.port, host);
      if (answer.status === 200 && answer.body.includes(`Hello (release ${i}) from`)) {
        served = now();
        break;
      }
      if (now() - pushReturned > 300_000) throw new Error(`${host} did not serve release ${i} within 300 s of the push`);
      await sleep(20);
    }
    const finished = await waitRun(commit);
    const logs = (await expectStatus(context.api, 'GET', `/api/pipelines/runs/${finished.id}/logs`, undefined, 200)).items as LogLine[];
    const line = (pattern: RegExp) => at(logs.find((candidate) => pattern.test(candidate.message))?.at);
    const runDetail = await expectStatus(context.api, 'GET', `/api/pipelines/runs/${finished.id}`, undefined, 200);
    const deployStarted = line(/^▶ deploy/);
    const deployments = (await expectStatus(context.api, 'GET', `/api/delivery/deployments?workload=${name}&environment=dev&limit=1`, undefined, 200)).items as any[];
    const deployment = deployments.find((item) => item.commit === commit);
    runs.push({
      release: i,
      commit: commit.slice(0, 12),
      pushMs: round(pushReturned - pushStarted, 0),
      leadTimeMs: round(served - pushStarted, 0),
      leadTimeFromPushReturnedMs: round(served - pushReturned, 0),
      /** Push returned → the deploy step's ▶ line (server clock): the pipeline before the deploy. */
      pipelineMs: round(deployStarted - pushReturned, 0),
      /** ▶ deploy → the first 200 with the new content through the router. */
      deployMs: round(served - deployStarted, 0),
      runCreatedAfterPushMs: round(at(runDetail.createdAt) - pushReturned, 0),
      runStartedAfterPushMs: round(at(runDetail.startedAt) - pushReturned, 0),
      npmCiMs: line(/^✔ build/) - line(/^▶ build/),
      npmTestMs: line(/^✔ test/) - line(/^▶ test/),
      deploymentTimeToReadyMs: deployment?.timeToReadyMs ?? null,
      deploymentCreatedAfterDeployStepMs: deployment ? at(deployment.createdAt) - deployStarted : null,
      routerPolls: polls,
    });
    console.log(`  release ${i}: push → serving ${round(served - pushStarted, 0)} ms (pipeline ${round(deployStarted - pushReturned, 0)}, deploy ${round(served - deployStarted, 0)})`);
  }
  const pick = (key: string) => summarize(runs.map((r) => r[key] as number));
  return {
    goldenPath: 'template:default/node-service (golden-paths/node-service), scaffolded through POST /api/scaffolder/v2/tasks, owner group:default/platform-team; its .paved/pipeline.yaml: build (npm ci), test (npm test), deploy {environment: dev}',
    pipelineFileUncommitted: pipelineUncommitted,
    change: "each release replaces the greeting in src/server.js and test/server.test.js, one commit, git push to main; the clock stops at the first 200 through the router (Host: bench-lead.dev.localhost) whose body has the new greeting, polled every 20 ms",
    firstRunScaffoldToDeployedMs: firstRunReadyMs,
    ...quiet,
    leadTimeMs: pick('leadTimeMs'),
    pipelineMs: pick('pipelineMs'),
    deployMs: pick('deployMs'),
    pushMs: pick('pushMs'),
    npmCiMs: pick('npmCiMs'),
    npmTestMs: pick('npmTestMs'),
    deploymentTimeToReadyMs: pick('deploymentTimeToReadyMs'),
    runs,
    loadAtEnd: round(os.loadavg()[0]!),
  };
}

async function benchmark() {
  const token = randomBytes(24).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-delivery-bench-'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-delivery-git-'));
  const logFile = path.join(REPO_ROOT, 'bench', '.data', 'delivery.log');
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PAVED_DATA_DIR: dataDir,
    PAVED_ADMIN_TOKEN: token,
    PAVED_DEMO: 'false',
    PAVED_LOG_LEVEL: 'warn',
    PAVED_CATALOG_REFRESH_SECONDS: '0',
    PAVED_GOLDEN_PATHS: 'true',
    PAVED_DELIVERY_POSTGRES_URL: RESOURCE_POSTGRES,
    PAVED_DELIVERY_REDIS_URL: RESOURCE_REDIS,
  };
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, '');
  const result: Record<string, unknown> = {
    db: 'sqlite',
    resources: { postgres: RESOURCE_POSTGRES, redis: RESOURCE_REDIS },
    environment: { date: new Date().toISOString(), node: process.version, cpus: `${os.cpus().length} × ${os.cpus()[0]?.model}`, git: execFileSync('git', ['--version']).toString().trim(), loadAverageAtStart: os.loadavg().map((l) => round(l)), ...gitState(), distBuiltAt: fs.statSync(path.join(REPO_ROOT, 'dist', 'src', 'main.js'), { throwIfNoEntry: false })?.mtime.toISOString() ?? null },
  };
  const server = startServer(env, logFile);
  const api = createApi(server.baseUrl, token);
  const context: Context = { api, baseUrl: server.baseUrl, port, token, work };
  let devNames: { postgres: string[]; redis: string[] } | undefined;
  try {
    result.serverStartMs = round(await waitHealthy(server, performance.now()), 0);
    const shop = await createShop(context);
    const v1 = await shop.push(1);
    // Version 1 to dev: the warm-up (the commit's source is exported from git once, the
    // resource drivers connect) and what the swaps start from.
    const warmup = await deploy(context, 'dev', v1);
    devNames = await resourceNames(api, 'dev');
    result.warmupDeployToDev = { timeToReadyMs: warmup.deployment.timeToReadyMs, wallMs: round(warmup.arrived - warmup.requested, 0), resourceProvisionMs: Object.fromEntries(Object.entries(warmup.deployment.resources as Record<string, { provisionMs: number }>).map(([key, value]) => [key, value.provisionMs])), ...phasesOf(warmup.deployment, warmup.lines) };
    console.log(`warm-up deploy of version 1 to dev: timeToReadyMs ${warmup.deployment.timeToReadyMs}`);
    console.log(`1. time to provision a new environment (${RUNS} runs)`);
    result.timeToProvision = await measureTimeToProvision(context, v1);
    console.log(`2. deploy swap under load (${SWAPS} swaps)`);
    result.swap = await measureSwaps(context, (version) => shop.push(version));
    if (options['skip-lead-time']) result.leadTime = { skipped: '--skip-lead-time' };
    else {
      console.log(`3. push-to-serving lead time of the node-service golden path (${LEAD_TIME_RUNS} releases)`);
      result.leadTime = await measureLeadTime(context);
    }
    result.loadAverageAtEnd = os.loadavg().map((l) => round(l));
    result.ok = true;
  } catch (error) {
    result.ok = false;
    result.problem = `${(error as Error).stack ?? error}\n  server log ends:\n${fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n')}`;
  } finally {
    api.close();
    await server.stop();
    if (devNames) {
      await removeDirectly(devNames);
      result.devResourcesRemovedDirectly = { names: devNames, left: await leftovers(devNames) };
    }
    for (const dir of [dataDir, work]) fs.rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

function printTable(result: any) {
  console.log(`\nDelivery benchmark: Paved on ${result.db} (fresh data dir), resources on ${result.resources.postgres} and ${result.resources.redis}; ${result.environment.cpus}, commit ${result.environment.commit}`);
  const rows: string[][] = [['', 'p50 / p95 / min / max', 'target', '']];
  const f = (s: { p50: number; p95: number; min: number; max: number }, unit = ' ms') => `${s.p50} / ${s.p95} / ${s.min} / ${s.max}${unit}`;
  const verdict = (value: number, target: number) => (value <= target ? 'ok' : 'MISSED');
  const t = result.timeToProvision;
  if (t) {
    rows.push([`new environment → deployment succeeded, timeToReadyMs (${t.timeToReadyMs.n} runs, load ${t.loadAtStart})`, f(t.timeToReadyMs), `≤ ${TARGETS.timeToHealthyMs} ms`, verdict(t.timeToReadyMs.max, TARGETS.timeToHealthyMs) + ' (max)']);
    rows.push(['  wall, POST /deployments → completion event', f(t.wallMs), `≤ ${TARGETS.timeToHealthyMs} ms`, verdict(t.wallMs.max, TARGETS.timeToHealthyMs) + ' (max)']);
    rows.push(['  wall, from POST /environments', f(t.wallFromEnvironmentRequestMs), '', '']);
    rows.push(['  first 200 through the router, from POST /deployments', f(t.firstRouterAnswerMs), '', '']);
    for (const [key, value] of Object.entries(t.resourceProvisionMs as Record<string, any>)) rows.push([`  provisionMs of ${key}`, f(value), '', '']);
    for (const [key, value] of Object.entries(t.phases as Record<string, any>)) rows.push([`  phase ${key}`, f(value), '', '']);
    rows.push(['  removing each environment, DELETE → 404', f(t.removal.removeEachMs), '', t.removal.leftInPostgresAndRedis?.length ? `LEFT: ${t.removal.leftInPostgresAndRedis.join(', ')}` : 'nothing left']);
  }
  const s = result.swap;
  if (s) {
    for (const swap of s.swaps) {
      rows.push([`swap ${swap.from}→${swap.to} in dev under ${CONNECTIONS} connections (${swap.during.lengthMs} ms; deploy ${swap.deployWallMs} ms)`, `${swap.during.requests} req (${swap.during.requestsPerSecond}/s), ${swap.during.failed} failed; p50 ${swap.during.latencyMs.p50}, p99 ${swap.during.latencyMs.p99} ms`, `0 failed`, swap.during.failed === 0 ? 'ok' : 'MISSED']);
      rows.push(['  baseline, same length, no deploy', `${swap.baseline.requests} req (${swap.baseline.requestsPerSecond}/s), ${swap.baseline.failed} failed; p50 ${swap.baseline.latencyMs.p50}, p99 ${swap.baseline.latencyMs.p99} ms`, '', '']);
      rows.push(['  added p99 / p99 within 1 s of the switch / versions served', `${swap.addedP99Ms} ms / ${swap.p99WithinASecondOfTheSwitchMs} ms / ${JSON.stringify(swap.during.versions)}`, '', '']);
    }
  }
  const l = result.leadTime;
  if (l?.skipped) rows.push(['lead time of the golden path', `SKIPPED: ${l.skipped}`, '', '']);
  else if (l) {
    rows.push([`git push → first 200 with the change, node-service golden path (${l.leadTimeMs.n} releases, load ${l.loadAtStart})`, f(l.leadTimeMs), '', '']);
    rows.push(['  pipeline: push returned → ▶ deploy', f(l.pipelineMs), '', '']);
    rows.push(['  deploy: ▶ deploy → first 200 with the change', f(l.deployMs), '', '']);
    rows.push(['  npm ci step / npm test step', `${l.npmCiMs.p50} / ${l.npmTestMs.p50} ms (p50)`, '', '']);
    rows.push(['  git push itself', f(l.pushMs), '', '']);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(`  ${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]!.padEnd(widths[2]!)}  ${row[3]}`);
  if (result.problem) console.log(`  PROBLEM: ${result.problem}`);
}

// Builds dist/ when a file of src/ is newer than it (as bench/pipelines.ts does).
const built = fs.statSync(path.join(REPO_ROOT, 'dist', 'src', 'main.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = fs.readdirSync(path.join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
if (!options['skip-build'] && sources.some((file) => fs.statSync(path.join(REPO_ROOT, 'src', file)).mtimeMs > built)) {
  console.log('building the server (src/ is newer than dist/)');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
const result = await benchmark();
printTable(result);
const stamp = (result.environment as { date: string }).date.slice(0, 16).replace(':', '');
const file = path.join(REPO_ROOT, 'bench', 'results', `delivery-${stamp}Z.json`);
if (!process.env.BENCH_SERVER_ENTRY) {
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(REPO_ROOT, file)}`);
}
process.exitCode = result.ok ? 0 : 1;
