// The path a developer walks, end to end: create a service from the Node.js golden path, clone
// it, change it, push; its pipeline tests and deploys it to dev, where it answers through the
// router; promote it to staging; push a broken version: its readiness fails, it is rolled back
// and the previous version still answers. The catalog entity's deployments and environments
// are read back from the delivery API by its component ref.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { viaRouter } from './support/via-router.js';

const run = promisify(execFile);
// The generated repository runs its own git, not inside this test run's npm.
const childEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_'))),
  GIT_TERMINAL_PROMPT: '0',
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: childEnv });
const NAME = 'checkout';

describe.each(DIALECTS)('from golden path to production-like environments on %s', (dialect) => {
  let paved: TestPaved;
  let port: number;
  let ada: string;
  let clone: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-golden-delivery-'));

  const runs = async () => (await paved.call('GET', `/api/pipelines/repositories/default/${NAME}/runs`, { token: ada })).body.items as { id: string; number: number; status: string; commit: string }[];
  const runOf = (commit: string) => until(runs, (items) => items.some((item) => item.commit === commit && ['succeeded', 'failed', 'cancelled'].includes(item.status)), 120_000).then((items) => items.find((item) => item.commit === commit)!);
  const logOf = async (id: string) => ((await paved.call('GET', `/api/pipelines/runs/${id}/logs`, { token: ada })).body.items as { message: string }[]).map((line) => line.message).join('\n');
  const serving = async (environment: string) => JSON.parse((await viaRouter(port, `${NAME}.${environment}.localhost`)).body) as { message: string };

  async function pushChange(file: string, edit: (text: string) => string): Promise<string> {
    const target = path.join(clone, file);
    fs.writeFileSync(target, edit(fs.readFileSync(target, 'utf8')));
    await git(clone, 'commit', '--quiet', '-am', `change ${file}`);
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
    return (await git(clone, 'rev-parse', 'HEAD')).stdout.trim();
  }

  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, { PAVED_GOLDEN_PATHS: 'true', PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '5' });
    port = Number(new URL(await paved.app.listen({ port: 0, host: '127.0.0.1' })).port);
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
  });

  afterAll(async () => {
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('creates the service from the golden path; its first pipeline deploys it to dev', async () => {
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', {
      token: ada,
      body: { templateRef: 'template:default/node-service', values: { name: NAME, description: 'Takes the money.', owner: 'group:default/team-a', port: 8080 } },
    });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const task = await until(async () => (await paved.call('GET', `/api/scaffolder/v2/tasks/${started.body.id}`, { token: ada })).body, (body) => body.status !== 'processing' && body.status !== 'open');
    expect(task.status, JSON.stringify(task.error)).toBe('completed');
    const [first] = await until(runs, (items) => items.some((item) => ['succeeded', 'failed'].includes(item.status)), 120_000);
    expect(first!.status, await logOf(first!.id)).toBe('succeeded');
    expect(await serving('dev')).toEqual({ service: NAME, message: `Hello from ${NAME}!` });

    clone = path.join(work, NAME);
    await git(work, 'clone', '--quiet', `http://ada:${ada}@127.0.0.1:${port}/git/default/${NAME}.git`, clone);
  });

  it('tests and deploys a change pushed with git', async () => {
    await pushChange('test/server.test.js', (text) => text.replaceAll('Hello from ${SERVICE_NAME}!', 'Welcome to ${SERVICE_NAME}!'));
    const commit = await pushChange('src/server.js', (text) => text.replace('message: `Hello from ${SERVICE_NAME}!`', 'message: `Welcome to ${SERVICE_NAME}!`'));
    const pipelineRun = await runOf(commit);
    const log = await logOf(pipelineRun.id);
    expect(pipelineRun.status, log).toBe('succeeded');
    expect(log).toContain('▶ test: npm test');
    expect(log).toContain('▶ deploy: deploy to dev');
    expect(log).toMatch(/✔ deploy: deployed to dev/);
    expect(await serving('dev')).toEqual({ service: NAME, message: `Welcome to ${NAME}!` });
  });

  it('promotes the tested revision to staging', async () => {
    const [current] = (await paved.call('GET', '/api/delivery/workloads?environment=dev', { token: ada })).body.items;
    const promoted = await paved.call('POST', `/api/delivery/deployments/${current.deployment.id}/promote`, { token: ada, body: {} });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(201);
    const done = await until(async () => (await paved.call('GET', `/api/delivery/deployments/${promoted.body.id}`, { token: ada })).body, (body) => ['succeeded', 'failed'].includes(body.status), 60_000);
    expect(done).toMatchObject({ status: 'succeeded', environment: 'staging', commit: current.deployment.commit, reason: 'promote' });
    expect(await serving('staging')).toEqual({ service: NAME, message: `Welcome to ${NAME}!` });
  });

  it('rolls back a pushed version that never gets ready; the previous version still answers', async () => {
    // Its tests still pass (they start the server their own way), but the deployed process
    // answers its readiness probe with 503.
    const commit = await pushChange('src/server.js', (text) => text.replace("sendJson(response, 200, { status: 'ok' });", "sendJson(response, process.env.PAVED_INSTANCE_ID ? 503 : 200, { status: 'ok' });"));
    const pipelineRun = await runOf(commit);
    const log = await logOf(pipelineRun.id);
    expect(pipelineRun.status).toBe('failed');
    expect(log).toContain('rolled back: deployment #');
    expect(log).toContain('answered 503');
    expect(await serving('dev')).toEqual({ service: NAME, message: `Welcome to ${NAME}!` });
  });

  it("shows the component's environments and deployments", async () => {
    const component = `component:default/${NAME}`;
    const workloads = (await paved.call('GET', `/api/delivery/workloads?component=${encodeURIComponent(component)}`, { token: ada })).body.items;
    expect(workloads.map((item: { environment: string; instance: { health: string } }) => [item.environment, item.instance.health])).toEqual([
      ['dev', 'ready'],
      ['staging', 'ready'],
    ]);
    const deployments = (await paved.call('GET', `/api/delivery/deployments?component=${encodeURIComponent(component)}`, { token: ada })).body.items;
    expect(deployments.map((item: { environment: string; status: string; reason: string; rolledBack: boolean }) => [item.environment, item.status, item.reason, item.rolledBack])).toEqual([
      ['dev', 'failed', 'deploy', true],
      ['staging', 'succeeded', 'promote', false],
      ['dev', 'succeeded', 'deploy', false],
      ['dev', 'succeeded', 'deploy', false],
    ]);
  });
});
