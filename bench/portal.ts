import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { type Browser, type Page, chromium } from 'playwright-core';
import { generateOrg, type GeneratedOrg } from './generate-org.js';
import { createHttpClient } from './http-client.js';
import { percentile, round } from './latency.js';
import { waitForQuiet } from './quiet-machine.js';
import { freePort, REPO_ROOT, type ServerProcess, waitHealthy } from './server-process.js';

/**
 * The portal benchmark: with 100,000 entities in the catalog (SQLite), how fast the catalog page
 * becomes usable in Chromium, and how fast the table follows what is typed in its search box.
 *
 *   npx tsx bench/portal.ts [--entities 100000] [--loads 10] [--terms 20] [--seed 42] [--skip-build] [--max-load-wait 120]
 *
 * The organization is generated as for bench/catalog.ts and ingested once into
 * bench/.data/portal-sqlite-<N>/ (reused by later runs with the same N and seed). The built server
 * is started on it, and Debian's Chromium (headless, via playwright-core) opens the portal signed
 * in through localStorage, as the sign-in page leaves it.
 *
 * Before each of the two measurements it waits up to `--max-load-wait` seconds for the 1-minute
 * load average to fall under 1 (bench/quiet-machine.ts), then measures anyway and records the load.
 *
 * 1. Catalog page interactive: from navigation start (the page's own clock) until the table
 *    captioned "Entities" shows a row of data and the "Search the catalog" box is enabled.
 *    `--loads` times in a fresh context (empty cache: a first visit) and as many reloads in one
 *    context (cached assets: a return visit). Target ≤ 1 s.
 * 2. Search: for each of `--terms` words from the generated data, the box is cleared, the word is
 *    typed (a key every 50 ms, as a quick typist), and the clock runs from the last keystroke until
 *    the table's rows stop changing (the last change of the table within 1.5 s of quiet). The rows
 *    must then show the word. Target ≤ 200 ms. Twice, with different words: on the freshly started
 *    server, then after it has answered the searches of every other word of the data (a server in
 *    use). The split of each time (keystroke → request sent → response → table) is from the page's
 *    resource timing.
 */

const TARGETS = { interactiveMs: 1000, searchMs: 200 };
const CHROMIUM_PATH = process.env.PAVED_BENCH_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
const DATA_ROOT = path.join(REPO_ROOT, 'bench', '.data');
const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');
const TYPING_DELAY_MS = 50;
const QUIET_MS = 1500;

/**
 * A copy of the build (dist/ with a package.json and links to the files Paved reads beside it) in
 * bench/.data/portal-build, which the server runs from: on a shared machine a test run rebuilding
 * dist/web mid-benchmark would otherwise answer the browser with half a portal.
 */
async function snapshotBuild(): Promise<string> {
  const snapshot = path.join(DATA_ROOT, 'portal-build');
  for (let attempt = 0; ; attempt++) {
    const ready = fs.existsSync(path.join(REPO_ROOT, 'dist/web/index.html')) && fs.existsSync(path.join(REPO_ROOT, 'dist/src/main.js'));
    if (ready) {
      fs.rmSync(snapshot, { recursive: true, force: true });
      fs.mkdirSync(snapshot, { recursive: true });
      fs.cpSync(path.join(REPO_ROOT, 'dist'), path.join(snapshot, 'dist'), { recursive: true });
      if (fs.existsSync(path.join(snapshot, 'dist/web/index.html'))) break;
    }
    if (attempt > 60) throw new Error('dist/ has no built portal (dist/web/index.html): run npm run build');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  fs.copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(snapshot, 'package.json'));
  for (const name of ['schemas', 'demo', 'golden-paths', 'provisioners']) {
    if (fs.existsSync(path.join(REPO_ROOT, name))) fs.symlinkSync(path.join(REPO_ROOT, name), path.join(snapshot, name));
  }
  return path.join(snapshot, 'dist/src/main.js');
}

