import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { ADMIN_TOKEN, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { viaRouter } from './support/via-router.js';
import { cloneNewRepository, closeWithWorkloads, workloadScore } from './support/workload.js';

const NOBODY = 65534;
const BACKGROUND_MARKER = '987654';
// Paved's own process (this test's) carries vitest's variables; nothing inside may see them.
const PAVED_ENVIRON_MARKER = 'VITEST=true';

/**
 * A workload that reports what it can reach: files, other processes' environments, ports. It
 * leaves a process running in the background of its own session, as careless services do, and
 * prints its database URL (password and all).
 */
const PROBING_SERVER = `
const http = require('node:http');
const net = require('node:net');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const attempt = (read) => { try { return read(); } catch (error) { return error.code || error.message; } };
const tryConnect = (port) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  socket.setTimeout(2000, () => { socket.destroy(); resolve('timeout'); });
  socket.once('connect', () => { socket.destroy(); resolve('connected'); });
  socket.once('error', (error) => resolve(error.code));
});
const talk = (port, send, done) => new Promise((resolve) => {
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  socket.setTimeout(3000, () => { socket.destroy(); resolve(got || 'timeout'); });
  socket.once('connect', () => socket.write(send));
  socket.on('data', (chunk) => { got += chunk.toString('latin1'); if (done(got)) { socket.destroy(); resolve(got); } });
  socket.once('error', (error) => resolve(error.code));
});
spawn('setsid', ['sleep', '${BACKGROUND_MARKER}'], { detached: true, stdio: 'ignore' }).unref();
if (process.env.DATABASE_URL) console.log('database: ' + process.env.DATABASE_URL);
const dataDir = process.env.DATA_DIR;
const get = (port, host, path) => new Promise((resolve) => {
  require('node:http').get({ host: '127.0.0.1', port, path, headers: { host } }, (response) => {
    let body = ''; response.on('data', (chunk) => body += chunk); response.on('end', () => resolve({ status: response.statusCode, body }));
  }).on('error', (error) => resolve({ error: error.code }));
});
http.createServer(async (request, response) => {
  if (request.url !== '/probe') { response.writeHead(200); return response.end('ok'); }
  const environs = fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name)).map((pid) => attempt(() => fs.readFileSync('/proc/' + pid + '/environ', 'latin1')));
  const redis = process.env.REDIS_URL ? new URL(process.env.REDIS_URL) : undefined;
  const report = {
    uid: process.getuid(),
    gid: process.getgid(),
    dataDir: attempt(() => fs.readdirSync(dataDir)),
    sqlite: attempt(() => fs.readFileSync(dataDir + '/paved.sqlite').length),
    masterKey: attempt(() => fs.readFileSync(dataDir + '/master.key').length),
    repositories: attempt(() => fs.readdirSync(dataDir + '/git')),
    instances: attempt(() => fs.readdirSync(dataDir + '/delivery/instances')),
    pavedEnvironSeen: environs.some((environ) => typeof environ === 'string' && environ.includes('${PAVED_ENVIRON_MARKER}')),
    ownEnvironment: Object.keys(process.env).sort(),
    paved: await tryConnect(Number(process.env.PAVED_PORT_TO_TRY)),
    postgres: await tryConnect(5432),
    redis: await tryConnect(6379),
    // PostgreSQL answers an SSLRequest with one byte, S or N: it is the real server.
    postgresAnswer: process.env.DATABASE_URL ? await talk(5432, Buffer.from([0, 0, 0, 8, 4, 210, 22, 47]), (got) => got.length > 0) : null,
    redisAnswer: redis ? await talk(6379, 'AUTH ' + decodeURIComponent(redis.username) + ' ' + decodeURIComponent(redis.password) + '\\r\\nPING\\r\\n', (got) => got.includes('PONG') || got.startsWith('-')) : null,
    buildWritable: attempt(() => { fs.writeFileSync('written-at-run-time.txt', 'x'); return 'written'; }),
    homeWritable: attempt(() => { fs.writeFileSync(process.env.HOME + '/note', 'x'); return 'written'; }),
    // Paved's record of the instance's processes, read as root at its next start: not the workload's to rewrite.
    pavedRecordReplaced: attempt(() => { const record = process.env.HOME + '/../pids.json'; fs.rmSync(record, { force: true }); fs.writeFileSync(record, 'not json'); return 'written'; }),
    ...(process.env.SERVICE_URL ? {
      throughServicePort: await get(Number(new URL(process.env.SERVICE_URL).port), new URL(process.env.SERVICE_URL).hostname, '/'),
      pavedThroughServicePort: await get(Number(new URL(process.env.SERVICE_URL).port), 'localhost', '/api/catalog/entities'),
    } : {}),
  };
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify(report));
}).listen(Number(process.env.PORT), () => console.log('probe listening on ' + process.env.PORT));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
`;

/** An exec readiness probe that passes only inside the workload's sandbox: as the unprivileged user, on its network. */
const EXEC_PROBE = `
if (process.getuid() !== ${NOBODY}) process.exit(2);
require('node:net').connect(8080, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1));
`;

describe('local workloads in the sandbox', () => {
  let paved: TestPaved;
  let port: number;
  let ada: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-sandbox-workloads-'));
  let repository: Awaited<ReturnType<typeof cloneNewRepository>>;

  const deployment = (id: string) => paved.call('GET', `/api/delivery/deployments/${id}`).then((response) => response.body);
  const finished = (id: string) => until(() => deployment(id), (body) => ['succeeded', 'failed', 'rejected'].includes(body.status), 60_000);
  const deploy = async () => (await paved.call('POST', '/api/delivery/deployments', { token: ada, body: { repository: 'team-a/probe', environment: 'dev' } })).body;
  const report = async () => JSON.parse((await viaRouter(port, 'probe.dev.localhost', '/probe')).body);
  const backgroundSleepers = () =>
    fs.readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() === `sleep ${BACKGROUND_MARKER}`;
      } catch {
        return false;
      }
    })());

  const score = (extra: { variables?: string; resources?: string; probe?: string; limits?: string } = {}) => {
    const text = workloadScore({
      name: 'probe',
      version: '1',
      variables: `      DATA_DIR: "${paved.dataDir}"\n      PAVED_PORT_TO_TRY: "${port}"\n${extra.variables ?? ''}`,
      ...(extra.resources ? { resources: extra.resources } : {}),
    });
    const probed = extra.probe ? text.replace(/ {4}readinessProbe:\n(?: {6}.*\n)+/, `    readinessProbe:\n${extra.probe}`) : text;
    return extra.limits ? probed.replace('    readinessProbe:', `    resources:\n      limits:\n${extra.limits}    readinessProbe:`) : probed;
  };

  beforeAll(async () => {
    // The sandbox does not touch the database: one dialect is enough here.
    paved = await startTestPaved('sqlite', {}, {
      PAVED_DELIVERY_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      PAVED_DELIVERY_REDIS_URL: 'redis://127.0.0.1:6379',
      PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '10',
      PAVED_DELIVERY_RESTART_BACKOFF_MS: '50',
    });
    port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    repository = await cloneNewRepository(paved, { token: ada, host: `127.0.0.1:${port}`, work, name: 'probe' });
  }, 120_000);

  afterAll(() => closeWithWorkloads(paved, work));

  it("cannot read Paved's data dir or environment, runs as the unprivileged user, and reaches neither Paved's port nor the databases", async () => {
    // The markers these checks look for really are there, outside.
    expect(fs.readFileSync('/proc/self/environ', 'latin1')).toContain(PAVED_ENVIRON_MARKER);
    expect(fs.existsSync(path.join(paved.dataDir, 'paved.sqlite'))).toBe(true);
    await repository.push({ 'server.js': PROBING_SERVER, 'score.yaml': score() });
    const done = await finished((await deploy()).id);
    expect(done.error).toBeNull();

    const seen = await report();
    expect(seen.uid).toBe(NOBODY);
    expect(seen.gid).toBe(NOBODY);
    expect(seen.sqlite).toBe('ENOENT');
    expect(seen.masterKey).toBe('ENOENT');
    expect(seen.repositories).toBe('ENOENT');
    // Only its own instance folder is there, the way to it made by the sandbox.
    expect(seen.dataDir).toEqual(['delivery']);
    expect(seen.instances).toHaveLength(1);
    expect(seen.pavedEnvironSeen).toBe(false);
    expect(seen.ownEnvironment).not.toContain('PAVED_ADMIN_TOKEN');
    expect(seen.ownEnvironment).not.toContain('DATABASE_URL');
    expect(seen.ownEnvironment).not.toContain('HTTP_PROXY');
    expect([seen.paved, seen.postgres, seen.redis]).toEqual(['ECONNREFUSED', 'ECONNREFUSED', 'ECONNREFUSED']);
    // Heroku-style: the build is read-only at run time; its home is its own.
    expect(seen.buildWritable).toBe('EROFS');
    expect(seen.homeWritable).toBe('written');
    expect(seen.pavedRecordReplaced).not.toBe('written');
    const instance = fs.readdirSync(path.join(paved.dataDir, 'delivery', 'instances'))[0]!;
    expect(JSON.parse(fs.readFileSync(path.join(paved.dataDir, 'delivery', 'instances', instance, 'pids.json'), 'utf8'))).toEqual(expect.any(Array));
  });

  it('reaches its own postgres and redis through their forwards, and still not Paved', async () => {
    await repository.push({
      'server.js': PROBING_SERVER,
      'score.yaml': score({
        variables: '      DATABASE_URL: ${resources.db.url}\n      REDIS_URL: ${resources.cache.url}\n',
        resources: 'resources:\n  db:\n    type: postgres\n  cache:\n    type: redis\n',
      }),
    });
    const done = await finished((await deploy()).id);
    expect(done.error).toBeNull();
    const seen = await report();
    expect(seen.postgres).toBe('connected');
    expect(['S', 'N']).toContain(seen.postgresAnswer);
    expect(seen.redisAnswer).toBe('+OK\r\n+PONG\r\n');
    expect(seen.paved).toBe('ECONNREFUSED');
    const logs = (await paved.call('GET', `/api/delivery/deployments/${done.id}/logs`)).body.items.map((line: { message: string }) => line.message).join('\n');
    expect(logs).toContain('its network reaches 127.0.0.1:5432, 127.0.0.1:6379 (its resources) and nothing else of this machine');
  });

  it('keeps its log file on disk 0600, with the secret masked', async () => {
    const logFile = path.join(paved.dataDir, 'delivery', 'logs', 'dev', 'probe.log');
    await until(async () => fs.readFileSync(logFile, 'utf8'), (text) => text.includes('database: '));
    const text = fs.readFileSync(logFile, 'utf8');
    expect(text).toContain('database: ***');
    expect(text).not.toMatch(/postgres:\/\//);
    expect(fs.statSync(logFile).mode & 0o777).toBe(0o600);
  });

  it('runs exec probes inside its sandbox, on its network', async () => {
    await repository.push({
      'server.js': PROBING_SERVER,
      'probe.js': EXEC_PROBE,
      'score.yaml': score({ probe: '      exec:\n        command: ["node", "probe.js"]\n' }),
    });
    const done = await finished((await deploy()).id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
  });

  it("reaches other workloads through a service-port resource, which leads to the router alone, never to Paved's API", async () => {
    await repository.push({
      'server.js': PROBING_SERVER,
      'score.yaml': score({ variables: '      SERVICE_URL: ${resources.self.url}\n', resources: 'resources:\n  self:\n    type: service-port\n    params:\n      workload: probe\n' }),
    });
    const done = await finished((await deploy()).id);
    expect(done.error).toBeNull();
    const seen = await report();
    expect(seen.ownEnvironment).toContain('SERVICE_URL');
    expect(seen.throughServicePort).toEqual({ status: 200, body: 'ok' });
    expect(seen.pavedThroughServicePort).toEqual({ status: 404, body: 'only workload hosts are served here\n' });
    // The same request on Paved's port outside is Paved's API.
    expect((await paved.call('GET', '/api/catalog/entities', { token: null })).status).toBe(401);
  });

  it('says plainly when nothing listens on its port', async () => {
    await repository.push({ 'server.js': 'setInterval(() => undefined, 1000);\n', 'score.yaml': score() });
    const done = await finished((await deploy()).id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('GET /healthz on port 8080: nothing answered (is it listening on port 8080?)');
  });

  it("refuses to keep a workload's sockets in a /tmp folder others can reach, a name anyone can predict", async () => {
    const socketsRoot = path.join(os.tmpdir(), `paved-${crypto.createHash('sha256').update(path.resolve(paved.dataDir)).digest('hex').slice(0, 10)}`);
    await repository.push({ 'server.js': PROBING_SERVER, 'score.yaml': score() });
    fs.mkdirSync(socketsRoot, { recursive: true });
    fs.chmodSync(socketsRoot, 0o777);
    try {
      const done = await finished((await deploy()).id);
      expect(done.status).toBe('failed');
      expect(done.error).toContain(`${socketsRoot} is not a private folder of Paved's own user`);
    } finally {
      fs.chmodSync(socketsRoot, 0o700);
    }
  });

  it('says so when the kernel kills it for its memory limit', async () => {
    await repository.push({
      'server.js': "const hog = []; for (;;) hog.push(Buffer.alloc(16 * 1024 * 1024, 1));\n",
      'score.yaml': score({ limits: '        memory: 64Mi\n' }),
    });
    const done = await finished((await deploy()).id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('was killed: out of memory (limit 64 MiB)');
    // The previous version keeps serving.
    expect((await viaRouter(port, 'probe.dev.localhost')).status).toBe(200);
  });

  it('takes everything it started with it when stopped, and an old log file is made 0600', async () => {
    await repository.push({ 'server.js': PROBING_SERVER, 'score.yaml': score() });
    expect((await finished((await deploy()).id)).error).toBeNull();
    const sleepers = await until(async () => backgroundSleepers(), (pids) => pids.length > 0);
    expect(sleepers.length).toBeGreaterThan(0);
    expect(fs.statSync(`/proc/${sleepers[0]}`).uid).toBe(NOBODY);

    const removal = (await paved.call('DELETE', '/api/delivery/environments/dev/workloads/probe', { token: ada })).body;
    await until(() => paved.call('GET', `/api/tasks/${removal.taskId}`).then((response) => response.body.status), (status) => status === 'succeeded');
    expect(await until(async () => backgroundSleepers(), (pids) => pids.length === 0, 5_000)).toEqual([]);

    // A log file from before this fix is 0644: a restart of Paved makes it 0600.
    const old = path.join(paved.dataDir, 'delivery', 'logs', 'dev', 'old.log');
    fs.writeFileSync(old, 'an old line\n', { mode: 0o644 });
    fs.chmodSync(old, 0o644);
    paved = await paved.restart();
    port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
    expect(fs.statSync(old).mode & 0o777).toBe(0o600);
  });
});

describe('local workloads without a working sandbox', () => {
  let paved: TestPaved;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-sandbox-missing-'));

  afterAll(async () => {
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('refuses to deploy, naming the fix, and never runs the workload unsandboxed', async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_SANDBOX_BWRAP: '/nonexistent/bwrap' });
    const port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    const ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    const repository = await cloneNewRepository(paved, { token: ada, host: `127.0.0.1:${port}`, work, name: 'probe' });
    await repository.push({ 'server.js': PROBING_SERVER, 'score.yaml': workloadScore({ name: 'probe', version: '1' }) });
    const created = (await paved.call('POST', '/api/delivery/deployments', { token: ada, body: { repository: 'team-a/probe', environment: 'dev' } })).body;
    const done = await until(() => paved.call('GET', `/api/delivery/deployments/${created.id}`).then((response) => response.body), (body) => ['succeeded', 'failed'].includes(body.status), 60_000);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('bubblewrap (bwrap) is not installed at /nonexistent/bwrap');
    expect(done.error).toContain('apt-get install bubblewrap');
    expect((await viaRouter(port, 'probe.dev.localhost')).status).toBe(404);
  });
});

describe('local workloads with egress allowed by the platform', () => {
  let paved: TestPaved;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-sandbox-egress-'));

  afterAll(() => closeWithWorkloads(paved, work));

  it('get the egress proxy, which refuses hosts off the allow-list with 403 naming the setting', async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_SANDBOX_WORKLOAD_EGRESS: 'true', PAVED_SANDBOX_EGRESS: 'registry.npmjs.org' });
    const port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    const ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    const repository = await cloneNewRepository(paved, { token: ada, host: `127.0.0.1:${port}`, work, name: 'probe' });
    const server = `
const http = require('node:http');
http.createServer((request, response) => {
  if (request.url !== '/egress') return response.end('ok');
  const proxy = new URL(process.env.HTTP_PROXY);
  http.get({ host: proxy.hostname, port: proxy.port, path: 'http://example.org/' }, (answer) => {
    let body = ''; answer.on('data', (chunk) => body += chunk);
    answer.on('end', () => response.end(JSON.stringify({ proxy: process.env.HTTPS_PROXY, status: answer.statusCode, body })));
  }).on('error', (error) => response.end(JSON.stringify({ error: error.message })));
}).listen(Number(process.env.PORT));
`;
    await repository.push({ 'server.js': server, 'score.yaml': workloadScore({ name: 'probe', version: '1' }).replace(/ {4}readinessProbe:\n(?: {6}.*\n)+/, '') });
    const created = (await paved.call('POST', '/api/delivery/deployments', { token: ada, body: { repository: 'team-a/probe', environment: 'dev' } })).body;
    const done = await until(() => paved.call('GET', `/api/delivery/deployments/${created.id}`).then((response) => response.body), (body) => ['succeeded', 'failed'].includes(body.status), 60_000);
    expect(done.error).toBeNull();
    const seen = JSON.parse((await viaRouter(port, 'probe.dev.localhost', '/egress')).body);
    expect(seen.proxy).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(seen.status).toBe(403);
    expect(seen.body).toContain('example.org:80 is not on the sandbox');
    expect(seen.body).toContain('PAVED_SANDBOX_EGRESS');
  });
});

