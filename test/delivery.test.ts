import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { viaRouter } from './support/via-router.js';
import { cloneNewRepository, closeWithWorkloads, workloadScore, workloadServer } from './support/workload.js';

const RESOURCE_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';
/** A postgres and a redis resource, and the variables the workload reads them from. */
const STORES = {
  variables: '      DATABASE_URL: ${resources.db.url}\n      CACHE_PREFIX: ${resources.cache.prefix}\n',
  resources: 'resources:\n  db:\n    type: postgres\n  cache:\n    type: redis\n',
};
const score = (version: string, extra: { variables?: string; resources?: string } = STORES) => workloadScore({ version, ...extra });

describe.each(DIALECTS)('delivery on %s', (dialect) => {
  let paved: TestPaved;
  let port: number;
  let ada: string;
  let bob: string;
  let eve: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-delivery-'));
  const commits: string[] = [];
  let repository: Awaited<ReturnType<typeof cloneNewRepository>>;

  async function startPaved(instance: TestPaved) {
    paved = instance;
    port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
  }

  async function push(files: Record<string, string>) {
    commits.push(await repository.push(files));
    return commits.at(-1)!;
  }

  const deployment = (id: string) => paved.call('GET', `/api/delivery/deployments/${id}`).then((response) => response.body);
  const finished = (id: string) => until(() => deployment(id), (body) => ['succeeded', 'failed', 'rejected'].includes(body.status), 60_000);
  const deploy = (environment: string, ref?: string, token = ada) => paved.call('POST', '/api/delivery/deployments', { token, body: { repository: 'team-a/shop', environment, ...(ref ? { ref } : {}) } });

  beforeAll(async () => {
    await startPaved(
      await startTestPaved(dialect, {}, {
        PAVED_DELIVERY_POSTGRES_URL: RESOURCE_POSTGRES,
        PAVED_DELIVERY_REDIS_URL: 'redis://127.0.0.1:6379',
        PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '5',
        PAVED_DELIVERY_RESTART_BACKOFF_MS: '20',
      }),
    );
    // bob is ada's teammate: the second owner an approval needs.
    await paved.call('POST', '/api/catalog/entities', { body: `${TEAM_A_PEOPLE}---\napiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: { name: bob }\nspec: { memberOf: [team-a] }\n` });
    const token = async (user: string) => (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: `user:default/${user}` } })).body.token as string;
    [ada, bob, eve] = [await token('ada'), await token('bob'), await token('eve')];
    repository = await cloneNewRepository(paved, { token: ada, host: `127.0.0.1:${port}`, work });
    await push({ 'server.js': workloadServer(), 'score.yaml': score('1') });
  }, 120_000);

  afterAll(() => closeWithWorkloads(paved, work));

  it('has the configured environments, in promotion order, with their rules', async () => {
    const { body } = await paved.call('GET', '/api/delivery/environments');
    expect(body.items.map((environment: { name: string; promotesTo: string | null; requiresApproval: boolean }) => [environment.name, environment.promotesTo, environment.requiresApproval])).toEqual([
      ['dev', 'staging', false],
      ['staging', 'prod', false],
      ['prod', null, true],
    ]);
  });

  it('deploys a workload with a postgres and a redis resource and serves it through the router', async () => {
    const created = await deploy('dev');
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ workload: 'shop', environment: 'dev', number: 1, repository: 'team-a/shop', commit: commits[0], reason: 'deploy', createdBy: 'user:default/ada' });
    const done = await finished(created.body.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.timeToReadyMs).toBeGreaterThan(0);
    expect(done.resources.db).toMatchObject({ type: 'postgres', provisioner: 'postgres', outputs: { password: '[secret]', url: '[secret]', host: '127.0.0.1' } });
    expect(done.resources.cache.outputs.password).toBe('[secret]');

    const answer = await viaRouter(port, 'shop.dev.localhost');
    expect(answer.status).toBe(200);
    // The workload got its resources, and none of Paved's own environment.
    expect(JSON.parse(answer.body)).toEqual({ version: '1', database: true, prefix: expect.stringMatching(/^dev_shop_cache_[0-9a-f]{8}:$/), region: null, token: null });
    expect((await viaRouter(port, 'nothing.dev.localhost')).status).toBe(404);

    // The database really exists, owned by its own role.
    const username = (await paved.call('GET', '/api/delivery/environments/dev')).body.resources.find((resource: { type: string }) => resource.type === 'postgres').outputs.username;
    const client = new pg.Client({ connectionString: RESOURCE_POSTGRES });
    await client.connect();
    const owner = await client.query('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [username]);
    await client.end();
    expect(owner.rows).toEqual([{ owner: username }]);

    // What the workload prints is readable by anyone signed in: its password is masked there.
    const output = (await paved.call('GET', '/api/delivery/environments/dev/workloads/shop/logs', { token: eve })).body.items.map((line: { text: string }) => line.text);
    expect(output).toContain('database: ***');
    expect(output.join('\n')).not.toMatch(/postgres:\/\//);

    const environment = (await paved.call('GET', '/api/delivery/environments/dev')).body;
    expect(environment.workloads).toEqual([expect.objectContaining({ workload: 'shop', instance: expect.objectContaining({ health: 'ready' }), timeToProvisionMs: expect.any(Number) })]);
    expect(JSON.stringify(environment)).not.toMatch(/postgres:\/\/[^"]*:[^"@]+@/);
    const logs = (await paved.call('GET', `/api/delivery/deployments/${done.id}/logs`)).body.items.map((line: { message: string }) => line.message).join('\n');
    expect(logs).toMatch(/resource db: ready in \d+ ms/);
    expect(logs).toContain('shop.dev.localhost now route to it');
  });

  it('keeps every request answered while a new version takes over', async () => {
    const commit = await push({ 'score.yaml': score('2') });
    let stop = false;
    const outcomes: number[] = [];
    const versions = new Set<string>();
    const load = (async () => {
      while (!stop) {
        const answers = await Promise.all(Array.from({ length: 4 }, () => viaRouter(port, 'shop.dev.localhost').catch(() => ({ status: 0, body: '' }))));
        for (const answer of answers) {
          outcomes.push(answer.status);
          if (answer.status === 200) versions.add(JSON.parse(answer.body).version);
        }
      }
    })();
    const created = await deploy('dev');
    const done = await finished(created.body.id);
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    await load;
    expect(done).toMatchObject({ status: 'succeeded', commit, number: 2, commits: [expect.objectContaining({ sha: commit })] });
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((status) => status !== 200)).toEqual([]);
    expect([...versions].sort()).toEqual(['1', '2']);
  });

  it('rolls back by itself when the new version never gets ready, and the previous one keeps serving', async () => {
    await push({ 'server.js': workloadServer({ healthy: false }), 'score.yaml': score('3') });
    const done = await finished((await deploy('dev')).body.id);
    expect(done).toMatchObject({ status: 'failed', rolledBack: true });
    expect(done.error).toContain('the new instance did not become ready');
    expect(done.error).toContain('answered 500');
    expect(JSON.parse((await viaRouter(port, 'shop.dev.localhost')).body).version).toBe('2');
    const events = (await paved.call('GET', '/api/delivery/events')).body.items.map((event: { type: string; deploymentId: string }) => [event.type, event.deploymentId]);
    expect(events).toContainEqual(['deployment.rolled_back', done.id]);
  });

  it('fails a version that crashes at start, with its last output', async () => {
    await push({ 'server.js': 'console.error("cannot start: missing config"); process.exit(2);' });
    const done = await finished((await deploy('dev')).body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('exited with code 2');
    expect(done.error).toContain('cannot start: missing config');
    expect(JSON.parse((await viaRouter(port, 'shop.dev.localhost')).body).version).toBe('2');
  });

  it('rolls back on request to an earlier deployment', async () => {
    const first = (await paved.call('GET', '/api/delivery/deployments?environment=dev&status=succeeded')).body.items.at(-1);
    const rollback = await paved.call('POST', '/api/delivery/rollback', { token: ada, body: { environment: 'dev', workload: 'shop', to: first.id } });
    expect(rollback.status).toBe(201);
    const done = await finished(rollback.body.id);
    expect(done).toMatchObject({ status: 'succeeded', reason: 'rollback', sourceDeploymentId: first.id, commit: commits[0] });
    expect(JSON.parse((await viaRouter(port, 'shop.dev.localhost')).body).version).toBe('1');
  });

  it('promotes the same revision to staging, and to prod only with another owner’s approval', async () => {
    const current = (await paved.call('GET', '/api/delivery/workloads?environment=dev')).body.items[0].deployment;
    const promoted = await paved.call('POST', `/api/delivery/deployments/${current.id}/promote`, { token: ada, body: {} });
    expect(promoted.status).toBe(201);
    const staging = await finished(promoted.body.id);
    expect(staging).toMatchObject({ environment: 'staging', commit: current.commit, reason: 'promote', status: 'succeeded' });
    expect(JSON.parse((await viaRouter(port, 'shop.staging.localhost')).body).version).toBe('1');

    const toProd = await paved.call('POST', `/api/delivery/deployments/${staging.id}/promote`, { token: ada, body: {} });
    expect(toProd.body).toMatchObject({ environment: 'prod', status: 'awaiting_approval' });
    expect((await paved.call('POST', `/api/delivery/deployments/${toProd.body.id}/approve`, { token: ada })).body.error.code).toBe('delivery.self_approval');
    expect((await paved.call('POST', `/api/delivery/deployments/${toProd.body.id}/approve`, { token: eve })).status).toBe(403);
    const approved = await paved.call('POST', `/api/delivery/deployments/${toProd.body.id}/approve`, { token: bob });
    expect(approved.body).toMatchObject({ status: 'queued', approvedBy: 'user:default/bob' });
    expect(await finished(toProd.body.id)).toMatchObject({ status: 'succeeded', environment: 'prod' });
  });

  it('refuses deploys from people who do not own the workload', async () => {
    const response = await deploy('dev', undefined, eve);
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('group:default/team-a');
  });

  it('refuses an invalid score.yaml before anything runs, naming the field and line', async () => {
    await push({ 'score.yaml': 'apiVersion: score.dev/v1b1\nmetadata:\n  name: shop\ncontainers:\n  web:\n    image: .\n    comand: [node]\n' });
    const response = await deploy('dev');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('delivery.invalid_score');
    expect(response.body.error.details.problems).toContainEqual(expect.objectContaining({ path: 'containers.web.comand', line: 7 }));
    const checked = await paved.call('POST', '/api/delivery/score/validate', { body: 'apiVersion: score.dev/v1b1\nmetadata: {name: x}\n' });
    expect(checked.body.valid).toBe(false);
    expect(checked.body.problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'metadata.name', line: 2 }), expect.objectContaining({ path: 'containers', message: 'containers is required' })]));
  });

  it('fails clearly on a resource type no provisioner serves, and on an image the local runtime cannot run', async () => {
    await push({ 'server.js': workloadServer(), 'score.yaml': score('5', { resources: 'resources:\n  queue:\n    type: kafka-topic\n' }) });
    const unknown = await finished((await deploy('dev')).body.id);
    expect(unknown.status).toBe('failed');
    expect(unknown.error).toContain('resources.queue: no provisioner serves type "kafka-topic"');

    await push({ 'score.yaml': score('5', {}).replace('image: .', 'image: nginx:1.27') });
    const image = await finished((await deploy('dev')).body.id);
    expect(image.error).toContain('containers.web.image: the local runtime runs this repository');
    expect(JSON.parse((await viaRouter(port, 'shop.dev.localhost')).body).version).toBe('1');
  });

  it('shows a workload that keeps crashing as crash-looping, with its output', async () => {
    await paved.call('POST', '/api/delivery/environments', { token: ada, body: { name: 'crashy', type: 'development' } });
    await push({ 'server.js': workloadServer({ crashAfterMs: 400 }), 'score.yaml': score('6', {}) });
    expect((await finished((await deploy('crashy')).body.id)).status).toBe('succeeded');
    const workload = await until(
      async () => (await paved.call('GET', '/api/delivery/workloads?environment=crashy')).body.items[0],
      (item) => item.instance.health === 'crash-loop',
      20_000,
    );
    expect(workload.instance.containers[0]).toMatchObject({ name: 'web', lastExit: 'exited with code 3', health: 'crash-loop' });
    expect(workload.instance.containers[0].restarts).toBeGreaterThanOrEqual(5);
    const logs = (await paved.call('GET', '/api/delivery/environments/crashy/workloads/shop/logs')).body.items.map((line: { text: string }) => line.text);
    expect(logs.some((text: string) => text.includes('exited with code 3; restarting'))).toBe(true);
  });

  it('shares a resource with an id between the workloads of an environment', async () => {
    await paved.call('POST', '/api/delivery/environments', { token: ada, body: { name: 'shared', type: 'development' } });
    const sharedDatabase = { variables: '      DATABASE_URL: ${resources.db.url}\n', resources: 'resources:\n  db:\n    type: postgres\n    id: orders-db\n' };
    await push({ 'server.js': workloadServer(), 'score.yaml': score('8', sharedDatabase) });
    const worker = await cloneNewRepository(paved, { token: ada, host: `127.0.0.1:${port}`, work, name: 'worker' });
    await worker.push({ 'server.js': workloadServer(), 'score.yaml': workloadScore({ version: '1', name: 'worker', ...sharedDatabase }) });
    const shop = await finished((await deploy('shared')).body.id);
    const other = await finished((await paved.call('POST', '/api/delivery/deployments', { token: ada, body: { repository: 'team-a/worker', environment: 'shared' } })).body.id);
    expect([shop.status, other.status]).toEqual(['succeeded', 'succeeded']);
    expect(shop.resources.db.key).toBe('shared.group:default/team-a.postgres.default.orders-db');
    expect(other.resources.db).toMatchObject({ key: shop.resources.db.key, outputs: shop.resources.db.outputs });
    const resources = (await paved.call('GET', '/api/delivery/environments/shared')).body.resources;
    expect(resources).toHaveLength(1);
    expect(JSON.parse((await viaRouter(port, 'worker.shared.localhost')).body).database).toBe(true);
  });

  it('takes a workload out of an environment, with its own resources', async () => {
    const username = (await paved.call('GET', '/api/delivery/environments/staging')).body.resources.find((resource: { type: string }) => resource.type === 'postgres').outputs.username;
    expect((await paved.call('DELETE', '/api/delivery/environments/staging/workloads/shop', { token: eve })).status).toBe(403);
    const removal = await paved.call('DELETE', '/api/delivery/environments/staging/workloads/shop', { token: ada });
    expect(removal.status).toBe(202);
    const task = await until(async () => (await paved.call('GET', `/api/tasks/${removal.body.taskId}`, { token: ada })).body, (body) => ['succeeded', 'failed'].includes(body.status), 30_000);
    expect(task.status).toBe('succeeded');
    expect((await viaRouter(port, 'shop.staging.localhost')).status).toBe(404);
    expect((await paved.call('GET', '/api/delivery/workloads?environment=staging')).body.items).toEqual([]);
    expect((await paved.call('GET', '/api/delivery/environments/staging')).body.resources).toEqual([]);
    const client = new pg.Client({ connectionString: RESOURCE_POSTGRES });
    await client.connect();
    const left = await client.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [username]);
    await client.end();
    expect(left.rows).toEqual([]);
    // The history stays.
    expect((await paved.call('GET', '/api/delivery/deployments?environment=staging')).body.items.length).toBeGreaterThan(0);
  });

  it('removes an environment with what it provisioned', async () => {
    await paved.call('POST', '/api/delivery/environments', { token: bob, body: { name: 'qa-bob', type: 'development' } });
    await push({ 'server.js': workloadServer(), 'score.yaml': score('7') });
    expect((await finished((await deploy('qa-bob', undefined, bob)).body.id)).status).toBe('succeeded');
    const username = (await paved.call('GET', '/api/delivery/environments/qa-bob')).body.resources.find((resource: { type: string }) => resource.type === 'postgres').outputs.username;
    expect((await paved.call('DELETE', '/api/delivery/environments/qa-bob', { token: ada })).status).toBe(403);
    const removal = await paved.call('DELETE', '/api/delivery/environments/qa-bob', { token: bob });
    expect(removal.status).toBe(202);
    await until(() => paved.call('GET', '/api/delivery/environments/qa-bob'), (response) => response.status === 404, 30_000);
    expect((await viaRouter(port, 'shop.qa-bob.localhost')).status).toBe(404);
    const client = new pg.Client({ connectionString: RESOURCE_POSTGRES });
    await client.connect();
    const left = await client.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [username]);
    await client.end();
    expect(left.rows).toEqual([]);
  });

  it('brings workloads back after Paved restarts', async () => {
    await startPaved(await paved.restart());
    const answer = await until(
      () => viaRouter(port, 'shop.dev.localhost').catch(() => ({ status: 0, body: '' })),
      (response) => response.status === 200,
      30_000,
    );
    expect(JSON.parse(answer.body).version).toBe('1');
  });
});