/** The server from the snapshot, as server-process.ts starts the one in dist/. */
function startServer(entry: string, env: Record<string, string>, logFile: string): ServerProcess {
  const log = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [entry], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))));
  return {
    pid: child.pid!,
    baseUrl: `http://127.0.0.1:${env.PORT}`,
    exited,
    async stop(graceMs = 10_000) {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

interface Options {
  entities: number;
  loads: number;
  terms: number;
  seed: number;
  skipBuild: boolean;
  maxLoadWait: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      entities: { type: 'string', default: '100000' },
      loads: { type: 'string', default: '10' },
      terms: { type: 'string', default: '20' },
      seed: { type: 'string', default: '42' },
      'skip-build': { type: 'boolean', default: false },
      'max-load-wait': { type: 'string', default: '120' },
    },
  });
  return {
    entities: Number(values.entities),
    loads: Number(values.loads),
    terms: Number(values.terms),
    seed: Number(values.seed),
    skipBuild: values['skip-build'],
    maxLoadWait: Number(values['max-load-wait']),
  };
}

function build(): void {
  const started = performance.now();
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'error'], { cwd: REPO_ROOT, stdio: 'inherit' });
  console.log(`built the server and the portal in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function serverEnv(org: GeneratedOrg, dataDir: string, port: number, token: string): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    PAVED_DATA_DIR: dataDir,
    PAVED_ADMIN_TOKEN: token,
    PAVED_CATALOG_FILE_ROOTS: org.dir,
    PAVED_DEMO: 'false',
    PAVED_LOG_LEVEL: 'warn',
    PAVED_CATALOG_REFRESH_SECONDS: '0',
  };
}

interface Ingested {
  token: string;
  entities: number;
  seed: number;
  ingestedAt: string;
  ingestMs: number;
}

/** The SQLite data dir holding the ingested organization: made once, then reused. */
async function ingestedDataDir(entry: string, org: GeneratedOrg, logFile: string): Promise<{ dataDir: string; ingested: Ingested }> {
  const dataDir = path.join(DATA_ROOT, `portal-sqlite-${org.entities}-${org.seed}`);
  const markerFile = path.join(dataDir, 'bench-ingested.json');
  if (fs.existsSync(markerFile)) {
    const ingested = JSON.parse(fs.readFileSync(markerFile, 'utf8')) as Ingested;
    console.log(`reusing ${path.relative(REPO_ROOT, dataDir)} (ingested ${ingested.ingestedAt})`);
    return { dataDir, ingested };
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('hex');
  const server = startServer(entry, serverEnv(org, dataDir, await freePort(), token), logFile);
  const client = createHttpClient(server.baseUrl, token);
  try {
    await waitHealthy(server, performance.now());
    console.log(`ingesting ${org.entities} entities into ${path.relative(REPO_ROOT, dataDir)} …`);
    const started = performance.now();
    const post = await client.post('/api/catalog/locations', { type: 'file', target: org.rootFile });
    if (post.status < 200 || post.status > 299) throw new Error(`POST /api/catalog/locations answered ${post.status}: ${post.body.slice(0, 500)}`);
    for (;;) {
      const count = JSON.parse((await client.get('/api/catalog/entities/by-query?limit=1')).body).totalItems as number;
      if (count >= org.entities) break;
      if (performance.now() - started > 10 * 60_000) throw new Error(`after 10 minutes the catalog counts ${count} of ${org.entities}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const ingested: Ingested = { token, entities: org.entities, seed: org.seed, ingestedAt: new Date().toISOString(), ingestMs: round(performance.now() - started, 0) };
    console.log(`  ingested in ${(ingested.ingestMs / 1000).toFixed(1)} s`);
    fs.writeFileSync(markerFile, `${JSON.stringify(ingested, null, 2)}\n`);
    return { dataDir, ingested };
  } finally {
    client.close();
    await server.stop();
  }
}

