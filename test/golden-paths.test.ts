// Each golden path, rendered with sample parameters, must be a repository whose own pipeline
// builds and tests it. Until the scaffolder lands, renderTemplate() and renderSkeleton() below
// render the way fetch:template does (nunjucks with `${{ }}` variables); once it does, they
// should give way to POST /api/scaffolder/v2/dry-run, so the templates are checked through the
// code that runs them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import nunjucks from 'nunjucks';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateEntity } from '../src/catalog/model/validate-entity.js';

const GOLDEN_PATHS_DIR = path.resolve(import.meta.dirname, '../golden-paths');
const SCORE_SCHEMA = path.resolve(import.meta.dirname, '../../shared/fixtures/score-spec/spec/score-v1b1.json');

interface GoldenPathCase {
  name: string;
  componentType: string;
  /** What the form sends; the parameters' own defaults (such as `port`) are filled in. */
  parameters: Record<string, unknown>;
  port: number;
  /** The pipeline's steps, pinned here so that a pipeline cannot pass by running nothing. */
  pipeline: string[];
}

const cases: GoldenPathCase[] = [
  {
    name: 'node-service',
    componentType: 'service',
    parameters: { name: 'orders-api', description: 'Takes "orders": fast & safe.', owner: 'group:default/checkout-team', system: 'commerce' },
    port: 8080,
    pipeline: ['npm ci', 'npm test'],
  },
  {
    name: 'python-service',
    componentType: 'service',
    parameters: { name: 'price-quotes', description: "Quotes prices, in everyone's currency.", owner: 'user:default/ada' },
    port: 8000,
    pipeline: ['python3 -m compileall -q app', 'python3 -m unittest discover -s tests'],
  },
  {
    name: 'docs-site',
    componentType: 'documentation',
    parameters: { name: 'platform-handbook', description: 'How we run the platform: <on-call> & releases.', owner: 'group:default/platform-team', system: 'paved' },
    port: 8080,
    pipeline: ['npm run build', 'npm test'],
  },
];

type Template = {
  metadata: { name: string };
  spec: {
    parameters: { required?: string[]; properties: Record<string, { default?: unknown }> }[];
    steps: { id: string; action: string; input: Record<string, unknown> }[];
    output: { links: { title: string }[] };
  };
};

const tags = { variableStart: '${{', variableEnd: '}}' };
// Stricter than fetch:template, which renders an undefined value as nothing: here a skeleton
// naming a value its template does not pass fails. Step inputs may name absent parameters.
const environment = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: true, tags });
const expressions = new nunjucks.Environment(null, { autoescape: false, tags });

/** Renders a string the way the scaffolder renders step inputs: one whole `${{ }}` keeps its type. */
function renderInput(value: unknown, context: object): unknown {
  if (Array.isArray(value)) return value.map((item) => renderInput(item, context));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => [key, renderInput(item, context)]);
    return Object.fromEntries(entries.filter(([, item]) => item !== undefined));
  }
  if (typeof value !== 'string') return value;
  const single = /^\$\{\{(.*)\}\}$/s.exec(value.trim());
  if (!single) return expressions.renderString(value, context);
  const json = expressions.renderString(`\${{ (${single[1]}) | dump }}`, context);
  return json === '' ? undefined : (JSON.parse(json) as unknown);
}

/** The values the template's fetch:template step hands its skeleton, given the form's parameters. */
function renderTemplate(template: Template, parameters: Record<string, unknown>): Record<string, unknown> {
  const fetch = template.spec.steps.find((step) => step.action === 'fetch:template')!;
  return renderInput(fetch.input.values, { parameters }) as Record<string, unknown>;
}

/** Renders every file of a skeleton (names and contents) into a new temporary folder. */
async function renderSkeleton(skeletonDir: string, values: Record<string, unknown>): Promise<string> {
  const outputDir = await mkdtemp(path.join(os.tmpdir(), 'paved-golden-path-'));
  for (const file of await readdir(skeletonDir, { recursive: true, withFileTypes: true })) {
    if (!file.isFile()) continue;
    const relative = path.relative(skeletonDir, path.join(file.parentPath, file.name));
    const target = path.join(outputDir, environment.renderString(relative, { values }));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, environment.renderString(await readFile(path.join(skeletonDir, relative), 'utf8'), { values }));
  }
  return outputDir;
}

/** What the form would send: each page's defaults, then what the user typed. */
function formParameters(template: Template, typed: Record<string, unknown>): Record<string, unknown> {
  const defaults = template.spec.parameters.flatMap((page) =>
    Object.entries(page.properties).flatMap(([key, property]) => (property.default === undefined ? [] : [[key, property.default]])),
  );
  return { ...Object.fromEntries(defaults), ...typed };
}

async function readYaml(file: string): Promise<Record<string, any>> {
  return parse(await readFile(file, 'utf8')) as Record<string, any>;
}

