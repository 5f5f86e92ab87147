// Issue 10, delivery: who a workload, its host, its resources and its approvals belong to comes
// from Paved's records (the repository's owner in git, who pushed), never from what a score.yaml
// says. bruno and ada are checkout-team, chen is catalog-team; each attack goes through the HTTP
// API, git pushes, real pipelines and real workloads.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostRouter, isPavedsHost } from '../src/delivery/index.js';
import { TWO_TEAMS_PEOPLE } from './support/people.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { viaRouter } from './support/via-router.js';
import { closeWithWorkloads, git, workloadScore } from './support/workload.js';


const PAVED_HOST = 'paved.example.test';

/**
 * A service that says who it is and prints the Authorization header of every request it gets,
 * as a workload out to collect tokens would.
 */
const SERVER = `
const http = require('node:http');
http.createServer((request, response) => {
  if (request.url === '/healthz') { response.writeHead(200); return response.end('ok'); }
  console.log('request for ' + request.headers.host + ' with authorization: ' + (request.headers.authorization ?? 'none'));
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ version: process.env.VERSION, database: process.env.DATABASE_URL?.startsWith('postgres://') ?? false, prefix: process.env.CACHE_PREFIX ?? null }));
}).listen(Number(process.env.PORT));
`;

/** A database of its own, and a cache shared by id between the workloads of one owner. */
const RESOURCES = {
  variables: '      DATABASE_URL: ${resources.db.url}\n      CACHE_PREFIX: ${resources.cache.prefix}\n',
  resources: 'resources:\n  db:\n    type: postgres\n  cache:\n    type: redis\n    id: team-cache\n',
};
const routeTo = (host: string) => ({ resources: `resources:\n  edge:\n    type: route\n    params:\n      host: "${host}"\n` });