/**
 * Runs in the page before its scripts: watches the DOM and notes (on the page's clock, whose 0 is
 * navigation start) when the catalog first became interactive, when the last key went into the
 * search box, and when the entities table last changed.
 */
function pageProbe(): void {
  const state = { interactiveAt: null as number | null, lastKeyAt: 0, tableChangedAt: 0, tableChanges: 0 };
  (window as unknown as { __portalBench: typeof state }).__portalBench = state;
  const labelOf = (input: HTMLInputElement): string => {
    const labelledBy = input.getAttribute('aria-labelledby');
    if (labelledBy) return labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
    return (input.getAttribute('aria-label') ?? input.labels?.[0]?.textContent ?? input.placeholder ?? '').trim();
  };
  const find = () => {
    const table = [...document.querySelectorAll('table')].find((candidate) => candidate.caption?.textContent?.trim().startsWith('Entities'));
    const search = [...document.querySelectorAll('input')].find((input) => labelOf(input) === 'Search the catalog');
    return { table, search };
  };
  const dataRows = (table: HTMLTableElement) => [...table.querySelectorAll('tbody tr')].filter((row) => row.querySelectorAll('td').length > 1 || row.querySelector('a'));
  document.addEventListener('input', () => (state.lastKeyAt = performance.now()), true);
  const observer = new MutationObserver((mutations) => {
    const { table, search } = find();
    if (state.interactiveAt === null && table && search && !search.disabled && dataRows(table).length > 0) state.interactiveAt = performance.now();
    if (table && mutations.some((mutation) => table.contains(mutation.target) || mutation.target.contains(table))) {
      state.tableChangedAt = performance.now();
      state.tableChanges++;
    }
  });
  const start = () => observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['disabled', 'aria-busy'] });
  if (document.documentElement) start();
  else document.addEventListener('readystatechange', start, { once: true });
}

interface ProbeState {
  interactiveAt: number | null;
  lastKeyAt: number;
  tableChangedAt: number;
  tableChanges: number;
}
const probeOf = (page: Page) => page.evaluate(() => (window as unknown as { __portalBench: ProbeState }).__portalBench);

async function measureInteractive(page: Page, url: string, reload: boolean): Promise<number> {
  if (reload) await page.reload({ waitUntil: 'commit' });
  else await page.goto(url, { waitUntil: 'commit' });
  try {
    await page.waitForFunction(() => (window as unknown as { __portalBench?: ProbeState }).__portalBench?.interactiveAt != null, undefined, { timeout: 30_000, polling: 50 });
  } catch (error) {
    const shot = path.join(DATA_ROOT, 'portal-not-interactive.png');
    await page.screenshot({ path: shot }).catch(() => undefined);
    const text = await page.evaluate(() => document.body.innerText.slice(0, 500)).catch(() => '');
    throw new Error(`the catalog page at ${page.url()} did not become interactive within 30 s (screenshot: ${path.relative(REPO_ROOT, shot)}); it shows: ${text}`, { cause: error });
  }
  return (await probeOf(page)).interactiveAt!;
}

/** The same elements the probe found, by their roles and accessible names, as a user finds them. */
async function checkAccessibleNames(page: Page): Promise<void> {
  await page.getByRole('table', { name: 'Entities' }).waitFor({ timeout: 5_000 });
  await page.getByRole('searchbox', { name: 'Search the catalog' }).or(page.getByRole('textbox', { name: 'Search the catalog' })).waitFor({ timeout: 5_000 });
}

interface SearchSample {
  term: string;
  ms: number;
  /** Last keystroke → the entities request sent (the box's debounce and React's work). */
  toRequestMs: number;
  /** The entities request, sent → its response read. */
  requestMs: number;
  /** Response read → the table's last change (parsing, rendering). */
  renderMs: number;
  rows: number;
  rowsShowTerm: boolean;
  changes: number;
}

