// Each golden path, run through the real product: Paved starts with PAVED_GOLDEN_PATHS, which
// registers golden-paths/catalog-info.yaml; a user runs the template through the scaffolder API;
// the task publishes the repository to Paved's git and registers its Component; the test clones
// the repository with git and runs its own pipeline, which must build and test it. The dry-run
// API must render the same files without publishing or registering anything.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DialectName } from '../src/db/create-database.js';
import { validateEntity } from '../src/catalog/model/validate-entity.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { viaRouter } from './support/via-router.js';

const run = promisify(execFile);

const GOLDEN_PATHS_DIR = path.resolve(import.meta.dirname, '../golden-paths');
const SCORE_SCHEMA = path.resolve(import.meta.dirname, '../../shared/fixtures/score-spec/spec/score-v1b1.json');

interface GoldenPathCase {
  name: string;
  componentType: string;
  /** What the caller sends. An API caller gets no form defaults, so `port` is given. */
  values: Record<string, unknown>;
  port: number;
  /** The pipeline's steps, pinned here so that a pipeline cannot pass by running nothing. */
  pipeline: string[];
  /** Where the full run goes: every dialect for one golden path, SQLite for the others. */
  dialects: readonly DialectName[];
}

const cases: GoldenPathCase[] = [
  {
    name: 'node-service',
    componentType: 'service',
    values: { name: 'orders-api', description: 'Takes "orders": fast & safe.', owner: 'group:default/platform-team', system: 'commerce', port: 8080 },
    port: 8080,
    pipeline: ['npm ci', 'npm test'],
    dialects: DIALECTS,
  },
  {
    name: 'python-service',
    componentType: 'service',
    values: { name: 'price-quotes', description: "Quotes prices, in everyone's currency.", owner: 'group:default/platform-team', port: 8000 },
    port: 8000,
    pipeline: ['python3 -m compileall -q app', 'python3 -m unittest discover -s tests'],
    dialects: ['sqlite'],
  },
  {
    name: 'docs-site',
    componentType: 'documentation',
    values: { name: 'platform-handbook', description: 'How we run the platform: <on-call> & releases.', owner: 'group:default/platform-team', system: 'paved' },
    port: 8080,
    pipeline: ['npm run build', 'npm test'],
    dialects: ['sqlite'],
  },
];

