// Delivery beyond the happy path: previews per branch, platform provisioner files, the
// kubernetes runtime's GitOps output, and the faults the issue names (a provisioner failing
// halfway, a port clash, a Paved restart in the middle of a deploy).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createPaved } from '../src/paved.js';
import { TEAM_A_PEOPLE } from './support/people.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { viaRouter } from './support/via-router.js';
import { cloneNewRepository, git, removeEverything, workloadScore, workloadServer } from './support/workload.js';

/** A resource of the platform team's own type, and the variable the workload reads it from. */
const REGION_SETTINGS = { variables: '      REGION: ${resources.settings.REGION}\n', resources: 'resources:\n  settings:\n    type: environment\n' };

const platformProvisioners = `apiVersion: paved.dev/v1
kind: Provisioner
metadata:
  name: region-settings
  description: Settings of the region an environment runs in.
spec:
  type: environment
  params:
    region: eu-west-1
  outputs:
    REGION: \${{ params.region }}-\${{ environment.name }}
  manifests:
    - apiVersion: v1
      kind: ConfigMap
      metadata:
        name: region-\${{ environment.name }}
      data:
        region: \${{ outputs.REGION }}
`;

describe.each(DIALECTS)('delivery environments on %s', (dialect) => {
  let paved: TestPaved;
  let port: number;
  let ada: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-environments-'));
  let repository: Awaited<ReturnType<typeof cloneNewRepository>>;
  const push = (files: Record<string, string>, branch?: string) => repository.push(files, branch);

  const call = (method: string, url: string, body?: unknown) => paved.call(method, url, { token: ada, ...(body === undefined ? {} : { body }) });
  const finished = (id: string) => until(async () => (await call('GET', `/api/delivery/deployments/${id}`)).body, (body) => ['succeeded', 'failed'].includes(body.status), 60_000);
  const deploy = async (environment: string) => (await call('POST', '/api/delivery/deployments', { repository: 'team-a/shop', environment })).body;

  async function listen(instance: TestPaved) {
    paved = instance;
    port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
  }

  beforeAll(async () => {
    const provisioners = path.join(work, 'provisioners');
    fs.mkdirSync(provisioners);
    fs.writeFileSync(path.join(provisioners, 'platform.yaml'), platformProvisioners);
    // A kubernetes environment type and a cluster environment after prod, from a config file.
    const configFile = path.join(work, 'paved.yaml');
    fs.writeFileSync(
      configFile,
      `delivery:
  environmentTypes:
    development: { runtime: local }
    production: { runtime: local, requiresApproval: true }
    preview: { runtime: local }
    cluster: { runtime: kubernetes }
  environments:
    - { name: dev, type: development }
    - { name: prod, type: production }
    - { name: eks-prod, type: cluster }
`,
    );
    await listen(
      await startTestPaved(dialect, {}, {
        PAVED_CONFIG: configFile,
        PAVED_DELIVERY_PROVISIONERS: provisioners,
        PAVED_DELIVERY_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        // Nothing listens on port 1: every redis resource fails.
        PAVED_DELIVERY_REDIS_URL: 'redis://127.0.0.1:1',
        PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '10',
      }),
    );
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    repository = await cloneNewRepository(paved, { token: ada, host: `127.0.0.1:${port}`, work });
    await push({ 'server.js': workloadServer(), 'score.yaml': workloadScore({ version: '1' }) });
  });

  afterAll(async () => {
    if (paved) await removeEverything(paved);
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('gives a branch its own preview environment from its pipeline, and removes it with the branch', async () => {
    const pipeline = 'apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: shop }\nspec:\n  on: { push: {} }\n  steps:\n    - name: deploy\n      deploy: { environment: preview }\n';
    await push({ '.paved/pipeline.yaml': pipeline }, 'feature/Fast-Checkout');
    const environments = await until(
      async () => (await call('GET', '/api/delivery/environments')).body.items as { name: string; type: string; preview: unknown; expiresAt: string }[],
      (items) => items.some((item) => item.type === 'preview'),
      60_000,
    );
    const preview = environments.find((item) => item.type === 'preview')!;
    expect(preview).toMatchObject({ name: expect.stringMatching(/^pr-feature-fast-checkout-[0-9a-f]{5}$/), preview: { repository: 'team-a/shop', branch: 'feature/Fast-Checkout' } });
    expect(Date.parse(preview.expiresAt) - Date.now()).toBeGreaterThan(71 * 3_600_000);
    const answer = await until(() => viaRouter(port, `shop.${preview.name}.localhost`), (response) => response.status === 200, 60_000);
    expect(JSON.parse(answer.body).version).toBe('1');

    await git(repository.clone, 'push', '--quiet', 'origin', '--delete', 'feature/Fast-Checkout');
    await git(repository.clone, 'checkout', '--quiet', 'main');
    await until(() => call('GET', `/api/delivery/environments/${preview.name}`), (response) => response.status === 404, 30_000);
    expect((await viaRouter(port, `shop.${preview.name}.localhost`)).status).toBe(404);
  });

  it('uses the platform team’s provisioner files before the built-in ones', async () => {
    await push({ 'score.yaml': workloadScore({ version: '1', ...REGION_SETTINGS }) });
    const done = await finished((await deploy('dev')).id);
    expect(done.status, done.error).toBe('succeeded');
    expect(done.resources.settings).toMatchObject({ type: 'environment', provisioner: 'region-settings', outputs: { REGION: 'eu-west-1-dev' } });
    expect(JSON.parse((await viaRouter(port, 'shop.dev.localhost')).body)).toMatchObject({ version: '1', region: 'eu-west-1-dev' });
    const provisioners = (await call('GET', '/api/delivery/provisioners')).body.items.map((item: { name: string }) => item.name);
    expect(provisioners).toEqual(['region-settings', 'postgres', 'redis', 'volume', 'service-port', 'route']);
  });

  it('leaves the environment consistent when a provisioner fails halfway, and says what failed', async () => {
    await paved.call('POST', '/api/delivery/environments', { token: ada, body: { name: 'halfway', type: 'development' } });
    await push({ 'score.yaml': workloadScore({ version: '1', resources: 'resources:\n  db:\n    type: postgres\n  cache:\n    type: redis\n' }) });
    const done = await finished((await deploy('halfway')).id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('resources.cache (redis, provisioner redis');
    expect(done.error).toContain('cannot reach');
    expect(done.error).not.toMatch(/redis:\/\/[^ ]*@/);
    const resources = (await call('GET', '/api/delivery/environments/halfway')).body.resources as { type: string; status: string; error: string | null }[];
    expect(resources.map((resource) => [resource.type, resource.status])).toEqual([
      ['postgres', 'ready'],
      ['redis', 'failed'],
    ]);
    // Nothing was started, so nothing serves.
    expect((await viaRouter(port, 'shop.halfway.localhost')).status).toBe(404);
    // Removing the environment must get rid of the database it did make; the redis user it
    // never made cannot be removed while the server is unreachable, so the removal says so.
    const removal = await call('DELETE', '/api/delivery/environments/halfway');
    const task = await until(async () => (await call('GET', `/api/tasks/${removal.body.taskId}`)).body, (body) => ['succeeded', 'failed'].includes(body.status), 30_000);
    expect(task.status).toBe('failed');
    expect(task.error).toContain('could not remove');
    const left = (await call('GET', '/api/delivery/environments')).body.items.find((item: { name: string }) => item.name === 'halfway');
    expect(left.status).toBe('deleting');
    const database = resources.find((resource) => resource.type === 'postgres') as unknown as { outputs: { username: string } };
    const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
    const roles = await client.query('SELECT rolname FROM pg_roles WHERE rolname = $1', [database.outputs.username]);
    await client.end();
    expect(roles.rows).toEqual([]);
  });

  it('fails a workload whose port is taken, with the reason from its output', async () => {
    // Each instance has a network namespace of its own, so no port of the host can be in its
    // way: what takes its port is a listener inside it, before the server starts.
    const blocker = "require('node:net').createServer().listen(Number(process.env.PORT));\n";
    await push({ 'server.js': blocker + workloadServer({ delayMs: 100 }), 'score.yaml': workloadScore({ version: '2' }) });
    const done = await finished((await deploy('dev')).id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('EADDRINUSE');
    expect(done.rolledBack).toBe(true);
    expect(JSON.parse((await viaRouter(port, 'shop.dev.localhost')).body).version).toBe('1');
  });

  it('delivers to a kubernetes environment as manifests committed to its repository, with Argo CD and Flux files', async () => {
    const withFile = workloadScore({ version: '3', ...REGION_SETTINGS }).replace(
      '    variables:',
      '    files:\n      /etc/shop/app.conf:\n        source: config/app.conf\n    variables:',
    );
    await push({ 'server.js': workloadServer(), 'score.yaml': withFile, 'config/app.conf': 'greeting = hello\n' });
    const done = await finished((await deploy('eks-prod')).id);
    expect(done.status, done.error).toBe('succeeded');
    const tree = (await call('GET', '/api/git/repositories/delivery/eks-prod/tree?ref=main&path=workloads/shop')).body;
    expect(JSON.stringify(tree)).toContain('deployment.yaml');
    const file = await call('GET', '/api/git/repositories/delivery/eks-prod/file?ref=main&path=workloads/shop/deployment.yaml');
    const manifest = parse(typeof file.body === 'string' ? file.body : JSON.stringify(file.body)) as { kind: string; spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(manifest.kind).toBe('Deployment');
    expect(manifest.spec.template.spec.containers[0]!.image).toBe(`registry.paved.localhost/team-a/shop:${done.commit}`);
    // The provisioner's own manifest goes beside the workload's; the file's source was read from the repository.
    const region = await call('GET', '/api/git/repositories/delivery/eks-prod/file?ref=main&path=workloads/shop/configmap-region-eks-prod.yaml');
    expect(parse(String(region.body))).toMatchObject({ kind: 'ConfigMap', data: { region: 'eu-west-1-eks-prod' } });
    expect(JSON.stringify(tree)).toMatch(/configmap/);
    const everything = await Promise.all(
      (tree.items as { name: string }[]).map(async (item) => String((await call('GET', `/api/git/repositories/delivery/eks-prod/file?ref=main&path=workloads/shop/${item.name}`)).body)),
    );
    expect(everything.join('\n')).toContain('greeting = hello');
    const argo = (await call('GET', '/api/git/repositories/delivery/eks-prod/file?ref=main&path=clusters/eks-prod/argocd/shop.yaml')).body;
    expect(String(argo)).toContain('kind: Application');
    const workloads = (await call('GET', '/api/delivery/workloads?environment=eks-prod')).body.items;
    expect(workloads[0].instance).toMatchObject({ health: 'delivered' });
  });

  it('finishes a deploy that Paved was stopped in the middle of', async () => {
    await push({ 'server.js': workloadServer({ delayMs: 1_500 }), 'score.yaml': workloadScore({ version: '4' }) });
    const started = await deploy('dev');
    await until(async () => ((await call('GET', `/api/delivery/deployments/${started.id}/logs`)).body.items as { message: string }[]).some((line) => line.message.includes('waiting for readiness')), (found) => found, 30_000);
    await listen(await paved.restart());
    const done = await finished(started.id);
    expect(done.status, done.error).toBe('succeeded');
    expect(JSON.parse((await viaRouter(port, 'shop.dev.localhost')).body).version).toBe('4');
  });
});

describe('provisioner files', () => {
  it('stop Paved from starting when one is invalid, naming the file and document', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-provisioners-'));
    fs.writeFileSync(path.join(folder, 'bad.yaml'), `${platformProvisioners}---\napiVersion: paved.dev/v1\nkind: Provisioner\nmetadata: { name: broken }\nspec: { type: queue, create: { driver: kafka } }\n`);
    const config = loadConfig({ PAVED_DATA_DIR: folder, PAVED_DELIVERY_PROVISIONERS: folder, PAVED_DEMO: 'false', PAVED_GOLDEN_PATHS: 'false' }, folder);
    await expect(createPaved(config)).rejects.toThrow(/bad\.yaml, document 2: spec\.create\.driver/);
    fs.rmSync(folder, { recursive: true, force: true });
  });
});
