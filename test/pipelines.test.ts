import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { ADMIN_TOKEN, DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

const pipeline = (spec: string) => `apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n${spec}`;

describe.each(DIALECTS)('pipelines on %s', (dialect) => {
  let paved: TestPaved;
  let host: string;
  let ada: string;
  let eve: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-pipelines-'));

  beforeAll(async () => {
    process.env.PAVED_LEAK_CHECK = 'must-not-reach-steps';
    paved = await startTestPaved(dialect);
    host = (await paved.app.listen({ port: 0, host: '127.0.0.1' })).replace('http://', '');
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    eve = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/eve' } })).body.token;
  });
  afterAll(async () => {
    delete process.env.PAVED_LEAK_CHECK;
    await paved?.close();
  });

  /** Creates a repository owned by team-a (once) and pushes `files` to `branch` as ada. */
  async function push(repo: string, files: Record<string, string>, branch = 'main') {
    const clone = path.join(work, `${dialect}-${repo}`);
    if (!fs.existsSync(clone)) {
      await paved.call('POST', '/api/git/repositories', { token: ada, body: { namespace: 'team-a', name: repo, ownerRef: 'group:default/team-a' } });
      await git(work, 'clone', '--quiet', `http://ada:${ada}@${host}/git/team-a/${repo}.git`, clone);
    }
    await git(clone, 'checkout', '--quiet', '-B', branch);
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      fs.writeFileSync(path.join(clone, file), text);
    }
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '--allow-empty', '-m', `change ${Date.now()}`);
    await git(clone, 'push', '--quiet', 'origin', `HEAD:${branch}`);
  }

  const runs = async (repo: string) => (await paved.call('GET', `/api/pipelines/repositories/team-a/${repo}/runs`)).body.items as { id: string; number: number; status: string; branch: string }[];
  const finished = (id: string) => until(async () => (await paved.call('GET', `/api/pipelines/runs/${id}`)).body, (r) => ['succeeded', 'failed', 'cancelled'].includes(r.status), 30_000);
  const logText = async (id: string) => ((await paved.call('GET', `/api/pipelines/runs/${id}/logs`)).body.items as { message: string }[]).map((line) => line.message).join('\n');
  const firstRun = async (repo: string, count = 1) => (await until(() => runs(repo), (items) => items.length >= count)).sort((a, b) => a.number - b.number)[count - 1]!;

  it('runs the pipeline of a push: jobs in dependency order, with env, secrets masked, and a scrubbed environment', async () => {
    await paved.call('PUT', '/api/secrets/groups/default/team-a/DEPLOY_TOKEN', { token: ada, body: { value: 'tok-3x4mpl3-value' } });
    await push('app', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: { branches: [main] } }
  env: { GREETING: hello }
  secrets: [DEPLOY_TOKEN]
  jobs:
    test:
      needs: build
      steps:
        - name: check
          run: test -f built.txt || echo "fresh checkout per job"; echo "$GREETING from $CI_JOB on $CI_BRANCH"
    build:
      steps:
        - name: build
          run: echo "token is $DEPLOY_TOKEN"; printf %s "$DEPLOY_TOKEN" | base64; touch built.txt
        - name: env
          run: env | sort
`),
    });
    const { id } = await firstRun('app');
    const done = await finished(id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('succeeded');
    expect(done.jobs.map((job: { job: string }) => job.job)).toEqual(['build', 'test']);
    expect(done.jobs[0].steps.map((step: { exitCode: number }) => step.exitCode)).toEqual([0, 0]);
    const log = await logText(id);
    expect(log).toContain('token is ***');
    expect(log).not.toContain('tok-3x4mpl3-value');
    expect(log).not.toContain(Buffer.from('tok-3x4mpl3-value').toString('base64'));
    expect(log).toContain('fresh checkout per job');
    expect(log).toContain('hello from test on main');
    expect(log).toContain('CI_COMMIT=');
    expect(log).not.toContain('PAVED_LEAK_CHECK');
    const reads = await paved.call('GET', `/api/audit?action=secret.read&target=secret:group:default/team-a/DEPLOY_TOKEN`);
    expect(reads.body.items.length).toBeGreaterThan(0);
    const status = await paved.call('GET', '/api/pipelines/repositories/team-a/app/status');
    expect(status.body.branches.main).toMatchObject({ id, status: 'succeeded' });
  });

  it('fails a run at the failing step, with its exit code, and does not run the jobs after it', async () => {
    await push('failing', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  jobs:
    build: { steps: [{ name: compile, run: 'echo compiling; exit 3' }] }
    test: { needs: [build], steps: [{ run: echo never }] }
`),
    });
    const done = await finished((await firstRun('failing')).id);
    expect(done.status).toBe('failed');
    expect(done.failedJob).toBe('build');
    expect(done.error).toBe('compile failed with exit code 3');
    expect(await logText(done.id)).not.toContain('never');
  });

  it('fails a run whose pipeline file is invalid, saying what and on which line', async () => {
    await push('invalid', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  steps:\n    - name: a\n      runn: echo typo\n`) });
    const done = await finished((await firstRun('invalid')).id);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('line 7 (spec.steps.0): Unrecognized key: "runn"');
  });

  it('starts nothing for a branch the file does not ask for', async () => {
    await push('filtered', { '.paved/pipeline.yaml': pipeline(`  on: { push: { branches: ['release/*'] } }\n  steps: [{ run: 'true' }]\n`) });
    await push('filtered', { 'x.txt': 'x' }, 'release/1.0');
    const items = await until(() => runs('filtered'), (list) => list.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await runs('filtered')).map((item) => item.branch)).toEqual(['release/1.0']);
    expect(items[0]!.branch).toBe('release/1.0');
  });

  it('stops a step at its timeout, and a cancelled run stops at once; a re-run starts it again', async () => {
    await push('slow', { '.paved/pipeline.yaml': pipeline(`  on: { push: {}, manual: {} }\n  steps:\n    - { name: hang, run: 'sleep 30', timeout: 1s }\n`) });
    const timedOut = await finished((await firstRun('slow')).id);
    expect(timedOut.error).toMatch(/^hang timed out after \d+ ms$/);

    const manual = await paved.call('POST', '/api/pipelines/repositories/team-a/slow/runs', { token: ada, body: { branch: 'main' } });
    expect(manual.status).toBe(201);
    await until(() => logText(manual.body.id), (text) => text.includes('▶ hang'));
    const started = Date.now();
    expect((await paved.call('POST', `/api/pipelines/runs/${manual.body.id}/cancel`, { token: ada })).status).toBe(200);
    expect((await finished(manual.body.id)).status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await paved.call('POST', `/api/pipelines/runs/${manual.body.id}/rerun`, { token: eve })).status).toBe(403);
    expect((await paved.call('POST', `/api/pipelines/runs/${manual.body.id}/rerun`, { token: ada })).body.status).toMatch(/queued|running/);
    await paved.call('POST', `/api/pipelines/runs/${manual.body.id}/cancel`, { token: ada });
    await finished(manual.body.id);
  });

  it("queues a branch's runs behind each other", async () => {
    await push('queued', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  steps: [{ run: 'sleep 0.5' }]\n`) });
    await push('queued', { 'b.txt': 'b' });
    const first = await firstRun('queued', 1);
    const second = await firstRun('queued', 2);
    const [a, b] = [await finished(first.id), await finished(second.id)];
    expect(a.status).toBe('succeeded');
    expect(b.status).toBe('succeeded');
    const secondJobStarted = ((await paved.call('GET', `/api/tasks/${second.id}/logs`)).body.items as { at: string; message: string }[]).find((line) => line.message.startsWith('Checked out'))!;
    expect(Date.parse(secondJobStarted.at)).toBeGreaterThanOrEqual(Date.parse(a.finishedAt));
  });

  it('keeps a flooding step from filling the log: the first lines are kept, then a note', async () => {
    await push('flood', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  steps: [{ name: flood, run: 'seq 1 12000' }]\n`) });
    const done = await finished((await firstRun('flood')).id);
    expect(done.status).toBe('succeeded');
    expect(done.jobs[0].steps[0].droppedLines).toBe(2000);
    expect(await logText(done.id)).toContain('[log cut: 2000 more lines of flood were not kept');
  });

  it('validates a file offline with lines, publishes its JSON Schema, and refuses a manual run without a manual trigger', async () => {
    const checked = await paved.call('POST', '/api/pipelines/validate', { body: pipeline(`  on: {}\n  jobs:\n    a: { needs: [zz], steps: [{ run: x }] }\n`), headers: { 'content-type': 'application/yaml' } });
    expect(checked.body).toMatchObject({ valid: false, problems: [{ message: 'job a needs zz, which is not a job of this pipeline', line: 7 }] });
    const schema = await paved.call('GET', '/api/pipelines/schema');
    expect(schema.body.properties.spec.properties.jobs).toBeDefined();
    const refused = await paved.call('POST', '/api/pipelines/repositories/team-a/failing/runs', { token: ada, body: { branch: 'main' } });
    expect(refused.body.error.code).toBe('pipelines.not_manual');
  });

  it('runs jobs and steps on conditions: over the branch and event, and after a failure when asked', async () => {
    await push('conditions', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  jobs:
    only-main: { if: "\${{ branch == 'main' and event == 'push' }}", steps: [{ run: echo on main }] }
    not-main: { if: "branch != 'main'", steps: [{ run: echo never }] }
    build:
      steps:
        - { name: fail, run: 'exit 1' }
        - { name: after, run: echo not run }
        - { name: report, if: "\${{ status == 'failure' }}", run: echo reporting the failure }
`),
    });
    const done = await finished((await firstRun('conditions')).id);
    expect(done.status).toBe('failed');
    expect(done.error).toBe('fail failed with exit code 1');
    const log = await logText(done.id);
    expect(log).toContain('on main');
    expect(log).toContain('reporting the failure');
    expect(log).not.toContain('never');
    expect(log).not.toContain('▶ after');
    expect(log).toContain('⤼ after: skipped (an earlier step failed)');
  });

  it("keeps a job's artifacts, also when it fails, and serves them; paths cannot climb out", async () => {
    await push('artifacts', {
      '.paved/pipeline.yaml': pipeline(`  on: { push: {} }
  artifacts: ['dist/**', report.txt]
  steps:
    - run: mkdir -p dist/js && echo bundle > dist/js/app.js && echo ignored > other.txt && echo 'FAILED 1 test' > report.txt && exit 1
`),
    });
    const done = await finished((await firstRun('artifacts')).id);
    expect(done.status).toBe('failed');
    const listed = await paved.call('GET', `/api/pipelines/runs/${done.id}/artifacts`);
    expect(listed.body.items).toEqual([
      { job: 'main', path: 'dist/js/app.js', size: 7 },
      { job: 'main', path: 'report.txt', size: 14 },
    ]);
    const file = await paved.call('GET', `/api/pipelines/runs/${done.id}/artifacts/main/dist/js/app.js`);
    expect(file.status).toBe(200);
    expect(file.body).toBe('bundle\n');
    const climbing = await paved.call('GET', `/api/pipelines/runs/${done.id}/artifacts/main/..%2F..%2F..%2Fpaved.sqlite`);
    expect([400, 404]).toContain(climbing.status);
    expect(String(climbing.body)).not.toContain('SQLite format');
  });

  it("lists every repository's runs newest first, filtered by repository, status and branch", async () => {
    await push('listed-ok', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  steps: [{ run: 'true' }]\n`) });
    await push('listed-bad', { '.paved/pipeline.yaml': pipeline(`  on: { push: {} }\n  steps: [{ run: 'exit 1' }]\n`) });
    const ok = await finished((await firstRun('listed-ok')).id);
    const bad = await finished((await firstRun('listed-bad')).id);
    const list = async (query: string) => {
      const response = await paved.call('GET', `/api/pipelines/runs?${query}`);
      expect(response.status).toBe(200);
      return response.body.items as { id: string; repository: string; status: string; branch: string; createdAt: string }[];
    };

    const all = await list('limit=200');
    expect(all.map((r) => r.id)).toEqual(expect.arrayContaining([ok.id, bad.id]));
    expect(all.map((r) => r.createdAt)).toEqual([...all.map((r) => r.createdAt)].sort().reverse());
    expect(await list('limit=1')).toHaveLength(1);

    const failed = await list('status=failed&limit=200');
    expect(failed.every((r) => r.status === 'failed')).toBe(true);
    expect(failed.map((r) => r.id)).toContain(bad.id);
    expect(failed.map((r) => r.id)).not.toContain(ok.id);

    expect((await list('repository=team-a/listed-ok')).map((r) => r.id)).toEqual([ok.id]);
    expect(await list('repository=team-a/listed-ok&status=failed')).toEqual([]);
    expect(await list('repository=team-a/listed-ok&branch=main')).toHaveLength(1);
    expect(await list('repository=team-a/listed-ok&branch=elsewhere')).toEqual([]);
    expect((await paved.call('GET', '/api/pipelines/runs?repository=listed-ok')).status).toBe(400);
  });
});

describe('pipeline schedules', () => {
  it('keeps the cron triggers of the default branch, fires each due one once, and refuses a bad cron with its line', async () => {
    const paved = await startTestPaved('sqlite', {}, { PAVED_PIPELINES_SCHEDULE_CHECK_SECONDS: '0.1' });
    try {
      const host = (await paved.app.listen({ port: 0, host: '127.0.0.1' })).replace('http://', '');
      paved.start();
      await paved.call('POST', '/api/git/repositories', { body: { namespace: 'ops', name: 'nightly' } });
      const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-nightly-'));
      await run('git', ['clone', '--quiet', `http://x:${ADMIN_TOKEN}@${host}/git/ops/nightly.git`, clone], { env: gitEnv });
      fs.mkdirSync(path.join(clone, '.paved'));
      fs.writeFileSync(path.join(clone, '.paved/pipeline.yaml'), pipeline(`  on: { schedule: [{ cron: '0 3 * * *' }] }\n  steps: [{ run: echo nightly }]\n`));
      await git(clone, 'add', '--all');
      await git(clone, 'commit', '--quiet', '-m', 'nightly');
      await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');

      const schedules = await until(async () => (await paved.call('GET', '/api/pipelines/repositories/ops/nightly/schedules')).body.items, (items) => items.length === 1);
      expect(schedules[0]).toMatchObject({ cron: '0 3 * * *', branch: 'main' });
      expect(schedules[0].nextAt).toMatch(/T03:00:00.000Z$/);
      // A push with only a schedule starts no run; the schedule does, when due.
      expect((await paved.call('GET', '/api/pipelines/repositories/ops/nightly/runs')).body.items).toEqual([]);
      await paved.database.db.updateTable('pipeline_schedules').set({ next_at: '2000-01-01T03:00:00.000Z' }).execute();
      const runs = await until(async () => (await paved.call('GET', '/api/pipelines/repositories/ops/nightly/runs')).body.items, (items) => items[0]?.status === 'succeeded');
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ event: 'schedule', branch: 'main', createdBy: 'schedule:0 3 * * *' });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect((await paved.call('GET', '/api/pipelines/repositories/ops/nightly/runs')).body.items).toHaveLength(1);
      expect((await paved.call('GET', '/api/pipelines/repositories/ops/nightly/schedules')).body.items[0].nextAt > new Date().toISOString()).toBe(true);

      const bad = await paved.call('POST', '/api/pipelines/validate', { body: pipeline(`  on:\n    schedule:\n      - cron: 'every night'\n  steps: [{ run: x }]\n`), headers: { 'content-type': 'application/yaml' } });
      expect(bad.body.problems[0]).toMatchObject({ path: 'spec.on.schedule.0.cron', line: 7 });
    } finally {
      await paved.close();
    }
  });
});