// The generated repository runs its own npm, not inside this test run's `npm test`.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('npm_')));

describe.each(cases)('the $name golden path', (goldenPath) => {
  const templateFile = path.join(GOLDEN_PATHS_DIR, goldenPath.name, 'template.yaml');
  let template: Template;
  let parameters: Record<string, unknown>;
  let repoDir: string;

  beforeAll(async () => {
    template = (await readYaml(templateFile)) as Template;
    parameters = formParameters(template, goldenPath.parameters);
    repoDir = await renderSkeleton(path.join(GOLDEN_PATHS_DIR, goldenPath.name, 'skeleton'), renderTemplate(template, parameters));
  });

  afterAll(async () => {
    if (repoDir) await rm(repoDir, { recursive: true, force: true });
  });

  it('is a Template the catalog accepts, which fetches the skeleton, publishes it and registers it', async () => {
    const validation = await validateEntity(template);
    expect(validation.ok ? undefined : validation.problem).toBeUndefined();
    expect(template.metadata.name).toBe(goldenPath.name);
    expect(template.spec.steps.map((step) => [step.id, step.action])).toEqual([
      ['fetch', 'fetch:template'],
      ['publish', 'publish:git'],
      ['register', 'catalog:register'],
    ]);
    expect(template.spec.steps[0]!.input.url).toBe('./skeleton');
    expect(template.spec.output.links.map((link) => link.title)).toEqual(['Repository', 'Open in catalog']);
  });

  it('accepts the sample parameters on every page of its form', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    for (const page of template.spec.parameters) {
      expect(ajv.validate(page, parameters), ajv.errorsText()).toBe(true);
    }
  });

  it('renders a repository whose pipeline builds and tests it', async () => {
    const pipeline = await readYaml(path.join(repoDir, '.paved/pipeline.yaml'));
    expect(pipeline).toMatchObject({ apiVersion: 'paved.dev/v1', kind: 'Pipeline', metadata: { name: parameters.name } });
    expect(pipeline.spec.on).toEqual({ push: { branches: ['main'] } });
    const steps = pipeline.spec.steps as { name: string; run: string }[];
    expect(steps).toEqual([
      { name: 'build', run: goldenPath.pipeline[0] },
      { name: 'test', run: goldenPath.pipeline[1] },
    ]);
    for (const step of steps) {
      const result = spawnSync(step.run, { cwd: repoDir, shell: true, encoding: 'utf8', env: childEnv, timeout: 20_000 });
      expect(result.status, `${step.run} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
  });

  it('describes the repository to the catalog as a Component owned by the chosen owner', async () => {
    const descriptor = await readYaml(path.join(repoDir, 'catalog-info.yaml'));
    const validation = await validateEntity(descriptor);
    expect(validation.ok ? undefined : validation.problem).toBeUndefined();
    expect(descriptor).toMatchObject({
      kind: 'Component',
      metadata: { name: parameters.name, description: parameters.description },
      spec: { type: goldenPath.componentType, lifecycle: 'experimental', owner: parameters.owner },
    });
    expect(descriptor.spec.system).toBe(parameters.system);
  });

  it('describes the workload as a valid Score file serving its port', async () => {
    const workload = await readYaml(path.join(repoDir, 'score.yaml'));
    const validateScore = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(await readFile(SCORE_SCHEMA, 'utf8')) as object);
    expect(validateScore(workload), JSON.stringify(validateScore.errors)).toBe(true);
    expect(workload).toMatchObject({
      apiVersion: 'score.dev/v1b1',
      metadata: { name: parameters.name },
      containers: { main: { image: '.' } },
      service: { ports: { http: { port: goldenPath.port } } },
    });
  });
});

describe('the golden paths Location', () => {
  it('registers all three templates', async () => {
    const location = await readYaml(path.join(GOLDEN_PATHS_DIR, 'catalog-info.yaml'));
    const validation = await validateEntity(location);
    expect(validation.ok ? undefined : validation.problem).toBeUndefined();
    expect(location.kind).toBe('Location');
    expect(location.spec.targets).toEqual(cases.map((goldenPath) => `./${goldenPath.name}/template.yaml`));
    for (const target of location.spec.targets as string[]) {
      expect(existsSync(path.join(GOLDEN_PATHS_DIR, target)), target).toBe(true);
    }
  });

  it('keeps nunjucks comments ({# … #}) out of the skeletons, where they would swallow code', async () => {
    for (const goldenPath of cases) {
      const skeletonDir = path.join(GOLDEN_PATHS_DIR, goldenPath.name, 'skeleton');
      for (const file of await readdir(skeletonDir, { recursive: true, withFileTypes: true })) {
        if (!file.isFile()) continue;
        const content = await readFile(path.join(file.parentPath, file.name), 'utf8');
        expect(content.includes('{#'), path.join(file.parentPath, file.name)).toBe(false);
      }
    }
  });
});