const people = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: platform-team }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { memberOf: [platform-team] }
`;

interface FileEntry {
  path: string;
  base64Content: string;
  executable: boolean;
}

/** Every file under `root` (but `.git/`), sorted, the way the dry-run API carries files. */
async function directoryContents(root: string): Promise<FileEntry[]> {
  const entries: FileEntry[] = [];
  for (const file of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    const absolute = path.join(file.parentPath, file.name);
    const relative = path.relative(root, absolute).split(path.sep).join('/');
    if (relative.startsWith('.git/')) continue;
    const [content, info] = await Promise.all([readFile(absolute), stat(absolute)]);
    entries.push({ path: relative, base64Content: content.toString('base64'), executable: (info.mode & 0o111) !== 0 });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Files by path, as text (with `+x` after executable ones' paths), for readable comparisons. */
function byPath(entries: FileEntry[]): Record<string, string> {
  return Object.fromEntries(entries.map((entry) => [`${entry.path}${entry.executable ? ' +x' : ''}`, Buffer.from(entry.base64Content, 'base64').toString('utf8')]));
}

async function readYaml(file: string): Promise<Record<string, any>> {
  return parse(await readFile(file, 'utf8')) as Record<string, any>;
}

// The generated repository runs its own npm and git, not inside this test run's `npm test`.
const childEnv = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_'))), GIT_TERMINAL_PROMPT: '0' };

describe.each(DIALECTS)('the golden paths on %s', (dialect) => {
  let paved: TestPaved;
  let base: string;
  let ada: string;
  let work: string;

  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, { PAVED_GOLDEN_PATHS: 'true' });
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    work = await mkdtemp(path.join(os.tmpdir(), 'paved-golden-paths-'));
    const added = await paved.call('POST', '/api/catalog/entities', { body: people });
    expect(added.status, JSON.stringify(added.body)).toBeLessThan(300);
    const token = await paved.call('POST', '/api/access/tokens', { body: { name: 'golden-paths', userRef: 'user:default/ada' } });
    expect(token.status, JSON.stringify(token.body)).toBeLessThan(300);
    ada = token.body.token;
  });

  afterAll(async () => {
    await paved?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('registers the three templates from golden-paths/catalog-info.yaml at start', async () => {
    const location = await readYaml(path.join(GOLDEN_PATHS_DIR, 'catalog-info.yaml'));
    expect(location.kind).toBe('Location');
    expect(location.spec.targets).toEqual(cases.map((goldenPath) => `./${goldenPath.name}/template.yaml`));
    for (const goldenPath of cases) {
      const template = await paved.call('GET', `/api/catalog/entities/by-name/template/default/${goldenPath.name}`, { token: ada });
      expect(template.status, `${goldenPath.name}: ${JSON.stringify(template.body)}`).toBe(200);
      expect(template.body.kind).toBe('Template');
    }
  });

  describe.each(cases.filter((goldenPath) => goldenPath.dialects.includes(dialect)))('$name', (goldenPath) => {
    const name = goldenPath.values.name as string;
    let clone: string;
    /** The clone's files as pushed, before its pipeline adds build output. */
    let pushed: Record<string, string> | undefined;

    it('runs as a user: publishes the repository to Paved git and registers its Component with the chosen owner', async () => {
      const started = await paved.call('POST', '/api/scaffolder/v2/tasks', {
        token: ada,
        body: { templateRef: `template:default/${goldenPath.name}`, values: goldenPath.values },
      });
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const task = await until(
        async () => (await paved.call('GET', `/api/scaffolder/v2/tasks/${started.body.id}`, { token: ada })).body,
        (body) => ['completed', 'failed', 'cancelled'].includes(body.status),
      );
      expect(task.error).toBeUndefined();
      expect(task.status).toBe('completed');
      expect(task.createdBy).toBe('user:default/ada');

      const [repository, catalog] = task.output.links;
      expect(repository.title).toBe('Repository');
      const cloneUrl = new URL(repository.url);
      expect(cloneUrl.pathname).toBe(`/git/default/${name}.git`);
      expect(cloneUrl.port).toBe(new URL(base).port);
      expect(catalog).toMatchObject({ title: 'Open in catalog', entityRef: `component:default/${name}` });

      const component = await paved.call('GET', `/api/catalog/entities/by-name/component/default/${name}`, { token: ada });
      expect(component.status, JSON.stringify(component.body)).toBe(200);
      expect(component.body).toMatchObject({
        kind: 'Component',
        metadata: { name, description: goldenPath.values.description },
        spec: { type: goldenPath.componentType, lifecycle: 'experimental', owner: goldenPath.values.owner },
      });
      expect(component.body.spec.system).toBe(goldenPath.values.system);
      expect(component.body.metadata.annotations['paved.dev/git-repository']).toBe(`default/${name}`);

      // The push of the new repository started its own pipeline, which the entity's annotation leads to.
      const status = await until(
        async () => (await paved.call('GET', `/api/pipelines/repositories/default/${name}/status`, { token: ada })).body,
        (body) => ['succeeded', 'failed'].includes(body.branches?.main?.status),
        60_000,
      );
      expect(status.branches.main, JSON.stringify(status)).toMatchObject({ status: 'succeeded', event: 'push' });

      // Its last step deployed it to dev, where Paved's router serves it.
      const [deployed] = (await paved.call('GET', `/api/delivery/workloads?component=component:default/${name}`, { token: ada })).body.items;
      expect(deployed, 'the pipeline deployed the new service to dev').toMatchObject({ environment: 'dev', workload: name, instance: { health: 'ready' } });
      expect((await viaRouter(Number(new URL(base).port), `${name}.dev.localhost`)).status).toBe(200);

      clone = path.join(work, name);
      await run('git', ['clone', '--quiet', `http://ada:${ada}@${new URL(base).host}${cloneUrl.pathname}`, clone], { env: childEnv });
      pushed = byPath(await directoryContents(clone));
    });

    it('clones to a repository whose own pipeline builds and tests it', async () => {
      expect(clone, 'the run above cloned the repository').toBeDefined();
      const pipeline = await readYaml(path.join(clone, '.paved/pipeline.yaml'));
      expect(pipeline).toMatchObject({ apiVersion: 'paved.dev/v1', kind: 'Pipeline', metadata: { name } });
      expect(pipeline.spec.on).toEqual({ push: { branches: ['main'] } });
      const steps = pipeline.spec.steps as { name: string; run?: string }[];
      expect(steps).toEqual([
        { name: 'build', run: goldenPath.pipeline[0] },
        { name: 'test', run: goldenPath.pipeline[1] },
        { name: 'deploy', deploy: { environment: 'dev' } },
      ]);
      for (const step of steps.filter((candidate): candidate is { name: string; run: string } => candidate.run !== undefined)) {
        const result = spawnSync('sh', ['-c', step.run], { cwd: clone, encoding: 'utf8', env: childEnv, timeout: 20_000 });
        expect(result.status, `${step.run} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
      }
    });

    it('clones to a valid catalog-info.yaml Component and a valid Score workload serving its port', async () => {
      expect(clone, 'the run above cloned the repository').toBeDefined();
      const descriptor = await readYaml(path.join(clone, 'catalog-info.yaml'));
      const validation = await validateEntity(descriptor);
      expect(validation.ok ? undefined : validation.problem).toBeUndefined();
      expect(descriptor).toMatchObject({ kind: 'Component', metadata: { name }, spec: { owner: goldenPath.values.owner } });

      const workload = await readYaml(path.join(clone, 'score.yaml'));
      const validateScore = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(await readFile(SCORE_SCHEMA, 'utf8')) as object);
      expect(validateScore(workload), JSON.stringify(validateScore.errors)).toBe(true);
      expect(workload).toMatchObject({
        apiVersion: 'score.dev/v1b1',
        metadata: { name },
        containers: { main: { image: '.' } },
        service: { ports: { http: { port: goldenPath.port } } },
      });
    });

    it('dry-runs from the template entity and its files: the same files, with publish and register skipped', async () => {
      const templateDir = path.join(GOLDEN_PATHS_DIR, goldenPath.name);
      const template = await readYaml(path.join(templateDir, 'template.yaml'));
      const dryRun = await paved.call('POST', '/api/scaffolder/v2/dry-run', {
        token: ada,
        body: { template, values: goldenPath.values, directoryContents: await directoryContents(templateDir) },
      });
      expect(dryRun.status, JSON.stringify(dryRun.body)).toBe(200);
      const statuses = (stepId: string) =>
        (dryRun.body.log as { body: { stepId?: string; status?: string } }[]).filter((line) => line.body.stepId === stepId && line.body.status).map((line) => line.body.status);
      expect(statuses('fetch')).toEqual(['processing', 'completed']);
      expect(statuses('publish')).toEqual(['processing', 'skipped']);
      expect(statuses('register')).toEqual(['processing', 'skipped']);

      const files = dryRun.body.directoryContents as FileEntry[];
      const skeleton = await directoryContents(path.join(templateDir, 'skeleton'));
      expect(files.map((file) => file.path)).toEqual(skeleton.map((file) => file.path));
      const text = (file: string) => Buffer.from(files.find((entry) => entry.path === file)!.base64Content, 'base64').toString('utf8');
      expect(parse(text('catalog-info.yaml'))).toMatchObject({ metadata: { name, description: goldenPath.values.description } });
      for (const file of files) expect(text(file.path), file.path).not.toContain('${{');
      // What the dry run shows is what the real run pushed.
      if (pushed) expect(byPath(files)).toEqual(pushed);
    });
  });
});

describe('the golden paths skeletons', () => {
  it('keep nunjucks comments ({# … #}) out, where they would swallow code', async () => {
    for (const goldenPath of cases) {
      const skeletonDir = path.join(GOLDEN_PATHS_DIR, goldenPath.name, 'skeleton');
      expect(existsSync(skeletonDir), skeletonDir).toBe(true);
      for (const file of await readdir(skeletonDir, { recursive: true, withFileTypes: true })) {
        if (!file.isFile()) continue;
        const content = await readFile(path.join(file.parentPath, file.name), 'utf8');
        expect(content.includes('{#'), path.join(file.parentPath, file.name)).toBe(false);
      }
    }
  });
});
