import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { type CliRun, runPaved } from './support/run-cli.js';
import { ADMIN_TOKEN, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { cloneNewRepository, workloadScore, workloadServer } from './support/workload.js';

describe('paved deploy, deployment, env and workload, against a Paved delivering to its local runtime', () => {
  let paved: TestPaved;
  let host: string;
  let work: string;
  let repository: Awaited<ReturnType<typeof cloneNewRepository>>;
  /** The CLI as ada, an owner of team-a/shop (through team-a). */
  let ada: Record<string, string>;
  let eve: Record<string, string>;
  let admin: Record<string, string>;
  const commits: string[] = [];

  const run = (args: string[], env = ada, timeoutMs = 60_000): Promise<CliRun> => runPaved(args, { env, timeoutMs });

  async function push(files: Record<string, string>): Promise<string> {
    commits.push(await repository.push(files));
    return commits.at(-1)!;
  }

  beforeAll(async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '3' });
    host = (await paved.app.listen({ port: 0, host: '127.0.0.1' })).replace('http://', '');
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    const token = async (user: string) => (await paved.call('POST', '/api/access/tokens', { body: { name: 'cli', userRef: `user:default/${user}` } })).body.token as string;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-delivery-'));
    const base = { HOME: work, PAVED_URL: `http://${host}`, PAVED_DATA_DIR: path.join(work, 'no-data') };
    ada = { ...base, PAVED_TOKEN: await token('ada') };
    eve = { ...base, PAVED_TOKEN: await token('eve') };
    admin = { ...base, PAVED_TOKEN: ADMIN_TOKEN };
    repository = await cloneNewRepository(paved, { token: ada.PAVED_TOKEN!, host, work });
    await push({ 'server.js': workloadServer(), 'score.yaml': workloadScore({ version: '1' }) });
  }, 120_000);

  afterAll(async () => {
    if (paved) {
      const environments = (await paved.call('GET', '/api/delivery/environments')).body.items as { name: string }[];
      for (const environment of environments.filter((item) => !['dev', 'staging', 'prod'].includes(item.name))) await paved.call('DELETE', `/api/delivery/environments/${environment.name}`);
      await paved.close();
    }
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('deploys a repository to dev, printing its log and where it answers (exit 0)', async () => {
    const deployed = await run(['deploy', 'team-a/shop', '--env', 'dev']);
    expect(deployed.stderr).toMatch(/^Deployment #1 of shop to dev \(team-a\/shop [0-9a-f]{12}, deploy\): \S+\n$/);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toContain(`[provision] deploying shop ${commits[0]!.slice(0, 12)} to dev (deployment #1)\n`);
    expect(deployed.stdout).toContain('[release] ready; shop.dev.localhost now route to it\n');
    expect(deployed.stdout).toMatch(new RegExp(`\\nDeployment #1 of shop to dev succeeded in \\d+(\\.\\d)? m?s: http://shop\\.dev\\.localhost:${host.split(':')[1]}\\n$`));
  }, 90_000);

  it('lists deployments as a table and as JSON, and shows one by ENV/WORKLOAD#N', async () => {
    const [table, json, shown] = await Promise.all([run(['deployment', 'list']), run(['deployment', 'list', '--env', 'dev', '--limit', '5', '--json']), run(['deployment', 'show', 'dev/shop#1'])]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^#\s+WORKLOAD\s+ENV\s+STATUS\s+COMMIT\s+REASON\s+BY\s+CREATED\s+TIME\s+ERROR\n/);
    expect(table.stdout).toMatch(new RegExp(`\\n1\\s+shop\\s+dev\\s+succeeded\\s+${commits[0]!.slice(0, 12)}\\s+deploy\\s+ada\\s+\\d{4}-\\d\\d-\\d\\dT\\S+Z\\s+\\d+(\\.\\d)? m?s\\s+-\\n`));
    expect(json.code).toBe(0);
    const { items } = JSON.parse(json.stdout);
    expect(items).toEqual([expect.objectContaining({ number: 1, workload: 'shop', environment: 'dev', status: 'succeeded', commit: commits[0], createdBy: 'user:default/ada' })]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Deployment #1 of shop to dev: succeeded\n/);
    expect(shown.stdout).toContain(`commit:        ${commits[0]}\n`);
    expect(shown.stdout).toMatch(/requested: +\S+ by user:default\/ada\n/);
    expect(shown.stdout).toContain(`id:            ${items[0].id}\n`);
  });

  it('lists the environments, and shows dev with the workload ready', async () => {
    const [list, json, show] = await Promise.all([run(['env', 'list']), run(['env', 'show', 'dev', '--json']), run(['env', 'show', 'dev'])]);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n').map((line) => line.split(/\s{3,}/))).toEqual([
      ['NAME', 'TYPE', 'RUNTIME', 'APPROVAL', 'PROMOTES TO', 'PREVIEW OF', 'EXPIRES'],
      ['dev', 'development', 'local', '-', 'staging', '-', '-'],
      ['staging', 'staging', 'local', '-', 'prod', '-', '-'],
      ['prod', 'production', 'local', 'required', '-', '-', '-'],
      [''],
    ]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).workloads).toEqual([expect.objectContaining({ workload: 'shop', instance: expect.objectContaining({ health: 'ready' }) })]);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Environment dev: type development, runtime local, no approval needed, promotes to staging\n/);
    expect(show.stdout).toMatch(/\nWORKLOAD\s+HEALTH\s+URL\s+DEPLOYMENT\s+COMMIT\s+PROVISIONED IN\s+RESTARTS\n/);
    expect(show.stdout).toMatch(new RegExp(`\\nshop\\s+ready\\s+http://shop\\.dev\\.localhost:\\d+\\s+#1\\s+${commits[0]!.slice(0, 12)}\\s+\\S+ m?s\\s+0\\n`));
    expect(show.stdout).toContain('\nNo resources.\n');
  });

  it('deploys with --no-follow, then follows the log with deployment logs --follow', async () => {
    const commit = await push({ 'server.js': workloadServer(), 'score.yaml': workloadScore({ version: '2' }) });
    const started = await run(['deploy', 'team-a/shop', '--env', 'dev', '--no-follow', '--json']);
    expect(started.code).toBe(0);
    const deployment = JSON.parse(started.stdout);
    expect(deployment).toMatchObject({ number: 2, commit, status: expect.stringMatching(/^(queued|deploying)$/) });
    const followed = await run(['deployment', 'logs', deployment.id, '--follow']);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain(`deploying shop ${commit.slice(0, 12)} to dev (deployment #2)\n`);
    expect(followed.stdout).toMatch(/\nDeployment #2 of shop to dev succeeded in .+: http:\/\/shop\.dev\.localhost:\d+\n$/);
    const logs = await run(['deployment', 'logs', 'dev/shop#2']);
    expect(logs).toMatchObject({ code: 0, stderr: '' });
    expect(followed.stdout.startsWith(logs.stdout)).toBe(true);
  }, 90_000);

  it('exits 1 on a version that never gets ready, saying it was rolled back', async () => {
    await push({ 'server.js': workloadServer({ healthy: false }), 'score.yaml': workloadScore({ version: '3' }) });
    const deployed = await run(['deploy', 'team-a/shop', '--env', 'dev']);
    expect(deployed.code).toBe(1);
    expect(deployed.stdout).toContain('[release] rolled back: deployment #2');
    expect(deployed.stderr).toMatch(/\nerror: Deployment #3 of shop to dev failed: .*the new instance did not become ready/);
    // The process's last output under the first line of the error, then what still serves.
    expect(deployed.stderr).toMatch(/answered 500\n {2}its last output:\n {4}stdout: shop 3 listening on \d+\n {2}rolled back: the previous version keeps serving\n$/);
    const shown = await run(['deployment', 'show', 'dev/shop#3']);
    expect(shown.stdout).toMatch(/\nerror: +the new instance did not become ready: .*answered 500\n +its last output:\n +stdout: shop 3 listening on \d+\nrolled back: the previous version keeps serving\n/);
  }, 90_000);

  it('promotes a deployment to staging, and to prod only once another owner approves', async () => {
    const promoted = await run(['deployment', 'promote', 'dev/shop#2']);
    expect(promoted.code).toBe(0);
    expect(promoted.stderr).toMatch(/^Deployment #1 of shop to staging \(team-a\/shop [0-9a-f]{12}, promote\): \S+\n$/);
    expect(promoted.stdout).toMatch(/\nDeployment #1 of shop to staging succeeded in .+: http:\/\/shop\.staging\.localhost:\d+\n$/);

    // prod needs an approval: the command says how to give it and exits 0.
    const toProd = await run(['deployment', 'promote', 'staging/shop#1']);
    expect(toProd.code).toBe(0);
    const id = /awaits the approval of another owner of team-a\/shop: (\S+)\n/.exec(toProd.stdout)?.[1];
    expect(id).toBeDefined();
    expect(toProd.stdout).toContain(`Approve it with: paved deployment approve ${id}\n`);
    const self = await run(['deployment', 'approve', id!]);
    expect(self.code).toBe(1);
    expect(self.stderr).toContain('[delivery.self_approval]');
    const rejected = await run(['deployment', 'reject', 'prod/shop#1'], admin);
    expect(rejected).toMatchObject({ code: 0, stdout: 'Rejected deployment #1 of shop to prod.\n' });

    const again = JSON.parse((await run(['deployment', 'promote', 'staging/shop#1', '--json'])).stdout);
    expect(again).toMatchObject({ number: 2, environment: 'prod', status: 'awaiting_approval' });
    const cancelled = await run(['deployment', 'cancel', again.id]);
    expect(cancelled).toMatchObject({ code: 0, stdout: 'Cancelled deployment #2 of shop to prod.\n' });

    const third = JSON.parse((await run(['deployment', 'promote', 'staging/shop#1', '--json'])).stdout);
    const approved = await run(['deployment', 'approve', third.id, '--follow'], admin);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/\nDeployment #3 of shop to prod succeeded in .+: http:\/\/shop\.prod\.localhost:\d+\n$/);
  }, 120_000);

  it('rolls back to the previous revision on request', async () => {
    const rolledBack = await run(['deployment', 'rollback', 'shop', '--env', 'dev']);
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.stderr).toMatch(new RegExp(`^Deployment #4 of shop to dev \\(team-a/shop ${commits[0]!.slice(0, 12)}, rollback\\)`));
    expect(rolledBack.stdout).toMatch(/\nDeployment #4 of shop to dev succeeded in .+\n$/);
    const latest = JSON.parse((await run(['deployment', 'list', '--env', 'dev', '--limit', '1', '--json'])).stdout).items[0];
    expect(latest).toMatchObject({ number: 4, reason: 'rollback', commit: commits[0], status: 'succeeded' });
  }, 90_000);

  it("prints a running workload's output, and streams it with --follow", async () => {
    const logs = await run(['workload', 'logs', 'shop', '--env', 'dev']);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/^\[web\] shop 1 listening on \d+$/m);
    const json = await run(['workload', 'logs', 'shop', '--env', 'dev', '--json']);
    expect(JSON.parse(json.stdout).items).toContainEqual(expect.objectContaining({ container: 'web', stream: 'stdout', text: expect.stringMatching(/^shop 1 listening on/) }));
    // --follow runs until stopped: here, until the test's time limit kills it.
    const followed = await runPaved(['workload', 'logs', 'shop', '--env', 'dev', '--follow', '--timestamps'], { env: ada, timeoutMs: 3_000 });
    expect(followed.code).toBeNull();
    expect(followed.stdout).toMatch(/^\d{4}-\d\d-\d\dT\S+Z \[web\] shop 1 listening on \d+$/m);
    const missing = await run(['workload', 'logs', 'nothing', '--env', 'dev', '--follow']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[delivery.workload_not_running]');
  }, 30_000);

  it('takes a workload out of an environment', async () => {
    const removed = await run(['workload', 'remove', 'shop', '--env', 'prod']);
    expect(removed.code).toBe(0);
    const taskId = /^Removing shop from prod: task (\S+)\n$/.exec(removed.stdout)?.[1];
    expect(taskId).toBeDefined();
    await until(async () => (await paved.call('GET', `/api/tasks/${taskId}`)).body.status, (status) => status === 'succeeded', 30_000);
    const prod = JSON.parse((await run(['env', 'show', 'prod', '--json'])).stdout);
    expect(prod.workloads).toEqual([]);
    expect((await run(['workload', 'remove', 'shop', '--env', 'prod'])).stderr).toContain('[delivery.workload_not_deployed]');
  });

  it('creates and deletes an environment on demand', async () => {
    const created = await run(['env', 'create', 'qa', '--type', 'development', '--ttl-hours', '2']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created environment qa: type development, runtime local, no approval needed, expires \S+Z\n$/);
    expect((await run(['env', 'list'])).stdout).toMatch(/\nqa\s+development\s+local\s+-\s+-\s+-\s+\d{4}-\S+Z\n$/);
    const deleted = await run(['env', 'delete', 'qa']);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/^Removing environment qa: task \S+\n$/);
    const longLived = await run(['env', 'delete', 'dev']);
    expect(longLived.code).toBe(1);
    expect(longLived.stderr).toContain('[delivery.environment_configured]');
  });

  it('refuses someone who does not own the workload with the 403 message (exit 1)', async () => {
    const refused = await run(['deploy', 'team-a/shop', '--env', 'dev'], eve);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^error: user:default\/eve may not delivery\.deploy .*group:default\/team-a.* \[access\.forbidden\]\n/);
    const json = await run(['deployment', 'rollback', 'shop', '--env', 'dev', '--json'], eve);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stderr).error).toMatchObject({ code: 'access.forbidden', status: 403 });
  });

  it('refuses wrong usage with exit 2, before any request', async () => {
    const results = await Promise.all([
      run(['deploy', 'shop', '--env', 'dev']),
      run(['deploy', 'team-a/shop']),
      run(['deploy', 'list']),
      run(['deployment', 'list', '--limit', '0']),
      run(['deployment', 'show', 'dev/shop']),
      run(['deployment', 'rollback', 'shop']),
      run(['env', 'create', 'qa']),
      run(['env', 'create', 'qa', '--type', 'development', '--ttl-hours', 'soon']),
      run(['workload', 'logs', 'shop']),
    ]);
    for (const result of results) expect(result.code).toBe(2);
    expect(results[0]!.stderr).toContain('"shop" is not a repository');
    expect(results[1]!.stderr).toContain("required option '-e, --env <environment>' not specified");
    expect(results[2]!.stderr).toContain('To list deployments, use `paved deployment list`.');
    expect(results[4]!.stderr).toContain('"dev/shop" is not a deployment');
  });
});