async function waitQuiet(page: Page): Promise<ProbeState> {
  for (;;) {
    const state = await probeOf(page);
    const now = await page.evaluate(() => performance.now());
    if (now - Math.max(state.tableChangedAt, state.lastKeyAt) >= QUIET_MS) return state;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measureSearch(page: Page, term: string): Promise<SearchSample> {
  const box = page.getByRole('searchbox', { name: 'Search the catalog' }).or(page.getByRole('textbox', { name: 'Search the catalog' }));
  await box.fill('');
  await waitQuiet(page);
  const before = await probeOf(page);
  await box.pressSequentially(term, { delay: TYPING_DELAY_MS });
  const after = await waitQuiet(page);
  const changes = after.tableChanges - before.tableChanges;
  const rowTexts = await page.getByRole('table', { name: 'Entities' }).locator('tbody tr').allInnerTexts();
  const ms = changes > 0 && after.tableChangedAt > after.lastKeyAt ? after.tableChangedAt - after.lastKeyAt : Number.NaN;
  const request = await page.evaluate((since) => {
    const entries = performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/api/catalog/entities') && entry.startTime >= since);
    const last = entries.at(-1) as PerformanceResourceTiming | undefined;
    return last ? { startTime: last.startTime, responseEnd: last.responseEnd } : undefined;
  }, after.lastKeyAt);
  const toRequestMs = request ? request.startTime - after.lastKeyAt : Number.NaN;
  const requestMs = request ? request.responseEnd - request.startTime : Number.NaN;
  const renderMs = request ? after.tableChangedAt - request.responseEnd : Number.NaN;
  return { term, ms: round(ms, 1), toRequestMs: round(toRequestMs, 1), requestMs: round(requestMs, 1), renderMs: round(renderMs, 1), rows: rowTexts.length, rowsShowTerm: rowTexts.length > 0 && rowTexts.some((text) => text.toLowerCase().includes(term.toLowerCase())), changes };
}

function summary(values: number[]) {
  const sorted = values.filter((value) => !Number.isNaN(value)).sort((a, b) => a - b);
  return { n: sorted.length, p50: round(percentile(sorted, 50), 1), p95: round(percentile(sorted, 95), 1), max: round(sorted.at(-1) ?? Number.NaN, 1) };
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, stdio: 'pipe' }).toString().trim();
  } catch {
    return 'uncommitted';
  }
}