describe.each(DIALECTS)('delivery identity from Paved records on %s', (dialect) => {
  let paved: TestPaved;
  let port: number;
  const tokens: Record<'ada' | 'bruno' | 'chen', string> = { ada: '', bruno: '', chen: '' };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-security-delivery-'));
  let cart: Awaited<ReturnType<typeof newRepository>>;
  let lab: Awaited<ReturnType<typeof newRepository>>;

  /** A repository of Paved's git created by `user` for `owner`, cloned with `user`'s token. */
  async function newRepository(user: keyof typeof tokens, repository: string, owner: string) {
    const [namespace, name] = repository.split('/') as [string, string];
    const created = await paved.call('POST', '/api/git/repositories', { token: tokens[user], body: { namespace, name, ownerRef: owner } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const clone = path.join(work, `${user}-${namespace}-${name}`);
    await git(work, 'clone', '--quiet', `http://${user}:${tokens[user]}@127.0.0.1:${port}/git/${repository}.git`, clone);
    return {
      /** Commits `files` (path → text, or null to delete it) and pushes; returns the commit. */
      async push(files: Record<string, string | null>): Promise<string> {
        for (const [file, text] of Object.entries(files)) {
          fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
          if (text === null) fs.rmSync(path.join(clone, file), { force: true });
          else fs.writeFileSync(path.join(clone, file), text);
        }
        await git(clone, 'add', '--all');
        await git(clone, 'commit', '--quiet', '--allow-empty', '-m', `change ${Date.now()}`);
        await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
        return (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
      },
    };
  }

  const deploy = (user: keyof typeof tokens, repository: string, environment: string) => paved.call('POST', '/api/delivery/deployments', { token: tokens[user], body: { repository, environment } });
  const finished = (id: string) =>
    until(
      async () => (await paved.call('GET', `/api/delivery/deployments/${id}`)).body,
      (body) => ['succeeded', 'failed', 'rejected'].includes(body.status),
      60_000,
    );
  const serving = async (host: string) => JSON.parse((await viaRouter(port, host)).body) as { version: string; database: boolean; prefix: string };
  const resourcesOf = async (environment: string) => (await paved.call('GET', `/api/delivery/environments/${environment}`)).body.resources as { key: string; workload: string; outputs: Record<string, unknown> }[];
  const taskDone = (id: string) => until(async () => (await paved.call('GET', `/api/tasks/${id}`)).body, (body) => ['succeeded', 'failed', 'cancelled'].includes(body.status), 30_000);

  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, {
      PAVED_BASE_URL: `http://${PAVED_HOST}:7007`,
      PAVED_DELIVERY_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      PAVED_DELIVERY_REDIS_URL: 'redis://127.0.0.1:6379',
      PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '10',
    });
    port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
    expect((await paved.call('POST', '/api/catalog/entities', { body: TWO_TEAMS_PEOPLE })).status).toBeLessThan(300);
    for (const user of ['ada', 'bruno', 'chen'] as const) {
      tokens[user] = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: `user:default/${user}` } })).body.token;
    }
    cart = await newRepository('bruno', 'checkout/cart-service', 'group:default/checkout-team');
    lab = await newRepository('chen', 'chen-lab/x', 'group:default/catalog-team');
  }, 120_000);

  afterAll(() => closeWithWorkloads(paved, work), 120_000);

  it("refuses another repository's deployment under a workload's name: the owner's service, host and credentials stay (finding 6)", async () => {
    await cart.push({ 'server.js': SERVER, 'score.yaml': workloadScore({ version: 'bruno-1', name: 'cart', ...RESOURCES }) });
    const first = await finished((await deploy('bruno', 'checkout/cart-service', 'dev')).body.id);
    expect(first.status, first.error).toBe('succeeded');
    expect(await serving('cart.dev.localhost')).toMatchObject({ version: 'bruno-1', database: true });
    const before = await resourcesOf('dev');

    // chen's own repository, whose score says it is cart, with the same shared cache id.
    await lab.push({ 'server.js': SERVER, 'score.yaml': workloadScore({ version: 'chen-1', name: 'cart', ...RESOURCES }) });
    for (const environment of ['dev', 'staging']) {
      const refused = await deploy('chen', 'chen-lab/x', environment);
      expect(refused.status, environment).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'delivery.workload_name_taken', details: { path: 'metadata.name', owner: 'checkout/cart-service' } });
      expect(refused.body.error.message).toContain('checkout/cart-service');
      expect(refused.body.error.details.hint).toContain('Rename metadata.name');
    }

    // The same through a real push: the pipeline's deploy step is refused, and says why.
    const pushed = await lab.push({ '.paved/pipeline.yaml': 'apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n  on: { push: {} }\n  steps:\n    - name: deploy\n      deploy: { environment: dev }\n' });
    const run = await until(
      async () => ((await paved.call('GET', '/api/pipelines/repositories/chen-lab/x/runs', { token: tokens.chen })).body.items ?? []) as { id: string; commit: string; status: string }[],
      (items) => items.some((item) => item.commit === pushed && ['succeeded', 'failed'].includes(item.status)),
      90_000,
    ).then((items) => items.find((item) => item.commit === pushed)!);
    const runLog = ((await paved.call('GET', `/api/pipelines/runs/${run.id}/logs`, { token: tokens.chen })).body.items as { message: string }[]).map((line) => line.message).join('\n');
    expect(run.status, runLog).toBe('failed');
    expect(runLog).toContain('belongs to checkout/cart-service');

    // bruno's service answers as it did, with the same database and cache, and nothing of chen's exists.
    expect(await serving('cart.dev.localhost')).toMatchObject({ version: 'bruno-1' });
    expect(await resourcesOf('dev')).toEqual(before);
    const deployments = (await paved.call('GET', '/api/delivery/deployments?workload=cart')).body.items as { repository: string }[];
    expect(new Set(deployments.map((deployment) => deployment.repository))).toEqual(new Set(['checkout/cart-service']));

    // Under a name of its own, chen's workload naming bruno's shared cache id gets a cache of its own.
    await lab.push({ 'score.yaml': workloadScore({ version: 'chen-2', name: 'lab', ...RESOURCES }), '.paved/pipeline.yaml': null });
    const ownResponse = await deploy('chen', 'chen-lab/x', 'dev');
    expect(ownResponse.status, JSON.stringify(ownResponse.body)).toBe(201);
    const own = await finished(ownResponse.body.id);
    expect(own.status, own.error).toBe('succeeded');
    expect(own.resources.cache.key).toBe('shared.group:default/catalog-team.redis.default.team-cache');
    expect(first.resources.cache.key).toBe('shared.group:default/checkout-team.redis.default.team-cache');
    expect(own.resources.cache.outputs.prefix).not.toBe(first.resources.cache.outputs.prefix);
    expect((await serving('lab.dev.localhost')).prefix).not.toBe((await serving('cart.dev.localhost')).prefix);
  }, 120_000);

  it("lets only the owning repository's owners remove a workload (finding 6)", async () => {
    const denied = await paved.call('DELETE', '/api/delivery/environments/dev/workloads/cart', { token: tokens.chen });
    expect(denied.status).toBe(403);
    expect(await serving('cart.dev.localhost')).toMatchObject({ version: 'bruno-1' });
    const removal = await paved.call('DELETE', '/api/delivery/environments/dev/workloads/cart', { token: tokens.bruno });
    expect(removal.status).toBe(202);
    expect((await taskDone(removal.body.taskId)).status).toBe('succeeded');
    expect((await viaRouter(port, 'cart.dev.localhost')).status).toBe(404);
  }, 120_000);

  it("refuses routes to Paved's own host, an address, or another workload's host; Paved still gets its requests (finding 3)", async () => {
    for (const host of ['localhost', '127.0.0.1', PAVED_HOST, 'lab.dev.localhost', 'api.lab.dev.localhost', 'cart.dev.localhost.evil.test', '[::1]']) {
      await cart.push({ 'score.yaml': workloadScore({ version: 'bruno-2', name: 'cart', ...routeTo(host) }) });
      const refused = await deploy('bruno', 'checkout/cart-service', 'dev');
      expect(refused.status, host).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'delivery.route_host_not_allowed', details: { path: 'resources.edge.params.host' } });
      expect(refused.body.error.message).toContain('resources.edge.params.host');
    }

    // A name under its own is the workload's.
    await cart.push({ 'score.yaml': workloadScore({ version: 'bruno-3', name: 'cart', ...routeTo('api.cart.dev.localhost') }) });
    const routed = await finished((await deploy('bruno', 'checkout/cart-service', 'dev')).body.id);
    expect(routed.status, routed.error).toBe('succeeded');
    expect(await serving('api.cart.dev.localhost')).toMatchObject({ version: 'bruno-3' });

    // Requests to Paved, under every name it has, reach its API; the workload never sees them.
    const asking = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.get({ host: '127.0.0.1', port, path: '/api/delivery/environments', headers: { host, authorization: `Bearer ${tokens.ada}` }, agent: false }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
      });
    for (const host of ['localhost', `localhost:${port}`, `127.0.0.1:${port}`, `${PAVED_HOST}:7007`, `[::1]:${port}`]) {
      const answer = await asking(host);
      expect(answer.status, host).toBe(200);
      expect(JSON.parse(answer.body).items.map((environment: { name: string }) => environment.name)).toContain('dev');
    }
    await new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/probe', headers: { host: 'api.cart.dev.localhost', authorization: 'Bearer probe-for-the-log' }, agent: false }, (response) => response.resume().on('end', resolve)).on('error', reject);
    });
    const output = await until(
      async () => ((await paved.call('GET', '/api/delivery/environments/dev/workloads/cart/logs')).body.items as { text: string }[]).map((line) => line.text).join('\n'),
      (text) => text.includes('probe-for-the-log'),
      10_000,
    );
    expect(output).not.toContain(tokens.ada);
  }, 120_000);

  it("never routes Paved's own names to a workload, even with a backend set for them (finding 3)", async () => {
    const workload = http.createServer((_request, response) => response.end('workload'));
    await new Promise<void>((resolve) => workload.listen(0, '127.0.0.1', resolve));
    const router = new HostRouter((host) => isPavedsHost(host, ['localhost', PAVED_HOST], undefined));
    const front = http.createServer((request, response) => {
      if (!router.handle(request, response)) response.end('paved');
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const backend = { port: (workload.address() as AddressInfo).port, inFlight: 0 };
    const hosts = ['localhost', PAVED_HOST, '127.0.0.1', '[::1]', 'example.com', 'cart.dev.localhost'];
    for (const host of hosts) router.set(host, backend);
    const frontPort = (front.address() as AddressInfo).port;
    const answers = await Promise.all(hosts.map(async (host) => [host, (await viaRouter(frontPort, host)).body]));
    expect(Object.fromEntries(answers)).toEqual({ localhost: 'paved', [PAVED_HOST]: 'paved', '127.0.0.1': 'paved', '[::1]': 'paved', 'example.com': 'paved', 'cart.dev.localhost': 'workload' });
    router.close();
    await Promise.all([new Promise((resolve) => front.close(resolve)), new Promise((resolve) => workload.close(resolve))]);
  }, 120_000);

  it("refuses an environment made in the place of a branch's preview", async () => {
    const refused = await paved.call('POST', '/api/delivery/environments', { token: tokens.chen, body: { name: 'pr-main-0a1b2', type: 'development' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'delivery.invalid_environment_name', details: { path: 'name' } });
  });

  it('refuses the approval of a pipeline-made prod deployment by the developer who pushed it; a teammate approves', async () => {
    const pushed = await cart.push({
      'score.yaml': workloadScore({ version: 'bruno-prod', name: 'cart' }),
      '.paved/pipeline.yaml': 'apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n  on: { push: {} }\n  steps:\n    - name: deploy\n      deploy: { environment: prod }\n',
    });
    const run = await until(
      async () => ((await paved.call('GET', '/api/pipelines/repositories/checkout/cart-service/runs', { token: tokens.bruno })).body.items ?? []) as { id: string; commit: string; status: string; createdBy: string }[],
      (items) => items.some((item) => item.commit === pushed && ['succeeded', 'failed'].includes(item.status)),
      90_000,
    ).then((items) => items.find((item) => item.commit === pushed)!);
    const runLog = ((await paved.call('GET', `/api/pipelines/runs/${run.id}/logs`, { token: tokens.bruno })).body.items as { message: string }[]).map((line) => line.message).join('\n');
    expect(run.status, runLog).toBe('succeeded');
    expect(run.createdBy).toBe('user:default/bruno');
    const [waiting] = (await paved.call('GET', '/api/delivery/deployments?environment=prod&status=awaiting_approval')).body.items;
    expect(waiting).toMatchObject({ workload: 'cart', commit: pushed, requestedBy: 'user:default/bruno', createdBy: expect.stringMatching(/^pipeline:checkout\/cart-service#\d+$/) });

    const self = await paved.call('POST', `/api/delivery/deployments/${waiting.id}/approve`, { token: tokens.bruno });
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('delivery.self_approval');
    expect((await paved.call('POST', `/api/delivery/deployments/${waiting.id}/approve`, { token: tokens.chen })).status).toBe(403);
    const approved = await paved.call('POST', `/api/delivery/deployments/${waiting.id}/approve`, { token: tokens.ada });
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({ status: expect.stringMatching(/^(queued|deploying)$/), approvedBy: 'user:default/ada', requestedBy: 'user:default/bruno' });
    const done = await finished(waiting.id);
    expect(done.status, done.error).toBe('succeeded');
    expect((await serving('cart.prod.localhost')).version).toBe('bruno-prod');
  }, 120_000);

  it('gives a repository made again under a deleted one\'s name none of its workloads (finding 6)', async () => {
    expect((await paved.call('DELETE', '/api/git/repositories/checkout/cart-service', { token: tokens.bruno })).status).toBe(204);
    const again = await newRepository('chen', 'checkout/cart-service', 'group:default/catalog-team');
    await again.push({ 'server.js': SERVER, 'score.yaml': workloadScore({ version: 'chen-again', name: 'cart' }) });
    const refused = await deploy('chen', 'checkout/cart-service', 'prod');
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.error.code).toBe('delivery.workload_name_taken');
    expect(refused.body.error.message).toContain('an earlier repository called checkout/cart-service');
    expect((await paved.call('DELETE', '/api/delivery/environments/prod/workloads/cart', { token: tokens.chen })).status).toBe(403);
    expect((await serving('cart.prod.localhost')).version).toBe('bruno-prod');
    // Its owners are gone with it: an administrator frees the name.
    const removal = await paved.call('DELETE', '/api/delivery/environments/prod/workloads/cart');
    expect(removal.status).toBe(202);
    expect((await taskDone(removal.body.taskId)).status).toBe('succeeded');
  }, 120_000);
});

describe.each(DIALECTS)('delivery identity for what was deployed before it, on %s', (dialect) => {
  let paved: TestPaved;
  const tokens: Record<'bruno' | 'chen', string> = { bruno: '', chen: '' };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-security-delivery-legacy-'));

  afterAll(async () => {
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('gives a name hijacked before the upgrade back to the repository that deployed it first; its owners remove it, the hijacker cannot (migration, finding 6)', async () => {
    paved = await startTestPaved(dialect);
    const port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    await paved.call('POST', '/api/catalog/entities', { body: TWO_TEAMS_PEOPLE });
    for (const user of ['bruno', 'chen'] as const) tokens[user] = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: `user:default/${user}` } })).body.token;
    await paved.call('POST', '/api/git/repositories', { token: tokens.bruno, body: { namespace: 'checkout', name: 'cart-service', ownerRef: 'group:default/checkout-team' } });
    await paved.call('POST', '/api/git/repositories', { token: tokens.chen, body: { namespace: 'chen-lab', name: 'x', ownerRef: 'group:default/catalog-team' } });
    const clone = path.join(work, 'x');
    await git(work, 'clone', '--quiet', `http://chen:${tokens.chen}@127.0.0.1:${port}/git/chen-lab/x.git`, clone);
    fs.writeFileSync(path.join(clone, 'score.yaml'), workloadScore({ version: 'chen', name: 'cart' }));
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'cart, says chen');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');

    // The database as it was before the migration: bruno deployed cart, then chen's namesake replaced it.
    const { db } = paved.database;
    await sql`DELETE FROM paved_migrations WHERE name IN ('2026-12-04-delivery-identity', '2026-12-04-delivery-identity-incarnation')`.execute(db);
    await sql`DROP TABLE delivery_workload_names`.execute(db);
    await sql`ALTER TABLE delivery_deployments DROP COLUMN requested_by`.execute(db);
    const row = (id: string, number: number, repository: string, by: string) =>
      sql`INSERT INTO delivery_deployments (id, number, workload, environment, repository, "commit", score_yaml, reason, commits, status, rolled_back, created_by, created_at)
          VALUES (${id}, ${number}, 'cart', 'dev', ${repository}, ${'0'.repeat(40)}, ${workloadScore({ version: id, name: 'cart' })}, 'deploy', '[]', 'succeeded', 0, ${by}, ${`2026-11-0${number}T00:00:00.000Z`})`.execute(db);
    await row('legacy-bruno', 1, 'checkout/cart-service', 'user:default/bruno');
    await row('legacy-chen', 2, 'chen-lab/x', 'user:default/chen');
    await sql`INSERT INTO delivery_workloads (environment, workload, deployment_id, updated_at) VALUES ('dev', 'cart', 'legacy-chen', '2026-11-02T00:00:00.000Z')`.execute(db);
    paved = await paved.restart();

    const deployments = (await paved.call('GET', '/api/delivery/deployments?workload=cart')).body.items as { id: string; requestedBy: string }[];
    expect(Object.fromEntries(deployments.map((deployment) => [deployment.id, deployment.requestedBy]))).toEqual({ 'legacy-bruno': 'user:default/bruno', 'legacy-chen': 'user:default/chen' });
    const refused = await paved.call('POST', '/api/delivery/deployments', { token: tokens.chen, body: { repository: 'chen-lab/x', environment: 'dev' } });
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'delivery.workload_name_taken', details: { owner: 'checkout/cart-service' } });
    // chen's deployment is what serves, yet the name is bruno's repository's: only its owners remove it.
    expect((await paved.call('DELETE', '/api/delivery/environments/dev/workloads/cart', { token: tokens.chen })).status).toBe(403);
    const removal = await paved.call('DELETE', '/api/delivery/environments/dev/workloads/cart', { token: tokens.bruno });
    expect(removal.status, JSON.stringify(removal.body)).toBe(202);
  }, 60_000);
});
