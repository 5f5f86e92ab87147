/**
 * The scaffolder benchmark, against the built server on 127.0.0.1:
 * 1. the Node.js golden path end to end (fetch:template → publish:git → catalog:register), from
 *    the POST to the `completion` event of the run's eventstream, with the time of each part;
 * 2. `/dry-run` of a generated template whose skeleton holds 50 source files and a catalog-info.yaml;
 * 3. clone of a freshly generated repository through /git, and a push of one commit back.
 *
 *   npx tsx bench/scaffolder.ts [sqlite|postgres] [--runs 30] [--dry-runs 50] [--skip-build]
 *
 * Without a dialect it measures SQLite, then PostgreSQL if 127.0.0.1:5432 answers (schema
 * bench_scaffolder_<time>, created fresh and dropped at the end). Builds dist/ first when src/ is
 * newer (--skip-build: dist/ as it is). Exits non-zero when a run fails or produces the wrong
 * files; missed speed targets are only printed.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createHttpClient, type HttpClient } from './http-client.js';
import { percentile, round } from './latency.js';
import { POSTGRES_URL, dropSchema, gitState, postgresReachable } from './postgres-and-git.js';
import { freePort, REPO_ROOT, startServer, waitHealthy } from './server-process.js';

type Db = 'sqlite' | 'postgres';
const TARGETS = { goldenPathP50Ms: 500, dryRunP50Ms: 40 };
const WARMUPS = { goldenPath: 3, dryRun: 5 };
const GIT_RUNS = 5;
const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '30' }, 'dry-runs': { type: 'string', default: '50' }, 'skip-build': { type: 'boolean', default: false } },
});
const summarize = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { n: ms.length, p50: round(percentile(sorted, 50), 1), p90: round(percentile(sorted, 90), 1), max: round(sorted.at(-1) ?? Number.NaN, 1) };
};
const json = (body: string) => JSON.parse(body) as any;
const base64 = (text: string) => Buffer.from(text).toString('base64');

/** Opens the run's eventstream and resolves, with the clock reading, on its `completion` event. */
function completion(baseUrl: string, token: string, id: string): Promise<{ at: number; body: any }> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    const request = http.get(`${baseUrl}/api/scaffolder/v2/tasks/${id}/eventstream`, { headers, agent: false }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        const event = /event: completion\ndata: (.*)\n\n/.exec(buffer);
        if (!event) return;
        const at = performance.now();
        request.destroy();
        resolve({ at, body: json(event[1]!).body });
      });
      response.on('end', () => reject(new Error(`eventstream of ${id} ended without a completion event (HTTP ${response.statusCode}): ${buffer.slice(-300)}`)));
    });
    request.on('error', reject);
  });
}

/** One golden-path run: total as a client sees it, and where the server spent the time. */
async function goldenPathRun(client: HttpClient, baseUrl: string, token: string, name: string) {
  const values = { name, description: `Benchmark service ${name}`, owner: 'group:default/platform-team', port: 8080 };
  const started = performance.now();
  const posted = await client.post('/api/scaffolder/v2/tasks', { templateRef: 'template:default/node-service', values });
  if (posted.status !== 201) throw new Error(`POST /v2/tasks for ${name}: HTTP ${posted.status} ${posted.body.slice(0, 500)}`);
  const { id } = json(posted.body);
  const done = await completion(baseUrl, token, id);
  if (done.body.status !== 'completed') throw new Error(`run ${name} ended ${done.body.status}: ${JSON.stringify(done.body.error ?? done.body)}`);
  const task = json((await client.get(`/api/tasks/${id}`)).body);
  const lines: { at: string; stepId: string | null; message: string }[] = json((await client.get(`/api/tasks/${id}/logs`)).body).items;
  // Where the time went: the gap before each log line (its message with the name and hashes
  // masked, so runs line up), from the task's start; then the wait until the client saw the end.
  const t = (iso: string) => Date.parse(iso);
  const parts: Record<string, number> = { 'queued (created → started)': t(task.startedAt) - t(task.createdAt) };
  let previous = t(task.startedAt);
  for (const line of lines) {
    const label = `${line.stepId ?? 'task'}: ${line.message.replaceAll(name, '<name>').replace(/\b[0-9a-f]{7,40}\b/g, '<sha>').replace(/https?:\/\/\S+/g, '<url>').replace(/, owned by .*/, '')}`;
    parts[label] = (parts[label] ?? 0) + t(line.at) - previous;
    previous = t(line.at);
  }
  parts['last line → finished'] = t(task.finishedAt) - previous;
  parts['client: POST, and finished → completion event'] = done.at - started - (t(task.finishedAt) - t(task.createdAt));
  return { ms: done.at - started, serverMs: t(task.finishedAt) - t(task.createdAt), parts };
}

