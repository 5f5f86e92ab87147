/**
 * The rendering benchmark: what moving template rendering off the server's thread costs.
 * The node-service golden path is dry-run (every step as /dry-run runs it: its inputs, then the
 * whole skeleton in one task, then the output) in this process, once with rendering on this
 * thread as before the worker pool ("inline"), once through the pool ("pool"), alternating, and
 * the hop of one `${{ }}` expression alone.
 *
 *   npx tsx bench/rendering.ts [--runs 200] [--warmup 20]
 *
 * The inline renderer calls the worker's own handler on this thread, so both sides render with
 * the same code and the same compiled-template cache; only the hop differs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { DEFAULT_RENDER_LIMITS, RenderError, type TemplateRenderer, createTemplateRenderer } from '../src/expressions/index.js';
import type { RenderResponse } from '../src/expressions/render-protocol.js';
import renderInWorker from '../src/expressions/render-worker.js';
import { builtinActions } from '../src/scaffolder/actions/builtin-actions.js';
import type { ActionServices } from '../src/scaffolder/actions/action.js';
import { StepRunner, type TemplateRun } from '../src/scaffolder/run-steps.js';
import { parseTemplateSpec } from '../src/scaffolder/template.js';
import { MemoryWorkspace } from '../src/scaffolder/workspace/memory-workspace.js';
import { diskTemplateFiles } from '../src/scaffolder/workspace/template-files.js';
import { percentile, round } from './latency.js';
import { REPO_ROOT } from './server-process.js';

const { values: options } = parseArgs({ options: { runs: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' } } });
const RUNS = Number(options.runs);
const WARMUP = Number(options.warmup);
const TEMPLATE_DIR = path.join(REPO_ROOT, 'golden-paths', 'node-service');

/** Rendering on the calling thread, as Paved did before the pool: no hop, no deadline. */
function inlineRenderer(): TemplateRenderer {
  const render = (request: Parameters<typeof renderInWorker>[0]['request']): RenderResponse => {
    const { port1, port2 } = new MessageChannel();
    const response = renderInWorker({ request, started: port2, maxOutputChars: DEFAULT_RENDER_LIMITS.maxOutputChars });
    port1.close();
    if (!response.ok) throw new RenderError(response.failure);
    return response;
  };
  return {
    renderValues: async (items, context) => (render({ kind: 'values', items: [...items], context }) as Extract<RenderResponse, { values: unknown }>).values,
    renderFiles: async (files, context, { cookiecutterCompat }) => (render({ kind: 'files', files: [...files], context, cookiecutterCompat }) as Extract<RenderResponse, { files: unknown }>).files,
    close: async () => undefined,
  };
}

function runnerWith(renderer: TemplateRenderer): StepRunner {
  const services = { renderer, baseUrl: () => 'http://localhost:7007', integrations: {} } as unknown as ActionServices;
  return new StepRunner(new Map(builtinActions.map((action) => [action.id, action])), services);
}

const entity = parse(fs.readFileSync(path.join(TEMPLATE_DIR, 'template.yaml'), 'utf8'));
const spec = parseTemplateSpec(entity);
const templateFiles = diskTemplateFiles({ directory: TEMPLATE_DIR, allowedRoots: [path.join(REPO_ROOT, 'golden-paths')] });

/** One dry-run of node-service, the way ScaffolderService.dryRun drives the runner. */
async function dryRun(runner: StepRunner, i: number): Promise<number> {
  const started = performance.now();
  const workspace = new MemoryWorkspace({ maxBytes: 50 * 1024 * 1024, maxFiles: 5_000 });
  const outputs: Record<string, unknown> = {};
  const run: TemplateRun = {
    taskId: 'dry-run',
    template: { ref: 'template:default/node-service', spec },
    values: { name: `bench-service-${i}`, description: 'A service to measure', owner: 'group:default/platform-team', port: 8080 },
    principal: { userRef: 'user:default/bench', isAdmin: false, ownershipRefs: ['user:default/bench', 'group:default/platform-team'] },
    secrets: {},
    workspace,
    templateFiles,
    isDryRun: true,
    signal: AbortSignal.timeout(60_000),
    outputs,
    log: async () => undefined,
  };
  for (const step of spec.steps) outputs[step.id] = (await runner.runStep(step, run)).output;
  await runner.renderOutput(run);
  const files = await workspace.serialize();
  const ms = performance.now() - started;
  const catalogInfo = files.find((file) => file.path === 'catalog-info.yaml');
  if (!catalogInfo || !Buffer.from(catalogInfo.base64Content, 'base64').toString().includes(`bench-service-${i}`)) throw new Error('the dry-run did not render catalog-info.yaml');
  return ms;
}

const summarize = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { n: ms.length, p50: round(percentile(sorted, 50), 2), p95: round(percentile(sorted, 95), 2), max: round(sorted.at(-1)!, 2) };
};

async function main() {
  const pool = createTemplateRenderer();
  const runners = { inline: runnerWith(inlineRenderer()), pool: runnerWith(pool) };
  const times: Record<'inline' | 'pool', number[]> = { inline: [], pool: [] };
  for (let i = 0; i < WARMUP + RUNS; i++) {
    for (const side of ['inline', 'pool'] as const) {
      const ms = await dryRun(runners[side], i);
      if (i >= WARMUP) times[side].push(ms);
    }
  }
  const hop: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const started = performance.now();
    await pool.renderValues([{ value: '${{ parameters.name | upper }}' }], { parameters: { name: `n${i}` } }, 'bench');
    if (i >= WARMUP) hop.push(performance.now() - started);
  }
  await pool.close();
  const files = (await templateFiles.list(await templateFiles.resolve('./skeleton'))).length;
  const result = {
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    template: 'node-service',
    skeletonFiles: files,
    dryRun: { inline: summarize(times.inline), pool: summarize(times.pool) },
    oneExpressionHop: summarize(hop),
  };
  console.log(JSON.stringify(result, null, 2));
  const d = result.dryRun;
  console.log(`\n| node-service dry-run (${files} files), ${RUNS} runs | p50 | p95 |\n| --- | --- | --- |`);
  console.log(`| rendering on the server thread (before) | ${d.inline.p50} ms | ${d.inline.p95} ms |`);
  console.log(`| rendering in the worker pool (after) | ${d.pool.p50} ms | ${d.pool.p95} ms |`);
  console.log(`| one \`\${{ }}\` expression through the pool | ${result.oneExpressionHop.p50} ms | ${result.oneExpressionHop.p95} ms |`);
  fs.mkdirSync(path.join(REPO_ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(REPO_ROOT, 'bench', 'results', 'rendering.json'), `${JSON.stringify(result, null, 2)}\n`);
}

await main();
