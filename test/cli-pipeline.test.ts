import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { type TestPaved, startTestPaved } from './support/test-paved.js';
import { runPaved } from './support/run-cli.js';
import { until } from './support/until.js';

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
const git = (cwd: string, ...args: string[]) => promisify(execFile)('git', args, { cwd, env: gitEnv });


const pipeline = (spec: string) => `apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n${spec}`;

describe('paved pipeline, against a Paved running pipelines on push', () => {
  let paved: TestPaved;
  let host: string;
  let work: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    paved = await startTestPaved('sqlite');
    host = (await paved.app.listen({ port: 0, host: '127.0.0.1' })).replace('http://', '');
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    const ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 'cli', userRef: 'user:default/ada' } })).body.token as string;
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-pipeline-'));
    env = { HOME: work, PAVED_URL: `http://${host}`, PAVED_TOKEN: ada, PAVED_DATA_DIR: path.join(work, 'no-data') };
  });
  afterAll(async () => {
    await paved?.close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** Creates repository team-a/REPO as ada, commits `.paved/pipeline.yaml` and pushes it to main. */
  async function pushPipeline(repo: string, text: string): Promise<void> {
    const clone = path.join(work, repo);
    await paved.call('POST', '/api/git/repositories', { token: env.PAVED_TOKEN, body: { namespace: 'team-a', name: repo, ownerRef: 'group:default/team-a' } });
    await git(work, 'clone', '--quiet', `http://ada:${env.PAVED_TOKEN}@${host}/git/team-a/${repo}.git`, clone);
    fs.mkdirSync(path.join(clone, '.paved'));
    fs.writeFileSync(path.join(clone, '.paved/pipeline.yaml'), text);
    await git(clone, 'checkout', '--quiet', '-B', 'main');
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'pipeline');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
  }

  const firstRunId = async (repo: string) =>
    (await until(async () => (await paved.call('GET', `/api/pipelines/repositories/team-a/${repo}/runs`)).body.items as { id: string }[], (items) => items.length > 0))[0]!.id;

  it('lists the pushed run, follows its log to the end (exit 0), and prints the log so far', async () => {
    await pushPipeline('app', pipeline(`  on: { push: {} }\n  jobs:\n    build: { steps: [{ name: hello, run: 'echo hello from the pipeline' }] }\n`));
    await firstRunId('app');

    const followed = await runPaved(['pipeline', 'logs', 'team-a/app#1', '--follow'], { env: env });
    expect(followed.stderr).toBe('');
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain('[build] ▶ hello: echo hello from the pipeline\n');
    expect(followed.stdout).toContain('[build] hello from the pipeline\n');
    expect(followed.stdout).toMatch(/\nRun #1 succeeded in \d+\.\d s\n$/);

    const [table, json] = await Promise.all([runPaved(['pipeline', 'runs', 'team-a/app'], { env: env }), runPaved(['pipeline', 'runs', 'team-a/app', '--branch', 'main', '--json'], { env: env })]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^#\s+STATUS\s+BRANCH\s+COMMIT\s+EVENT\s+STARTED\s+DURATION\s+ERROR\n/);
    expect(table.stdout).toMatch(/\n1\s+succeeded\s+main\s+[0-9a-f]{12}\s+push\s+\d{4}-\d\d-\d\dT\S+Z\s+\d+\.\d s\s+-\n/);
    const { items } = JSON.parse(json.stdout);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ number: 1, status: 'succeeded', jobs: [{ job: 'build', steps: [{ name: 'hello', exitCode: 0 }] }] });

    const logs = await runPaved(['pipeline', 'logs', items[0].id], { env: env });
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe(followed.stdout.replace(/Run #1 succeeded.*\n$/, ''));
  });

  it('exits 1 on a failing run, naming the failing job and its error', async () => {
    await pushPipeline('broken', pipeline(`  on: { push: {} }\n  jobs:\n    build: { steps: [{ name: compile, run: 'echo compiling; exit 3' }] }\n    test: { needs: build, steps: [{ run: echo never }] }\n`));
    const id = await firstRunId('broken');
    const followed = await runPaved(['pipeline', 'logs', id, '--follow'], { env: env });
    expect(followed.code).toBe(1);
    expect(followed.stdout).toContain('[build] compiling\n');
    expect(followed.stdout).not.toContain('never');
    expect(followed.stderr).toBe('error: Run #1 failed at job build: compile failed with exit code 3\n');
  });

  it('starts a manual run with run --ref main and streams it to the end; --no-follow prints the run and returns', async () => {
    await pushPipeline('manual', pipeline(`  on: { manual: {} }\n  steps: [{ name: greet, run: 'echo "manual run on $CI_BRANCH"' }]\n`));
    const started = await runPaved(['pipeline', 'run', 'team-a/manual', '--ref', 'main'], { env: env });
    expect(started.stderr).toMatch(/^Started run #1 of team-a\/manual on main \(\S+\)\.\n$/);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('[main] manual run on main\n');
    expect(started.stdout).toMatch(/Run #1 succeeded in \d+\.\d s\n$/);

    const quick = await runPaved(['pipeline', 'run', 'team-a/manual', '--no-follow', '--json'], { env: env });
    expect(quick.code).toBe(0);
    expect(JSON.parse(quick.stdout)).toMatchObject({ number: 2, branch: 'main', event: 'manual' });
    const id = JSON.parse(quick.stdout).id as string;
    await until(async () => (await paved.call('GET', `/api/pipelines/runs/${id}`)).body.status, (status) => status === 'succeeded', 20_000);

    // app's pipeline has no manual trigger: the server refuses, exit 1.
    const refused = await runPaved(['pipeline', 'run', 'team-a/app'], { env: env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[pipelines.not_manual]');
  });

  it('refuses a REPO or RUN of the wrong form with exit 2, before any request', async () => {
    const results = await Promise.all([
      runPaved(['pipeline', 'runs', 'app'], { env: env }),
      runPaved(['pipeline', 'run', 'team-a/app/extra'], { env: env }),
      runPaved(['pipeline', 'logs', 'team-a/app'], { env: env }),
      runPaved(['pipeline', 'runs', 'team-a/app', '--limit', '0'], { env: env }),
    ]);
    for (const result of results) expect(result.code).toBe(2);
    expect(results[0]!.stderr).toContain('"app" is not a repository');
    expect(results[2]!.stderr).toContain('"team-a/app" is not a run');
  });
});

describe('paved pipeline validate, with no server', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-pipeline-validate-'));
  // Nothing listens there, and there is no token: validate needs neither.
  const env = { HOME: dir, PAVED_URL: 'http://127.0.0.1:9', PAVED_DATA_DIR: path.join(dir, 'no-data') };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prints the jobs of a valid file in the order they run (exit 0); exit 2 when the file cannot be read', async () => {
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, pipeline(`  on: { push: {} }\n  jobs:\n    test: { needs: build, steps: [{ run: npm test }] }\n    build: { steps: [{ run: npm ci }] }\n`));
    const [text, json, missing] = await Promise.all([
      runPaved(['pipeline', 'validate', good], { env: env }),
      runPaved(['pipeline', 'validate', good, '--json'], { env: env }),
      runPaved(['pipeline', 'validate', path.join(dir, 'missing.yaml')], { env: env }),
    ]);
    expect(text).toEqual({ code: 0, stdout: `${good}: valid (jobs: build, test)\n`, stderr: '' });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ file: good, valid: true, problems: [], jobs: ['build', 'test'] });
    expect(missing).toEqual({ code: 2, stdout: '', stderr: `error: Cannot read ${path.join(dir, 'missing.yaml')}: no such file\n` });
  });

  it('prints each problem as FILE:LINE: path: message; exit 1', async () => {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, pipeline(`  on: { push: {} }\n  jobs:\n    build:\n      steps:\n        - name: a\n          runn: echo typo\n    test: { needs: [lint], steps: [{ run: x }] }\n`));
    const run = await runPaved(['pipeline', 'validate', bad], { env: env });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${bad}:9: spec.jobs.build.steps.0: Unrecognized key: "runn"\n`);

    fs.writeFileSync(bad, pipeline(`  on: { push: {} }\n  jobs:\n    test: { needs: [lint], steps: [{ run: x }] }\n`));
    const graph = await runPaved(['pipeline', 'validate', bad, '--json'], { env: env });
    expect(graph.code).toBe(1);
    expect(JSON.parse(graph.stdout)).toEqual({ file: bad, valid: false, jobs: [], problems: [{ message: 'job test needs lint, which is not a job of this pipeline', path: 'spec.jobs.test.needs', line: 7 }] });

    fs.writeFileSync(bad, 'spec: [unclosed\n');
    const yaml = await runPaved(['pipeline', 'validate', bad], { env: env });
    expect(yaml.code).toBe(1);
    expect(yaml.stdout).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: \\S`));
  });
});