/** A template with 50 source files of 1–4 KB and a catalog-info.yaml, as /dry-run carries it. */
function fiftyFileTemplate() {
  const [name, owner] = ['${{ values.name }}', '${{ values.owner }}'];
  const template = {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: { name: 'bench-fifty-files', title: 'Benchmark: 50 files' },
    spec: {
      owner: 'group:default/platform-team', type: 'service',
      parameters: [{ required: ['name', 'owner'], properties: { name: { type: 'string' }, owner: { type: 'string' } } }],
      steps: [{ id: 'fetch', name: 'Render', action: 'fetch:template', input: { url: './skeleton', values: { name: '${{ parameters.name }}', owner: '${{ parameters.owner }}' } } }],
      output: { text: [{ title: 'Name', content: '${{ parameters.name }}' }] },
    },
  };
  const directoryContents = [];
  for (let i = 0; i < 50; i++) {
    const lines = [`// ${name}: module ${i}, owned by ${owner}`, `import { logger } from '../lib/logger.js';`, ''];
    for (let f = 0; lines.join('\n').length < 1024 + ((i * 61) % 3072); f++) {
      lines.push(
        `/** Handles request kind ${f} of ${name}. */`,
        `export async function handle${i}_${f}(request, response) {`,
        `  const started = Date.now();`,
        `  if (request.headers['x-service'] !== '${name}') return response.status(400).json({ error: 'wrong service' });`,
        `  const items = (request.body?.items ?? []).filter((item) => item.id !== undefined).map((item) => ({ ...item, seen: true }));`,
        `  logger.info({ handler: 'handle${i}_${f}', count: items.length, ms: Date.now() - started });`,
        `  return response.json({ items });`,
        `}`,
        '',
      );
    }
    directoryContents.push({ path: `skeleton/${i % 5 === 0 ? 'test' : 'src'}/module-${i}.js`, base64Content: base64(lines.join('\n')), executable: false });
  }
  const catalogInfo = `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: ${owner}\n`;
  directoryContents.push({ path: 'skeleton/catalog-info.yaml', base64Content: base64(catalogInfo), executable: false });
  return { template, values: { name: 'bench-dry-run', owner: 'group:default/platform-team' }, directoryContents };
}

async function gitRoundTrip(baseUrl: string, token: string, name: string, work: string) {
  const dir = path.join(work, name);
  let started = performance.now();
  await git(work, 'clone', '--quiet', `http://x:${token}@${new URL(baseUrl).host}/git/default/${name}.git`, dir);
  const cloneMs = performance.now() - started;
  if (!fs.readFileSync(path.join(dir, 'package.json'), 'utf8').includes(name)) throw new Error(`the clone of ${name} has no rendered package.json`);
  fs.appendFileSync(path.join(dir, 'README.md'), '\nChanged by the benchmark.\n');
  await git(dir, 'commit', '--quiet', '-am', 'Benchmark change');
  started = performance.now();
  await git(dir, 'push', '--quiet', 'origin', 'HEAD');
  return { cloneMs, pushMs: performance.now() - started };
}