function webChanges(): string[] {
  try {
    return execFileSync('git', ['status', '--porcelain', '--', 'web', 'src'], { cwd: REPO_ROOT, stdio: 'pipe' }).toString().split('\n').filter(Boolean);
  } catch {
    return ['unknown'];
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`no Chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`);
  if (!options.skipBuild) build();
  fs.mkdirSync(DATA_ROOT, { recursive: true });
  const org = generateOrg({ dir: path.join(DATA_ROOT, `org-${options.entities}`), entities: options.entities, seed: options.seed });
  const logFile = path.join(DATA_ROOT, 'portal-server.log');
  fs.writeFileSync(logFile, '');
  const entry = await snapshotBuild();
  const { dataDir, ingested } = await ingestedDataDir(entry, org, logFile);

  const port = await freePort();
  const server: ServerProcess = startServer(entry, serverEnv(org, dataDir, port, ingested.token), logFile);
  let browser: Browser | undefined;
  const problems: string[] = [];
  const result: Record<string, unknown> = {
    what: 'portal: catalog page interactive, search typing to table updated',
    environment: {
      date: new Date().toISOString(),
      commit: gitCommit(),
      /** Files of web/ that differed from the commit when the portal was built (a shared working tree). */
      webChanges: webChanges(),
      node: process.version,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      loadAverage: os.loadavg().map((load) => round(load, 2)),
      chromium: execFileSync(CHROMIUM_PATH, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim(),
      database: 'sqlite',
      entities: org.entities,
      catalogTotal: undefined as number | undefined,
    },
    targets: TARGETS,
  };
  try {
    await waitHealthy(server, performance.now());
    const client = createHttpClient(server.baseUrl, ingested.token);
    (result.environment as { catalogTotal?: number }).catalogTotal = JSON.parse((await client.get('/api/catalog/entities/by-query?limit=1')).body).totalItems;
    client.close();

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
    const newContext = async () => {
      const context = await browser!.newContext({ viewport: { width: 1366, height: 800 } });
      await context.addInitScript((token) => localStorage.setItem('paved.token', token), ingested.token);
      // tsx names functions with an `__name` helper that the page does not have.
      await context.addInitScript({ content: 'globalThis.__name = (target) => target;' });
      await context.addInitScript(pageProbe);
      return context;
    };
    const url = `${server.baseUrl}/catalog`;
    const quiet = await waitForQuiet('page loads', options.maxLoadWait);

    // Warm-up: the server's first queries after start, the browser's first process.
    {
      const context = await newContext();
      const page = await context.newPage();
      await measureInteractive(page, url, false);
      await checkAccessibleNames(page);
      await context.close();
    }
    const cold: number[] = [];
    for (let i = 0; i < options.loads; i++) {
      const context = await newContext();
      cold.push(await measureInteractive(await context.newPage(), url, false));
      await context.close();
    }
    const warm: number[] = [];
    const context = await newContext();
    const page = await context.newPage();
    await measureInteractive(page, url, false);
    for (let i = 0; i < options.loads; i++) warm.push(await measureInteractive(page, url, true));
    result.interactive = { load: { ...quiet, atEnd: round(os.loadavg()[0]!) }, firstVisitMs: cold.map((ms) => round(ms, 0)), returnVisitMs: warm.map((ms) => round(ms, 0)), firstVisit: summary(cold), returnVisit: summary(warm) };
    console.log(`catalog interactive, first visit: ${cold.map((ms) => Math.round(ms)).join(', ')} ms`);
    console.log(`catalog interactive, return visit: ${warm.map((ms) => Math.round(ms)).join(', ')} ms`);

    // Two sets of words, none typed before: one on the freshly started server, one after the
    // server has answered full-text searches for every other word (a server in use: SQLite's and
    // the OS's caches warm, yet each measured word still new to it).
    const words = org.samples.terms.filter((term) => term.length >= 4);
    const step = Math.max(1, Math.floor(words.length / (2 * options.terms)));
    const picked = words.filter((_, i) => i % step === 0).slice(0, 2 * options.terms);
    const freshTerms = picked.filter((_, i) => i % 2 === 0);
    const inUseTerms = picked.filter((_, i) => i % 2 === 1);
    const searchPhase = async (name: string, terms: string[]) => {
      const load = await waitForQuiet(`search, ${name}`, options.maxLoadWait);
      const samples: SearchSample[] = [];
      for (const term of terms) {
        const sample = await measureSearch(page, term);
        samples.push(sample);
        const parts = `debounce ${sample.toRequestMs} + request ${sample.requestMs} + render ${sample.renderMs} ms`;
        console.log(`  ${name}: "${term}": ${Number.isNaN(sample.ms) ? 'table did not change' : `${sample.ms} ms (${parts})`}, ${sample.rows} rows${sample.rowsShowTerm ? '' : ' (none shows the term)'}`);
        if (Number.isNaN(sample.ms)) problems.push(`typing "${term}" did not change the table`);
        else if (!sample.rowsShowTerm) problems.push(`after typing "${term}" no row shows it`);
      }
      return {
        load: { ...load, atEnd: round(os.loadavg()[0]!) },
        typingDelayMs: TYPING_DELAY_MS,
        quietMs: QUIET_MS,
        samples,
        summary: summary(samples.map((sample) => sample.ms)),
        parts: {
          toRequest: summary(samples.map((sample) => sample.toRequestMs)),
          request: summary(samples.map((sample) => sample.requestMs)),
          render: summary(samples.map((sample) => sample.renderMs)),
        },
      };
    };
    result.search = await searchPhase('fresh server', freshTerms);
    const warmUp = words.filter((word) => !picked.includes(word));
    const warmClient = createHttpClient(server.baseUrl, ingested.token);
    const fields = 'kind,metadata.name,metadata.namespace,metadata.title,metadata.description,metadata.tags,spec.type,spec.owner,spec.lifecycle';
    for (const word of warmUp) await warmClient.get(`/api/catalog/entities/by-query?${new URLSearchParams({ limit: '25', fields, orderField: 'metadata.name,asc', fullTextFilterTerm: word })}`);
    warmClient.close();
    console.log(`  (the server answered ${warmUp.length} other words' searches)`);
    result.searchInUse = { ...(await searchPhase('server in use', inUseTerms)), warmUpTerms: warmUp.length };
    result.finalUrl = page.url();
    await context.close();
  } catch (error) {
    problems.push((error as Error).message.split('\n').slice(0, 6).join('\n'));
  } finally {
    await browser?.close();
    await server.stop();
  }
  result.problems = problems;
  printTable(result);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `portal-${new Date().toISOString().slice(0, 16).replace(/[-:]/g, '')}Z.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`raw results: ${path.relative(REPO_ROOT, file)}`);
  if (problems.length > 0) process.exitCode = 1;
}

function printTable(result: Record<string, unknown>): void {
  type S = ReturnType<typeof summary>;
  const interactive = result.interactive as { firstVisit: S; returnVisit: S } | undefined;
  const search = (result.search as { summary: S } | undefined)?.summary;
  const inUse = (result.searchInUse as { summary: S; parts: Record<string, S> } | undefined);
  const verdict = (value: number | undefined, target: number) => (value === undefined || Number.isNaN(value) ? 'n/a' : value <= target ? 'ok' : 'MISSED');
  const rows: [string, string, string, string][] = [];
  if (interactive) {
    for (const [name, s] of [['first visit (empty cache)', interactive.firstVisit], ['return visit (reload)', interactive.returnVisit]] as const) {
      rows.push([`catalog interactive, ${name}, p50/p95/max`, `${s.p50} / ${s.p95} / ${s.max} ms`, `≤ ${TARGETS.interactiveMs} ms`, verdict(s.p95, TARGETS.interactiveMs)]);
    }
  }
  if (search) rows.push([`search typed → table updated, fresh server, p50/p95/max (n=${search.n})`, `${search.p50} / ${search.p95} / ${search.max} ms`, `≤ ${TARGETS.searchMs} ms`, verdict(search.p95, TARGETS.searchMs)]);
  const partRows = (parts: Record<string, S> | undefined) => {
    if (!parts) return;
    for (const [name, s] of Object.entries({ 'keystroke → request sent': parts.toRequest, 'request → response': parts.request, 'response → table': parts.render })) {
      if (s) rows.push([`  of which ${name}, p50/p95/max`, `${s.p50} / ${s.p95} / ${s.max} ms`, '', '']);
    }
  };
  partRows((result.search as { parts?: Record<string, S> } | undefined)?.parts);
  if (inUse) {
    rows.push([`search, server in use, p50/p95/max (n=${inUse.summary.n})`, `${inUse.summary.p50} / ${inUse.summary.p95} / ${inUse.summary.max} ms`, `≤ ${TARGETS.searchMs} ms`, verdict(inUse.summary.p95, TARGETS.searchMs)]);
    partRows(inUse.parts);
  }
  const env = result.environment as Record<string, unknown>;
  console.log(`\nPortal benchmark: ${env.entities} entities (catalog total ${env.catalogTotal}), SQLite, ${env.chromium}, ${env.cpus}`);
  if (rows.length > 0) {
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) console.log(`  ${row[0].padEnd(widths[0]!)}  ${row[1].padEnd(widths[1]!)}  ${row[2].padEnd(widths[2]!)}  ${row[3]}`);
  }
  for (const problem of result.problems as string[]) console.log(`  PROBLEM: ${problem}`);
}

await main();
