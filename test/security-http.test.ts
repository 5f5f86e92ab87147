import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { checkRouteParams, idParam, relativePathParam } from '../src/http/path-params.js';
import { TEAM_A_PEOPLE } from './support/people.js';
import { ADMIN_TOKEN, DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

interface RawResponse {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/**
 * A request over a real socket with the path sent exactly as written: no client normalizes
 * `..` or re-encodes it, as an attacker's client would not.
 */
function raw(base: string, requestPath: string, options: { method?: string; headers?: Record<string, string>; body?: string; token?: string | null } = {}): Promise<RawResponse> {
  const { port } = new URL(base);
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: '127.0.0.1', port, path: requestPath, method: options.method ?? 'GET', headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1'), headers: response.headers }));
      },
    );
    request.on('error', reject);
    if (options.body !== undefined) request.write(options.body);
    request.end();
  });
}

describe.each(DIALECTS)('the HTTP surface on %s', (dialect) => {
  let paved: TestPaved;
  let base: string;
  let host: string;
  let ada: string;
  let runId: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-security-http-'));
  /** Secrets of the machine no response may ever contain. */
  let masterKey: string;

  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, { PAVED_AUTH_FAILURES_PER_MINUTE: '20' });
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    host = base.replace('http://', '');
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    masterKey = fs.readFileSync(path.join(paved.dataDir, 'master.key'), 'utf8').trim();

    // A real run whose job keeps a file, and tries to keep links to the machine's secrets.
    await paved.call('POST', '/api/git/repositories', { token: ada, body: { namespace: 'team-a', name: 'kept', ownerRef: 'group:default/team-a' } });
    const clone = path.join(work, 'kept');
    await git(work, 'clone', '--quiet', `http://ada:${ada}@${host}/git/team-a/kept.git`, clone);
    fs.mkdirSync(path.join(clone, '.paved'));
    fs.writeFileSync(
      path.join(clone, '.paved/pipeline.yaml'),
      `apiVersion: paved.dev/v1
kind: Pipeline
metadata: { name: p }
spec:
  on: { push: {} }
  artifacts: ['dist/**']
  steps:
    - run: mkdir -p dist && echo bundle > dist/app.js && ln -s /etc/passwd dist/passwd && ln -s /proc/self/environ dist/environ && ln -s ../../../../master.key dist/key
`,
    );
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'build');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    const [first] = await until(async () => (await paved.call('GET', '/api/pipelines/repositories/team-a/kept/runs')).body.items as { id: string }[], (items) => items.length > 0, 30_000);
    runId = first!.id;
    const done = await until(async () => (await paved.call('GET', `/api/pipelines/runs/${runId}`)).body, (runState) => ['succeeded', 'failed', 'cancelled'].includes(runState.status), 60_000);
    expect(done.status).toBe('succeeded');
  }, 90_000);
  afterAll(async () => {
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** True when the response carries any secret of this machine or file of the data dir. */
  const leaks = (response: RawResponse) =>
    response.body.includes('SQLite format') || response.body.includes(masterKey) || response.body.includes(ADMIN_TOKEN) || response.body.includes('root:x:0:0') || response.body.includes('PATH=');

  it('finding 1: serves a real artifact, and no other file of the machine through the artifact route: encoded "..", %2e%2e, absolute paths, /proc and links', async () => {
    const listed = await paved.call('GET', `/api/pipelines/runs/${runId}/artifacts`, { token: ada });
    // Links are never kept: only the regular file is.
    expect(listed.body.items).toEqual([{ job: 'main', path: 'dist/app.js', size: 7 }]);
    const real = await raw(base, `/api/pipelines/runs/${runId}/artifacts/main/dist/app.js`, { token: ada });
    expect(real.status).toBe(200);
    expect(real.body).toBe('bundle\n');
    expect(real.headers['x-content-type-options']).toBe('nosniff');

    // A link that got into the store anyway (the store's own folder is the only thing trusted).
    const store = path.join(paved.dataDir, 'pipelines', 'artifacts', runId, 'main');
    fs.symlinkSync(path.join(paved.dataDir, 'master.key'), path.join(store, 'planted'));
    fs.symlinkSync(paved.dataDir, path.join(store, 'data'));
    fs.symlinkSync('/proc/self', path.join(store, 'self'));

    const attacks = [
      `/api/pipelines/runs/${runId}/artifacts/..%2F..%2F../master.key`,
      `/api/pipelines/runs/${runId}/artifacts/..%2F..%2F..%2F..%2F../paved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/..%2F..%2F..%2F..%2Fmaster.key`,
      `/api/pipelines/runs/${runId}/artifacts/main/..%2F..%2F..%2F..%2Fpaved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/%2e%2e/%2e%2e/%2e%2e/%2e%2e/paved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fmaster.key`,
      `/api/pipelines/runs/${runId}/artifacts/main/../../../../master.key`,
      `/api/pipelines/runs/${runId}/artifacts/main/%252e%252e/%252e%252e/master.key`,
      `/api/pipelines/runs/${runId}/artifacts/main//proc/self/environ`,
      `/api/pipelines/runs/${runId}/artifacts/main/%2Fproc%2Fself%2Fenviron`,
      `/api/pipelines/runs/${runId}/artifacts/%2Fproc%2Fself/environ`,
      `/api/pipelines/runs/${runId}/artifacts/main/..%5C..%5C..%5C..%5Cmaster.key`,
      `/api/pipelines/runs/${runId}/artifacts/main/dist%00/app.js`,
      `/api/pipelines/runs/..%2F..%2F..%2F/artifacts/master.key/x`,
      `/api/pipelines/runs/${runId}/artifacts/main/planted`,
      `/api/pipelines/runs/${runId}/artifacts/main/data/master.key`,
      `/api/pipelines/runs/${runId}/artifacts/main/data/paved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/self/environ`,
      `/api/pipelines/runs/${runId}/artifacts/main/dist`,
    ];
    for (const attack of attacks) {
      const response = await raw(base, attack, { token: ada });
      expect([400, 404], attack).toContain(response.status);
      expect(leaks(response), attack).toBe(false);
      expect(JSON.parse(response.body).error.code, attack).toMatch(/^(request\.invalid|request\.no_route|pipelines\.artifact_not_found|pipelines\.run_not_found|pipelines\.invalid_path)$/);
    }
    const named = JSON.parse((await raw(base, attacks[0]!, { token: ada })).body);
    expect(named.error.details.problems[0].path).toBe('params.job');
  });

  it('finding 10: asking for paved.sqlite every way leaves the database healthy: its WAL intact, a write read back after a restart', async () => {
    const sqliteFile = path.join(paved.dataDir, 'paved.sqlite');
    const ways = [
      `/api/pipelines/runs/${runId}/artifacts/..%2F..%2F..%2F..%2F../paved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/..%2F..%2F..%2F..%2Fpaved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/%2e%2e/%2e%2e/%2e%2e/%2e%2e/paved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/data/paved.sqlite`,
      `/api/pipelines/runs/${runId}/artifacts/main/data/paved.sqlite-wal`,
      `/git/team-a/kept.git/..%2F..%2F..%2Fpaved.sqlite`,
      `/git/team-a/kept.git/%2e%2e/%2e%2e/paved.sqlite`,
      `/git/..%2F/..%2Fpaved.sqlite/info/refs`,
      `/assets/..%2F..%2F..%2Fpaved.sqlite`,
      `/paved.sqlite`,
    ];
    for (const way of ways) {
      const response = await raw(base, way, { token: ada });
      expect(response.status, way).not.toBe(500);
      expect(response.body.includes('SQLite format'), way).toBe(false);
    }
    // Nor can a file location reach it: not by climbing out of a root, not through a link.
    // (On PostgreSQL there is no paved.sqlite: the master key stands for the data dir's files.)
    fs.symlinkSync(dialect === 'sqlite' ? sqliteFile : path.join(paved.dataDir, 'master.key'), path.join(paved.filesDir, 'db-link.yaml'));
    for (const target of [path.join(paved.filesDir, '..', 'paved.sqlite'), path.join(paved.filesDir, 'db-link.yaml'), sqliteFile, path.join(paved.dataDir, 'master.key')]) {
      const registered = await paved.call('POST', '/api/catalog/locations', { token: ada, body: { type: 'file', target } });
      expect(JSON.stringify(registered.body), target).toContain('catalog.location_file_outside_roots');
      expect(JSON.stringify(registered.body), target).not.toContain('SQLite format');
      expect(JSON.stringify(registered.body), target).not.toContain(masterKey);
    }
    if (dialect === 'sqlite') {
      expect(fs.existsSync(`${sqliteFile}-wal`)).toBe(true);
      const mode = await paved.database.db.selectFrom('catalog_state').select('version').executeTakeFirst();
      expect(mode).toBeDefined();
    }
    const written = await paved.call('POST', '/api/catalog/entities', {
      body: 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: after-sqlite-requests }\nspec: { type: service, lifecycle: production, owner: group:default/team-a }\n',
    });
    expect(written.status).toBeLessThan(300);
    expect((await raw(base, '/healthz', { token: null })).status).toBe(200);
    paved = await paved.restart();
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    host = base.replace('http://', '');
    paved.start();
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/after-sqlite-requests')).status).toBe(200);
    expect((await paved.call('GET', '/healthz', { token: null })).body.status).toBe('ok');
  });

  it('validates every path parameter with the shared schemas: 400 naming the parameter; a route that uses anything else does not start', async () => {
    const cases: [string, string][] = [
      ['/api/tasks/..%2F..%2Fx', 'params.id'],
      ['/api/catalog/entities/by-name/component/default/a%2Fb', 'params.name'],
      ['/api/secrets/groups/default/team-a/..%2F..', 'params.secret'],
      ['/api/git/repositories/team-a/..%2Fkept/branches', 'params.name'],
      ['/api/delivery/environments/..%2Fdev', 'params.environment'],
      [`/api/pipelines/runs/${runId}/artifacts/main/a%25%32%65`, 'params.*'],
      ['/api/access/tokens/%00', 'params.id'],
    ];
    for (const [url, param] of cases) {
      const response = await raw(base, url, { method: url.startsWith('/api/access') ? 'DELETE' : 'GET' });
      expect(response.status, url).toBe(400);
      expect(JSON.parse(response.body).error.details.problems.map((problem: { path: string }) => problem.path), url).toContain(param);
    }

    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    app.addHook('onRoute', (route) => checkRouteParams(route));
    expect(() => app.get('/files/:name', { schema: { params: z.object({ name: z.string() }) } }, async () => 'x')).toThrow('path parameter "name" must use idParam, nameParam');
    expect(() => app.get('/files/*', async () => 'x')).toThrow('has path parameters but no params schema');
    expect(() => app.get('/files/:id/*', { schema: { params: z.object({ id: idParam, '*': relativePathParam }) } }, async () => 'x')).not.toThrow();
  });

  it('answers odd git paths and deeply nested bodies with 400, never 500', async () => {
    const gitPaths = [
      '/git/a/../b.git/info/refs',
      '/git/%00/x.git/info/refs',
      '/git/team-a/%00.git/info/refs',
      `/git/team-a/${'a'.repeat(300)}.git/info/refs`,
      `/git/${'n'.repeat(2000)}/x.git/info/refs`,
      '/git/x.git/../../',
      '/git/team-a/kept.git/../../../master.key',
      '/git/team-a/kept.git/info/..%2F..%2Fconfig',
      '/git/team-a/kept.git/%5C..%5Cconfig',
      '/git/team-a/kept/info/refs',
      '/git/%E0%A4%A/x.git/info/refs',
    ];
    for (const gitPath of gitPaths) {
      const response = await raw(base, `${gitPath}?service=git-upload-pack`, { token: ada });
      expect(response.status, gitPath).toBeGreaterThanOrEqual(400);
      expect(response.status, gitPath).toBeLessThan(500);
      expect(leaks(response), gitPath).toBe(false);
    }
    // A clone still works.
    await git(work, 'clone', '--quiet', `http://ada:${ada}@${host}/git/team-a/kept.git`, path.join(work, `again-${Date.now()}`));

    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    for (const [method, url] of [['POST', '/api/catalog/entities'], ['POST', '/api/access/tokens'], ['POST', '/api/catalog/locations'], ['POST', '/api/scaffolder/v2/tasks'], ['PUT', '/api/secrets/groups/default/team-a/DEEP']]) {
      for (const body of [deep, `{"a":${deep}}`, `{"spec":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`]) {
        const response = await raw(base, url!, { method, headers: { 'content-type': 'application/json' }, body });
        expect(response.status, `${url} ${body.slice(0, 12)}`).toBe(400);
        expect(JSON.parse(response.body).error.code).toBe('request.body_too_deep');
      }
    }
  });

  it('sends security headers the portal works under (CSP, frame, nosniff, referrer), also on API answers', async () => {
    for (const url of ['/', '/catalog', '/api/access/me', '/healthz']) {
      const response = await raw(base, url);
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("object-src 'none'");
      expect(csp, url).not.toContain("'unsafe-inline'");
      expect(response.headers['x-frame-options'], url).toBe('DENY');
      expect(response.headers['x-content-type-options'], url).toBe('nosniff');
      expect(response.headers['referrer-policy'], url).toBe('same-origin');
    }
  });

  it('challenges with Basic only on /git; the API asks for Bearer, refuses Basic, and refuses bodies a cross-site form can send (415)', async () => {
    const api = await raw(base, '/api/catalog/entities', { token: null });
    expect(api.status).toBe(401);
    expect(api.headers['www-authenticate']).toBe('Bearer realm="Paved"');
    const gitChallenge = await raw(base, '/git/team-a/kept.git/info/refs?service=git-upload-pack', { token: null });
    expect(gitChallenge.status).toBe(401);
    expect(gitChallenge.headers['www-authenticate']).toBe('Basic realm="Paved"');

    const basic = `Basic ${Buffer.from(`ada:${ada}`).toString('base64')}`;
    const basicApi = await raw(base, '/api/access/me', { token: null, headers: { authorization: basic } });
    expect(basicApi.status).toBe(401);
    expect(JSON.parse(basicApi.body).error.code).toBe('access.basic_refused');
    expect(basicApi.headers['www-authenticate']).toBe('Bearer realm="Paved"');
    expect((await raw(base, '/git/team-a/kept.git/info/refs?service=git-upload-pack', { token: null, headers: { authorization: basic } })).status).toBe(200);

    const descriptor = 'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: { name: cross-site }\nspec: { type: service, lifecycle: production, owner: group:default/team-a }\n';
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await raw(base, '/api/catalog/entities', { method: 'POST', token: ada, headers: { 'content-type': type }, body: descriptor });
      expect(response.status, type).toBe(415);
      expect(JSON.parse(response.body).error.code).toBe('request.unsupported_media_type');
    }
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/cross-site')).status).toBe(404);
    // YAML (not a type a form can send) and JSON still work.
    expect((await raw(base, '/api/catalog/entities', { method: 'POST', token: ada, headers: { 'content-type': 'application/yaml' }, body: descriptor })).status).toBeLessThan(300);
  });

  it("ends a running pipeline's live log when the token reading it is revoked", async () => {
    const reader = (await paved.call('POST', '/api/access/tokens', { body: { name: 'reader', userRef: 'user:default/ada' } })).body;
    await paved.call('POST', '/api/git/repositories', { token: ada, body: { namespace: 'team-a', name: 'slow', ownerRef: 'group:default/team-a' } });
    const clone = path.join(work, 'slow');
    await git(work, 'clone', '--quiet', `http://ada:${ada}@${host}/git/team-a/slow.git`, clone);
    fs.mkdirSync(path.join(clone, '.paved'));
    fs.writeFileSync(path.join(clone, '.paved/pipeline.yaml'), 'apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n  on: { push: {} }\n  steps:\n    - run: echo started; sleep 60\n');
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'slow');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    const [slow] = await until(async () => (await paved.call('GET', '/api/pipelines/repositories/team-a/slow/runs')).body.items as { id: string }[], (items) => items.length > 0, 30_000);

    const { port } = new URL(base);
    const stream = await new Promise<{ text: () => string; ended: Promise<void> }>((resolve, reject) => {
      const request = http.get({ host: '127.0.0.1', port, path: `/api/pipelines/runs/${slow!.id}/events`, headers: { authorization: `Bearer ${reader.token}` } }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        resolve({ text: () => text, ended: new Promise((done) => response.on('end', () => done())) });
      });
      request.on('error', reject);
    });
    await until(async () => stream.text(), (text) => text.includes('started'), 30_000);
    const revokedAt = Date.now();
    expect((await paved.call('DELETE', `/api/access/tokens/${reader.id}`, { token: ada })).status).toBe(200);
    await stream.ended;
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(stream.text()).toContain('access.stream_access_lost');
    expect(stream.text()).not.toContain('event: completion');
    await paved.call('POST', `/api/pipelines/runs/${slow!.id}/cancel`, { token: ada });
  }, 60_000);

  it('refuses URL locations that reach this machine however the address is written (IPv4-compatible and mapped IPv6, 0.0.0.0, hex, decimal), without connecting', async () => {
    let contacted = 0;
    const server = http.createServer((_request, response) => {
      contacted += 1;
      response.end('apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: { name: paved-admins }\nspec: { type: team, children: [], members: [ada] }\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const { port } = server.address() as { port: number };
    try {
      for (const hostName of ['[::127.0.0.1]', '[::7f00:1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '0.0.0.0', '[::]', '0x7f.1', '0x7f000001', '2130706433', '017700000001', '127.1', 'localhost', '[64:ff9b::127.0.0.1]']) {
        const target = `http://${hostName}:${port}/catalog-info.yaml`;
        const response = await paved.call('POST', '/api/catalog/locations', { token: ada, body: { type: 'url', target } });
        expect(response.status, target).toBe(400);
        expect(response.body.error.code, target).toBe('catalog.location_url_refused');
      }
      expect(contacted).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('/healthz says only whether each check is ok; the details are for administrators on /api/health', async () => {
    const open = await raw(base, '/healthz', { token: null });
    expect(JSON.parse(open.body)).toEqual({ status: 'ok', checks: { database: { ok: true }, taskWorker: { ok: true } } });
    expect((await raw(base, '/api/health', { token: ada })).status).toBe(403);
    expect((await raw(base, '/api/health', { token: null })).status).toBe(401);
    expect(JSON.parse((await raw(base, '/api/health')).body).checks.database.ok).toBe(true);
  });
});

describe('failed authentications', () => {
  // A Paved of its own: the throttle counts every failure of this address, and leaves it throttled.
  let paved: TestPaved;
  let base: string;
  let ada: string;
  beforeAll(async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_AUTH_FAILURES_PER_MINUTE: '20' });
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('throttles failed authentications per client address: 429 with retry-after; successful and anonymous requests are not counted', async () => {
    for (let request = 0; request < 30; request++) expect((await raw(base, '/api/access/me', { token: ada })).status).toBe(200);
    for (let request = 0; request < 30; request++) expect((await raw(base, '/api/access/me', { token: null })).status).toBe(401);
    for (let attempt = 0; attempt < 20; attempt++) {
      const failed = await raw(base, '/api/access/me', { token: `pvd_guess-${attempt}` });
      expect(failed.status).toBe(401);
    }
    const throttled = await raw(base, '/api/access/me', { token: 'pvd_guess-21' });
    expect(throttled.status).toBe(429);
    expect(JSON.parse(throttled.body).error.code).toBe('access.too_many_failures');
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60);
    // While throttled, no token of this address is checked (that is what stops guessing), the
    // admin token included; anonymous pages and the health check still answer.
    expect((await raw(base, '/api/access/me')).status).toBe(429);
    // No proxy is trusted: an X-Forwarded-For anyone can write does not make a new client.
    expect((await raw(base, '/api/access/me', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(429);
    expect((await raw(base, '/healthz', { token: null })).status).toBe(200);
    expect((await raw(base, '/api/access/me', { token: null })).status).toBe(401);
  });
});

describe('failed authentications behind a trusted reverse proxy', () => {
  let paved: TestPaved;
  let base: string;
  let ada: string;
  beforeAll(async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_AUTH_FAILURES_PER_MINUTE: '5', PAVED_TRUSTED_PROXIES: '127.0.0.1' });
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('throttles each client by the address the proxy names, so one guessing client does not lock out the others', async () => {
    const guesser = { 'x-forwarded-for': '203.0.113.7' };
    for (let attempt = 0; attempt < 5; attempt++) expect((await raw(base, '/api/access/me', { token: `pvd_guess-${attempt}`, headers: guesser })).status).toBe(401);
    expect((await raw(base, '/api/access/me', { token: 'pvd_guess-6', headers: guesser })).status).toBe(429);
    expect((await raw(base, '/api/access/me', { token: ada, headers: { 'x-forwarded-for': '203.0.113.8' } })).status).toBe(200);
  });
});

describe('catalog file roots', () => {
  it('refuses a configuration whose file root holds the data directory (directly or through a link), naming both', () => {
    const scratch = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paved-roots-')));
    try {
      const dataDir = path.join(scratch, 'project', '.paved');
      fs.mkdirSync(dataDir, { recursive: true });
      fs.symlinkSync(path.join(scratch, 'project'), path.join(scratch, 'linked'));
      for (const root of [path.join(scratch, 'project'), scratch, '/', path.join(scratch, 'linked'), dataDir]) {
        expect(() => loadConfig({ PAVED_DATA_DIR: dataDir, PAVED_CATALOG_FILE_ROOTS: root }, scratch), root).toThrow(ConfigError);
        expect(() => loadConfig({ PAVED_DATA_DIR: dataDir, PAVED_CATALOG_FILE_ROOTS: root }, scratch), root).toThrow(`holds the data directory ${dataDir}`);
      }
      // A root inside the data dir, or beside it, holds none of Paved's files.
      expect(() => loadConfig({ PAVED_DATA_DIR: dataDir, PAVED_CATALOG_FILE_ROOTS: `${path.join(dataDir, 'files')},${path.join(scratch, 'project', 'catalog')}` }, scratch)).not.toThrow();
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe.each(DIALECTS)('a deleted master.key on %s', (dialect) => {
  it('stops the start at once, naming the file and how to restore it, without writing a new key; the restored key starts again', async () => {
    let paved = await startTestPaved(dialect);
    expect((await paved.call('PUT', '/api/secrets/environments/prod/DEPLOY_TOKEN', { body: { value: 'kept-secret-value' } })).status).toBe(200);
    const keyFile = path.join(paved.dataDir, 'master.key');
    const key = fs.readFileSync(keyFile, 'utf8');
    fs.rmSync(keyFile);
    const refused = await paved.restart().catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain(`The master key file ${keyFile} is missing`);
    expect((refused as Error).message).toContain('Restore the file from the backup');
    expect(fs.existsSync(keyFile)).toBe(false);

    fs.writeFileSync(keyFile, key, { mode: 0o600 });
    paved = await paved.restart();
    try {
      expect((await paved.call('GET', '/api/secrets/environments/prod')).body.items.map((item: { name: string }) => item.name)).toEqual(['DEPLOY_TOKEN']);
    } finally {
      await paved.close();
    }
  });
});