async function measureGoldenPath(client: HttpClient, baseUrl: string, token: string, db: Db, runs: number) {
  const names = Array.from({ length: WARMUPS.goldenPath + runs }, (_, i) => `bench-svc-${db}-${i}`);
  const measured: Awaited<ReturnType<typeof goldenPathRun>>[] = [];
  for (const [i, name] of names.entries()) {
    const one = await goldenPathRun(client, baseUrl, token, name);
    if (i >= WARMUPS.goldenPath) measured.push(one);
  }
  const registered = await client.get(`/api/catalog/entities/by-name/component/default/${names.at(-1)}`);
  if (registered.status !== 200) throw new Error(`component:default/${names.at(-1)} is not in the catalog after its run (HTTP ${registered.status})`);
  const summary = {
    template: 'template:default/node-service',
    observedVia: 'the completion event of GET /api/scaffolder/v2/tasks/:id/eventstream, opened when the POST returned',
    warmups: WARMUPS.goldenPath,
    ...summarize(measured.map((m) => m.ms)),
    serverCreatedToFinished: summarize(measured.map((m) => m.serverMs)),
    /** Runs whose completion event came more than 100 ms after the task finished (a missed wake-up or a poll). */
    lateCompletionEvents: measured.filter((m) => m.ms - m.serverMs > 100).length,
    runsMs: measured.map((m) => round(m.ms, 1)),
    runsServerMs: measured.map((m) => m.serverMs),
    partMediansMs: Object.fromEntries(Object.keys(measured[0]!.parts).map((part) => [part, summarize(measured.map((m) => m.parts[part] ?? Number.NaN)).p50])),
  };
  return { summary, names: names.slice(WARMUPS.goldenPath) };
}

/**
 * Dry-runs of the 50-file template, each with another name. The server caches compiled file
 * templates by their text, so only the very first dry-run compiles the 51 files (`firstRunMs`,
 * cold); the warm-ups and the measured runs reuse them.
 */
async function measureDryRun(client: HttpClient, runs: number) {
  const dry = fiftyFileTemplate();
  const ms: number[] = [];
  let firstRunMs = Number.NaN;
  for (let i = 0; i < WARMUPS.dryRun + runs; i++) {
    const answer = await client.post('/api/scaffolder/v2/dry-run', { ...dry, values: { ...dry.values, name: `bench-dry-run-${i}` } });
    if (answer.status !== 200) throw new Error(`dry-run: HTTP ${answer.status} ${answer.body.slice(0, 500)}`);
    const files: { path: string; base64Content: string }[] = json(answer.body).directoryContents;
    const module1 = Buffer.from(files.find((file) => file.path === 'src/module-1.js')?.base64Content ?? '', 'base64').toString();
    if (files.length !== 51 || !module1.includes(`bench-dry-run-${i}`) || module1.includes('${{')) {
      throw new Error(`dry-run returned ${files.length} files, module-1.js starting ${JSON.stringify(module1.slice(0, 120))}`);
    }
    if (i === 0) firstRunMs = answer.ms;
    if (i >= WARMUPS.dryRun) ms.push(answer.ms);
  }
  const skeletonKb = dry.directoryContents.reduce((sum, file) => sum + Buffer.from(file.base64Content, 'base64').length, 0) / 1024;
  return { files: dry.directoryContents.length, skeletonKb: round(skeletonKb, 1), firstRunMs: round(firstRunMs, 1), warmups: WARMUPS.dryRun, ...summarize(ms) };
}