describe('local workloads when Paved is killed', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-sandbox-killed-'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-sandbox-killed-work-'));
  const MARKER = '987655';
  let server: ChildProcess | undefined;
  let port: number;

  /** Paved as its own process (`src/main.ts` through tsx), so that it can be killed. */
  async function startPaved(): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, '../src/main.ts')], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', PAVED_DATA_DIR: dataDir, PAVED_ADMIN_TOKEN: ADMIN_TOKEN, PAVED_DEMO: 'false', PAVED_GOLDEN_PATHS: 'false', PAVED_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await until(() => fetch(`http://127.0.0.1:${port}/healthz`).then((response) => response.status, () => 0), (status) => status === 200, 60_000);
    return child;
  }
  const call = async (method: string, url: string, body?: unknown, token = ADMIN_TOKEN) => {
    const response = await fetch(`http://127.0.0.1:${port}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' } : {}) }, ...(body ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  };
  const sleepers = () =>
    fs.readdirSync('/proc').filter((pid) => {
      try {
        return /^\d+$/.test(pid) && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim() === `sleep ${MARKER}`;
      } catch {
        return false;
      }
    });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await new Promise((resolve) => server!.once('exit', resolve));
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('dies with a killed Paved, whatever it left in the background, and comes back with the next Paved', async () => {
    port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    server = await startPaved();
    expect((await call('POST', '/api/catalog/entities', TEAM_A_PEOPLE)).status).toBeLessThan(300);
    const ada = (await call('POST', '/api/access/tokens', { name: 't', userRef: 'user:default/ada' })).body.token as string;
    // cloneNewRepository needs only a way to call the API: here, of the Paved process.
    const repository = await cloneNewRepository({ call: (method: string, url: string, options?: { body?: unknown; token?: string | null }) => call(method, url, options?.body, options?.token ?? ADMIN_TOKEN) } as unknown as TestPaved, { token: ada, host: `127.0.0.1:${port}`, work, name: 'probe' });
    await repository.push({ 'server.js': PROBING_SERVER.replace(`'sleep', '${BACKGROUND_MARKER}'`, `'sleep', '${MARKER}'`), 'score.yaml': workloadScore({ name: 'probe', version: '1' }) });
    const created = (await call('POST', '/api/delivery/deployments', { repository: 'team-a/probe', environment: 'dev' }, ada)).body;
    const done = await until(() => call('GET', `/api/delivery/deployments/${created.id}`).then((response) => response.body), (body) => ['succeeded', 'failed'].includes(body.status), 60_000);
    expect(done.error).toBeNull();
    expect(await until(async () => sleepers(), (pids) => pids.length === 1)).toHaveLength(1);

    server.kill('SIGKILL');
    await new Promise((resolve) => server!.once('exit', resolve));
    // Nothing of the workload outlives the Paved that ran it: bubblewrap dies with its parent, and its PID namespace with it.
    expect(await until(async () => sleepers(), (pids) => pids.length === 0, 5_000)).toEqual([]);

    server = await startPaved();
    expect((await until(() => viaRouter(port, 'probe.dev.localhost'), (answer) => answer.status === 200, 30_000)).status).toBe(200);
    expect(await until(async () => sleepers(), (pids) => pids.length === 1)).toHaveLength(1);
  }, 120_000);
});
