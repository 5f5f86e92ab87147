import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { cloneNewRepository, workloadScore, workloadServer } from './support/workload.js';

/**
 * Finding 9 of issue 10: templates and expressions rendered on the server's one thread froze it.
 * Every render now runs in a worker with a deadline; pipeline conditions are parsed, not
 * templated; a workload's params are data. Each test measures /healthz on a listening server
 * while the hostile input is being handled.
 */

/** Pure CPU and no output: 10^12 iterations, far past any deadline (each range() is under its cap). */
const ENDLESS_LOOP = '{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}{% endfor %}{% endfor %}{% endfor %}';
const encode = (files: Record<string, string>) => Object.entries(files).map(([file, text]) => ({ path: file, base64Content: Buffer.from(text).toString('base64'), executable: false }));
const templateWith = (steps: unknown[], parameters: object = { properties: { name: { type: 'string' } } }) => ({
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'hostile' },
  spec: { owner: 'group:default/team-a', type: 'service', parameters, steps },
});
const pipeline = (spec: string) => `apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n${spec}`;

describe('rendering user templates off the server thread (issue 10, finding 9)', () => {
  let paved: TestPaved;
  let baseUrl: string;
  let ada: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-rendering-'));

  beforeAll(async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '10' });
    baseUrl = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
  }, 60_000);
  afterAll(async () => {
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  const post = (url: string, body: unknown) =>
    fetch(`${baseUrl}${url}`, { method: 'POST', headers: { authorization: `Bearer ${ada}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (response) => ({ status: response.status, body: (await response.json()) as any }));

  /** /healthz, one request after another, for as long as `busy` is unsettled (at least `minimumMs`): each latency in ms. */
  async function healthWhile(busy: Promise<unknown>, minimumMs = 800): Promise<number[]> {
    let settled = false;
    void busy.finally(() => (settled = true));
    const started = Date.now();
    const latencies: number[] = [];
    while (!settled || Date.now() - started < minimumMs) {
      const before = performance.now();
      const response = await fetch(`${baseUrl}/healthz`);
      await response.text();
      expect(response.status).toBe(200);
      latencies.push(performance.now() - before);
      await new Promise((resolve) => setTimeout(resolve, 25));
      if (Date.now() - started > 20_000) break;
    }
    return latencies;
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

  it('a dry-run with endless nested range() loops ends at the 2 s deadline with template.render_timeout, while /healthz answers in < 100 ms', async () => {
    // Warm the pool up so that the worker's start is not part of what is measured.
    const warm = await post('/api/scaffolder/v2/dry-run', { template: templateWith([{ id: 'warm', action: 'debug:log', input: { message: 'warm ${{ 1 + 1 }}' } }]), values: {}, directoryContents: [] });
    expect(warm.status, JSON.stringify(warm.body)).toBe(200);
    const started = performance.now();
    const dryRun = post('/api/scaffolder/v2/dry-run', { template: templateWith([{ id: 'spin', action: 'debug:log', input: { message: ENDLESS_LOOP } }]), values: {}, directoryContents: [] });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const latencies = await healthWhile(dryRun);
    const result = await dryRun;
    const elapsed = performance.now() - started;

    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('template.render_timeout');
    expect(result.body.error.message).toContain('rendering steps.spin.input took longer than 2 s');
    expect(result.body.error.details.step).toBe('spin');
    expect(elapsed).toBeGreaterThan(1_900);
    expect(elapsed).toBeLessThan(5_000);
    expect(latencies.length).toBeGreaterThanOrEqual(10);
    expect(median(latencies), `healthz latencies ${latencies.map(Math.round).join(', ')} ms`).toBeLessThan(100);
    expect(Math.max(...latencies), `healthz latencies ${latencies.map(Math.round).join(', ')} ms`).toBeLessThan(500);
  });

  it("a parameter pattern that backtracks exponentially (^(a+)+$) is checked in linear time: the dry-run answers at once and /healthz never stalls", async () => {
    const template = (pattern: string) => templateWith([{ id: 'say', action: 'debug:log', input: { message: 'hi' } }], { properties: { name: { type: 'string', pattern } } });
    // JavaScript's backtracking engine doubles its work with each a: 40 and a mismatch held the server for minutes.
    const started = performance.now();
    const dryRun = post('/api/scaffolder/v2/dry-run', { template: template('^(a+)+$'), values: { name: `${'a'.repeat(40)}!` }, directoryContents: [] });
    const latencies = await healthWhile(dryRun, 300);
    const result = await dryRun;
    expect(result.status, JSON.stringify(result.body)).toBe(400);
    expect(result.body.error.code).toBe('scaffolder.parameters_invalid');
    expect(result.body.error.message).toContain('name must match pattern');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(Math.max(...latencies), `healthz latencies ${latencies.map(Math.round).join(', ')} ms`).toBeLessThan(500);
    expect((await post('/api/scaffolder/v2/dry-run', { template: template('^(a+)+$'), values: { name: 'aaaa' }, directoryContents: [] })).status).toBe(200);

    // A pattern RE2 cannot run (look-ahead) is the template's error, a 400 that names the page.
    const lookahead = await post('/api/scaffolder/v2/dry-run', { template: template('^(?!x)'), values: { name: 'y' }, directoryContents: [] });
    expect(lookahead.status).toBe(400);
    expect(lookahead.body.error.code).toBe('scaffolder.template_invalid');
    expect(lookahead.body.error.message).toContain('spec.parameters[0] is not a valid JSON Schema');
  });

  it('a template file that never ends rendering fails with the deadline too, and the pool serves the next dry-run at once', async () => {
    const template = templateWith([{ id: 'fetch', action: 'fetch:template', input: { url: './skeleton', values: { name: 'x' } } }]);
    const dryRun = post('/api/scaffolder/v2/dry-run', { template, values: {}, directoryContents: encode({ 'skeleton/ok.txt': '${{ values.name }}\n', 'skeleton/spin.txt': ENDLESS_LOOP }) });
    const latencies = await healthWhile(dryRun);
    const result = await dryRun;
    expect(result.body.error.code).toBe('template.render_timeout');
    expect(result.body.error.message).toContain('rendering the files of ./skeleton took longer than 2 s');
    expect(median(latencies)).toBeLessThan(100);

    const fine = await post('/api/scaffolder/v2/dry-run', { template, values: {}, directoryContents: encode({ 'skeleton/ok.txt': 'hello ${{ values.name }}\n' }) });
    expect(fine.status).toBe(200);
    expect(Buffer.from(fine.body.directoryContents[0].base64Content, 'base64').toString()).toBe('hello x\n');
  });

  it("refuses the issue's own loop (range(100000) nested) at once: each range() is capped at 10,000 items", async () => {
    const started = performance.now();
    const loop = '{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}';
    const result = await post('/api/scaffolder/v2/dry-run', { template: templateWith([{ id: 'loop', action: 'debug:log', input: { message: loop } }]), values: {}, directoryContents: [] });
    expect(result.status).toBe(400);
    expect(result.body.error.message).toContain('range() of 100000 items is over the limit of 10000');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('a real template run (a task) fails at that step with the deadline, and /healthz keeps answering', async () => {
    const template = { ...templateWith([{ id: 'spin', action: 'debug:log', input: { message: ENDLESS_LOOP } }]), metadata: { name: 'endless' } };
    expect((await paved.call('POST', '/api/catalog/entities', { body: template })).status).toBeLessThan(300);
    const started = await post('/api/scaffolder/v2/tasks', { templateRef: 'template:default/endless', values: {} });
    expect(started.status).toBe(201);
    const read = () => paved.call('GET', `/api/scaffolder/v2/tasks/${started.body.id}`, { token: ada }).then((response) => response.body);
    const done = until(read, (task) => ['completed', 'failed'].includes(task.status), 20_000);
    const latencies = await healthWhile(done);
    const task = await done;
    expect(task.status).toBe('failed');
    expect(task.error).toMatchObject({ step: 'spin' });
    expect(task.error.message).toContain('rendering steps.spin.input took longer than 2 s');
    expect(median(latencies)).toBeLessThan(100);
  });

  it('a render whose output is over the 10 M character budget, or whose memory is over 256 MB, is refused with template.render_too_large', async () => {
    const flood = '{% for a in range(10000) %}${{ "x".repeat(2000) }}{% endfor %}';
    const result = await post('/api/scaffolder/v2/dry-run', { template: templateWith([{ id: 'flood', action: 'debug:log', input: { message: flood } }]), values: {}, directoryContents: [] });
    expect(result.status).toBe(400);
    expect(result.body.error.code).toBe('template.render_too_large');
    expect(result.body.error.message).toContain('over the budget of 10485760 characters');
    // Memory without output: a list doubled 40 times. The worker's heap limit ends it, not the server's.
    const hoard = '{% set a = [1] %}{% for i in range(40) %}{% set a = a.concat(a) %}{% endfor %}${{ a | length }}';
    const hoarded = await post('/api/scaffolder/v2/dry-run', { template: templateWith([{ id: 'hoard', action: 'debug:log', input: { message: hoard } }]), values: {}, directoryContents: [] });
    expect(hoarded.body.error.code).toBe('template.render_too_large');
    expect(hoarded.body.error.message).toContain('used more memory than a render may (256 MB)');
  });

  it("refuses the known nunjucks escapes inside the worker, as it did on the server's thread", async () => {
    const escapes = [
      "${{ ''.constructor.constructor('return process')().version }}",
      "${{ range.constructor('return process.version')() }}",
      "${{ cycler.constructor('return process.version')() }}",
      "${{ joiner.__proto__.constructor('return process.version')() }}",
      "${{ (''|attr('constructor')).constructor('return process.version')() }}",
      "{% set f = ''['constructor']['constructor'] %}${{ f('return process.version')() }}",
    ];
    for (const message of escapes) {
      const result = await post('/api/scaffolder/v2/dry-run', { template: templateWith([{ id: 'probe', action: 'debug:log', input: { message } }]), values: {}, directoryContents: [] });
      expect(JSON.stringify(result.body), message).not.toContain(process.version);
      expect([200, 400], message).toContain(result.status);
    }
  });

  it('refuses a %} injection in a pipeline if: when the file is validated, with its line and column, and a push of it fails its run with that problem', async () => {
    const injected = pipeline(`  on: { push: {} }
  steps:
    - name: build
      run: echo built
    - name: hostile
      if: "branch == 'main' %}${ENDLESS_LOOP}{% if true"
      run: echo never
`);
    const checked = await paved.call('POST', '/api/pipelines/validate', { body: injected, token: ada });
    expect(checked.status).toBe(200);
    expect(checked.body.valid).toBe(false);
    expect(checked.body.problems).toHaveLength(1);
    expect(checked.body.problems[0]).toMatchObject({ path: 'spec.steps.1.if', line: 10 });
    expect(checked.body.problems[0].message).toContain('not a condition: unexpected "%}" at column 18');

    const repository = await cloneNewRepository(paved, { token: ada, host: new URL(baseUrl).host, work, name: 'injected' });
    const pushed = repository.push({ '.paved/pipeline.yaml': injected });
    await pushed;
    const runs = await until(async () => (await paved.call('GET', '/api/pipelines/repositories/team-a/injected/runs', { token: ada })).body.items as { id: string }[], (items) => items.length > 0);
    const done = await until(async () => (await paved.call('GET', `/api/pipelines/runs/${runs[0]!.id}`, { token: ada })).body, (run) => ['succeeded', 'failed'].includes(run.status), 30_000);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('line 10 (spec.steps.1.if): not a condition: unexpected "%}" at column 18');
  });

  it('keeps every documented condition form working, and refuses what is not one, naming the column', async () => {
    const conditions: [string, boolean][] = [
      ["${{ branch == 'main' and event != 'schedule' }}", true],
      ["branch != 'main'", true],
      ["${{ status == 'failure' }}", true],
      ["(branch == 'main' || event == \"manual\") && !failure()", true],
      ['always()', true],
      ['not success() or commit', true],
      ["branch == 'main' %}", false],
      ['process.exit()', false],
      ["branch.startsWith('m')", false],
      ["branch == 'main", false],
      ['${{ cycler() }}', false],
    ];
    for (const [condition, valid] of conditions) {
      const checked = await paved.call('POST', '/api/pipelines/validate', { body: pipeline(`  on: { push: {} }\n  steps: [{ run: echo, if: ${JSON.stringify(condition)} }]\n`), token: ada });
      expect(checked.body.valid, condition).toBe(valid);
      if (!valid) expect(checked.body.problems[0].message, condition).toMatch(/^not a condition: .* at column \d+/);
    }
  });

  it("treats a workload's resource params as data: a template in them is neither rendered nor stalls /healthz", async () => {
    const repository = await cloneNewRepository(paved, { token: ada, host: new URL(baseUrl).host, work, name: 'shop' });
    const resources = `resources:\n  data:\n    type: volume\n    params:\n      hostile: "${ENDLESS_LOOP}"\n`;
    await repository.push({ 'server.js': workloadServer(), 'score.yaml': workloadScore({ version: '1', resources }) });
    const started = await post('/api/delivery/deployments', { repository: 'team-a/shop', environment: 'dev' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const deployment = until(async () => (await paved.call('GET', `/api/delivery/deployments/${id}`)).body, (body) => ['succeeded', 'failed', 'rejected'].includes(body.status), 60_000);
    const latencies = await healthWhile(deployment, 500);
    await deployment;
    expect(median(latencies)).toBeLessThan(100);
    expect(Math.max(...latencies)).toBeLessThan(500);
    const log = ((await paved.call('GET', `/api/tasks/${id}/logs`)).body.items as { message: string }[]).map((line) => line.message).join('\n');
    expect(log).toContain('resource data: ready');
    expect(log).not.toContain('render');
  });
});