async function benchmark(db: Db) {
  const token = randomBytes(24).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `paved-scaffolder-bench-${db}-`));
  const logFile = path.join(REPO_ROOT, 'bench', '.data', `scaffolder-${db}.log`);
  const schema = `bench_scaffolder_${Date.now().toString(36)}`;
  const env: Record<string, string> = { PORT: String(await freePort()), HOST: '127.0.0.1', PAVED_DATA_DIR: dataDir, PAVED_ADMIN_TOKEN: token, PAVED_DEMO: 'false', PAVED_LOG_LEVEL: 'warn', PAVED_CATALOG_REFRESH_SECONDS: '0' };
  if (db === 'postgres') Object.assign(env, { DATABASE_URL: POSTGRES_URL, PAVED_DATABASE_SCHEMA: schema });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, '');
  const result: Record<string, unknown> = {
    db,
    environment: { date: new Date().toISOString(), node: process.version, cpus: `${os.cpus().length} × ${os.cpus()[0]?.model}`, loadAverageAtStart: os.loadavg().map((l) => round(l)), ...gitState() },
  };
  const server = startServer(env, logFile);
  const client = createHttpClient(server.baseUrl, token);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-scaffolder-git-'));
  try {
    await waitHealthy(server, performance.now());
    for (let i = 0; (await client.get('/api/catalog/entities/by-name/template/default/node-service')).status !== 200; i++) {
      if (i > 500) throw new Error('the node-service golden path was not registered within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const goldenPath = await measureGoldenPath(client, server.baseUrl, token, db, Number(options.runs));
    result.goldenPath = goldenPath.summary;
    result.dryRun = await measureDryRun(client, Number(options['dry-runs']));
    const trips = [];
    for (const name of goldenPath.names.slice(0, GIT_RUNS)) trips.push(await gitRoundTrip(server.baseUrl, token, name, work));
    result.git = { repositories: trips.length, clone: summarize(trips.map((t) => t.cloneMs)), pushOneCommit: summarize(trips.map((t) => t.pushMs)) };
    result.loadAverageAtEnd = os.loadavg().map((l) => round(l));
    result.ok = true;
  } catch (error) {
    result.ok = false;
    result.problem = `${(error as Error).message}\n  server log ends:\n${fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n')}`;
  } finally {
    client.close();
    await server.stop();
    for (const dir of [dataDir, work]) fs.rmSync(dir, { recursive: true, force: true });
    if (db === 'postgres') await dropSchema(schema);
  }
  return result;
}

function printTable(result: any) {
  console.log(`\nScaffolder benchmark: ${result.db}, ${result.environment.cpus}, load ${result.environment.loadAverageAtStart.join(' ')}`);
  const rows: string[][] = [];
  const verdict = (value: number, target: number) => (value <= target ? 'ok' : 'MISSED');
  const g = result.goldenPath;
  if (g) {
    rows.push([`node-service golden path, POST → completion event (${g.n} runs)`, `${g.p50} / ${g.p90} / ${g.max} ms`, `p50 ≤ ${TARGETS.goldenPathP50Ms} ms`, verdict(g.p50, TARGETS.goldenPathP50Ms)]);
    const server = g.serverCreatedToFinished;
    rows.push(['  of which server-side, created → finished', `${server.p50} / ${server.p90} / ${server.max} ms`, '', '']);
    rows.push(['  runs whose completion event came > 100 ms after the finish', `${g.lateCompletionEvents} of ${g.n}`, '', '']);
  }
  const d = result.dryRun;
  if (d) {
    rows.push([`dry-run, ${d.files} files / ${d.skeletonKb} KB, repeated (${d.n} runs after ${d.warmups} warm-ups)`, `${d.p50} / ${d.p90} / ${d.max} ms`, `p50 ≤ ${TARGETS.dryRunP50Ms} ms`, verdict(d.p50, TARGETS.dryRunP50Ms)]);
    rows.push(['  the first dry-run, cold (compiling the templates)', `${d.firstRunMs} ms`, '', '']);
  }
  if (result.git) rows.push([`git clone / push of one commit, medians of ${result.git.repositories} repos`, `${result.git.clone.p50} / ${result.git.pushOneCommit.p50} ms`, '', '']);
  rows.unshift(['', 'p50 / p90 / max', 'target', '']);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(`  ${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]!.padEnd(widths[2]!)}  ${row[3]}`);
  if (g) console.log('  golden-path run, median gap before each log line (ms; under 1 ms left out):');
  for (const [part, ms] of Object.entries<number>(g?.partMediansMs ?? {})) if (ms >= 1) console.log(`    ${String(ms).padStart(6)}  ${part}`);
  if (result.problem) console.log(`  PROBLEM: ${result.problem}`);
}

// Builds dist/ when a file of src/ is newer than it (not on every run: another session may be
// starting servers from dist/ at the same time).
const built = fs.statSync(path.join(REPO_ROOT, 'dist', 'src', 'main.js'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = fs.readdirSync(path.join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
if (!options['skip-build'] && sources.some((file) => fs.statSync(path.join(REPO_ROOT, 'src', file)).mtimeMs > built)) {
  console.log('building the server (src/ is newer than dist/)');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
}
const requested = positionals[0];
if (requested !== undefined && requested !== 'sqlite' && requested !== 'postgres') throw new Error(`the dialect is sqlite or postgres, not ${requested}`);
const dbs: Db[] = requested ? [requested] : (await postgresReachable()) ? ['sqlite', 'postgres'] : ['sqlite'];
for (const db of dbs) {
  const result = await benchmark(db);
  printTable(result);
  const file = path.join(REPO_ROOT, 'bench', 'results', `scaffolder-${db}.json`);
  if (!process.env.BENCH_SERVER_ENTRY) fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.exitCode ||= result.ok ? 0 : 1;
}
