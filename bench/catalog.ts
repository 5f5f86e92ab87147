import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { generateOrg, type GeneratedOrg, ORG_KINDS } from './generate-org.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { type LatencyPhase, type LatencySummary, measureLatency, percentile, round } from './latency.js';
import { freePort, readProcMegabytes, REPO_ROOT, type ServerProcess, startServer, waitHealthy, watchMemory } from './server-process.js';

/**
 * The catalog benchmark: ingest of a generated organization through one file location, query
 * latency at that size, peak memory while ingesting, and cold start on the ingested data.
 *
 *   npx tsx bench/catalog.ts [--db sqlite|postgres|both] [--entities 100000] [--requests 1000]
 *                            [--warmup 100] [--seed 42] [--skip-build]
 *
 * Exits non-zero when the catalog does not hold what was generated or answers queries wrongly
 * (a benchmark of a broken catalog measures nothing); missed speed targets are only printed.
 */

type Db = 'sqlite' | 'postgres';

const TARGETS = {
  ingestSeconds: { sqlite: 20, postgres: 60 } as Record<Db, number>,
  queryP99Ms: 25,
  fullTextP99Ms: 100,
  peakRssMb: 600,
  coldStartMs: 1500,
};
const POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const POSTGRES_SCHEMA = 'bench_catalog';
const DATA_ROOT = path.join(REPO_ROOT, 'bench', '.data');
/** A stand-in server's figures (see server-process.ts) never overwrite the real ones. */
const RESULTS_DIR = process.env.BENCH_SERVER_ENTRY ? path.join(DATA_ROOT, 'results-stand-in') : path.join(REPO_ROOT, 'bench', 'results');
const COLD_STARTS = 5;
/** How long to wait, after the POST returns, for entities it did not store before returning. */
const SETTLE_TIMEOUT_MS = 10 * 60_000;

interface Options {
  dbs: Db[];
  entities: number;
  requests: number;
  warmup: number;
  seed: number;
  /** Use dist/ as it is; for iterating on the harness while the server does not build. */
  skipBuild: boolean;
}

interface DbResult {
  db: Db;
  entities: number;
  ok: boolean;
  problems: string[];
  environment: Record<string, string | number>;
  ingest?: {
    postMs: number;
    postStatus: number;
    postBodyStart: string;
    /** From sending the POST until the catalog counted every generated entity. */
    allStoredMs?: number;
    totalItems?: number;
    countsByKind: Record<string, number | string>;
    facetKindCounts?: Record<string, number>;
    probe: { ref: string; expected: string[]; found: boolean; relations?: unknown };
  };
  memory?: { peakRssMbDuringIngest: number; vmHwmMbAfterIngest: number; rssMbBeforeIngest: number; samples: number; vmHwmMbAtEnd?: number };
  latency: Record<string, LatencySummary>;
  coldStart?: { runsMs: number[]; medianMs: number; maxMs: number; dataDirMb: number };
  startEmptyMs?: number;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      db: { type: 'string', default: 'both' },
      entities: { type: 'string', default: '100000' },
      requests: { type: 'string', default: '1000' },
      warmup: { type: 'string', default: '100' },
      seed: { type: 'string', default: '42' },
      'skip-build': { type: 'boolean', default: false },
    },
  });
  const db = values.db;
  if (db !== 'sqlite' && db !== 'postgres' && db !== 'both') throw new Error(`--db must be sqlite, postgres or both, not ${db}`);
  return {
    dbs: db === 'both' ? ['sqlite', 'postgres'] : [db],
    entities: Number(values.entities),
    requests: Number(values.requests),
    warmup: Number(values.warmup),
    seed: Number(values.seed),
    skipBuild: values['skip-build'],
  };
}

function build(): void {
  const started = performance.now();
  try {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    throw new Error(`the server does not build (npx tsc -p tsconfig.build.json):\n${output.slice(0, 3000)}`);
  }
  console.log(`built the server in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function resetPostgresSchema(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${POSTGRES_SCHEMA} CASCADE`);
  } finally {
    await client.end();
  }
}

function serverEnv(db: Db, org: GeneratedOrg, dataDir: string, port: number, token: string): Record<string, string> {
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    PAVED_DATA_DIR: dataDir,
    PAVED_ADMIN_TOKEN: token,
    PAVED_CATALOG_FILE_ROOTS: org.dir,
    PAVED_DEMO: 'false',
    PAVED_LOG_LEVEL: 'warn',
    PAVED_CATALOG_REFRESH_SECONDS: '0',
  };
  if (db === 'postgres') {
    env.DATABASE_URL = POSTGRES_URL;
    env.PAVED_DATABASE_SCHEMA = POSTGRES_SCHEMA;
  }
  return env;
}

function parseJson(body: string): any {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

async function totalItems(client: HttpClient, query = ''): Promise<number | string> {
  const response = await client.get(`/api/catalog/entities/by-query?limit=1${query}`);
  const total = parseJson(response.body)?.totalItems;
  return response.status === 200 && typeof total === 'number' ? total : `HTTP ${response.status}: ${response.body.slice(0, 200)}`;
}

/** Ingest: one POST of the root location, then proof that everything generated is stored. */
async function ingest(server: ServerProcess, client: HttpClient, org: GeneratedOrg, result: DbResult): Promise<void> {
  const rssBefore = readProcMegabytes(server.pid, 'VmRSS') ?? 0;
  const memory = watchMemory(server.pid, 100);
  const started = performance.now();
  const post = await client.post('/api/catalog/locations', { type: 'file', target: org.rootFile });
  const postMs = performance.now() - started;
  console.log(`  POST /api/catalog/locations → ${post.status} in ${(postMs / 1000).toFixed(2)} s`);
  if (post.status < 200 || post.status > 299) result.problems.push(`POST /api/catalog/locations answered ${post.status}: ${post.body.slice(0, 500)}`);

  // The POST should return once everything is stored; if it returns early, wait and say so.
  const orgKinds = ORG_KINDS.map((kind) => `&filter=kind=${kind.toLowerCase()}`).join('');
  let stored = await totalItems(client, orgKinds);
  let allStoredMs: number | undefined = stored === org.entities ? postMs : undefined;
  if (allStoredMs === undefined && typeof stored === 'number') {
    console.log(`  after the POST the catalog counts ${stored} of ${org.entities}; waiting for the rest`);
    while (performance.now() - started < SETTLE_TIMEOUT_MS) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      stored = await totalItems(client, orgKinds);
      if (stored === org.entities) {
        allStoredMs = performance.now() - started;
        break;
      }
      if (typeof stored !== 'number') break;
    }
  }
  const peak = memory.stop();
  result.memory = { peakRssMbDuringIngest: round(peak.peakRssMb, 1), vmHwmMbAfterIngest: round(peak.hwmMb, 1), rssMbBeforeIngest: round(rssBefore, 1), samples: peak.samples };

  const total = await totalItems(client);
  const countsByKind: Record<string, number | string> = {};
  for (const kind of ORG_KINDS) {
    countsByKind[kind] = await totalItems(client, `&filter=kind=${kind.toLowerCase()}`);
    if (countsByKind[kind] !== org.counts[kind]) result.problems.push(`kind=${kind}: catalog counts ${countsByKind[kind]}, generated ${org.counts[kind]}`);
  }
  countsByKind.Location = await totalItems(client, '&filter=kind=location');
  if (typeof total !== 'number' || typeof countsByKind.Location !== 'number' || total !== org.entities + countsByKind.Location) {
    result.problems.push(`totalItems is ${total}; expected ${org.entities} generated entities plus ${countsByKind.Location} Location entities`);
  }
  if (allStoredMs === undefined) result.problems.push(`the catalog never counted all ${org.entities} generated entities (last count: ${stored})`);

  const facets = await client.get('/api/catalog/entity-facets?facet=kind');
  const facetKindCounts = Object.fromEntries(((parseJson(facets.body)?.facets?.kind ?? []) as { value: string; count: number }[]).map((f) => [f.value, f.count]));

  const probe = org.samples.probe;
  const [kind, rest] = probe.ref.split(':') as [string, string];
  const byName = await client.get(`/api/catalog/entities/by-name/${kind}/${rest}`);
  const relations = parseJson(byName.body)?.relations as { type: string; targetRef: string }[] | undefined;
  const expected = [`ownedBy ${probe.ownedBy}`, `partOf ${probe.partOf}`];
  const found = expected.every((want) => relations?.some((r) => `${r.type} ${r.targetRef}` === want) ?? false);
  if (!found) result.problems.push(`${probe.ref} (HTTP ${byName.status}) lacks relations ${expected.join(', ')}; has ${JSON.stringify(relations)?.slice(0, 400)}`);

  result.ingest = {
    postMs: round(postMs, 0),
    postStatus: post.status,
    postBodyStart: post.body.slice(0, 300),
    allStoredMs: allStoredMs === undefined ? undefined : round(allStoredMs, 0),
    totalItems: typeof total === 'number' ? total : undefined,
    countsByKind,
    facetKindCounts,
    probe: { ref: probe.ref, expected, found, relations: found ? undefined : relations },
  };
}

function latencyPhases(org: GeneratedOrg): LatencyPhase[] {
  const { refs, owners, terms } = org.samples;
  const at = <T>(list: readonly T[], i: number): T => list[(i * 7919) % list.length]!;
  const byQuery = (params: Record<string, string>) => `/api/catalog/entities/by-query?${new URLSearchParams(params)}`;
  const items = (body: string): unknown[] | undefined => {
    const parsed = parseJson(body)?.items;
    return Array.isArray(parsed) ? parsed : undefined;
  };
  const ownerOf = new Map(owners.map((o) => [o.team, o.components]));
  const ownedPage = (team: string, body: string): string | undefined => {
    const page = items(body);
    const expected = Math.min(50, ownerOf.get(team) ?? 0);
    return page?.length === expected ? undefined : `expected ${expected} components of ${team}, got ${page?.length ?? 'no items array'}`;
  };
  return [
    {
      name: 'by-name',
      path: (i) => {
        const ref = at(refs, i);
        return `/api/catalog/entities/by-name/${ref.kind}/default/${ref.name}`;
      },
      check: (response, requested) => (requested.endsWith(`/${parseJson(response.body)?.metadata?.name}`) ? undefined : 'wrong or no entity'),
    },
    {
      name: 'filter spec.owner',
      path: (i) => byQuery({ filter: `kind=component,spec.owner=${at(owners, i).team}`, limit: '50' }),
      check: (response, requested) => ownedPage(new URL(requested, 'http://x').searchParams.get('filter')!.split('spec.owner=')[1]!, response.body),
    },
    {
      name: 'filter relations.ownedBy',
      path: (i) => byQuery({ filter: `kind=component,relations.ownedBy=group:default/${at(owners, i).team}`, limit: '50' }),
      check: (response, requested) => ownedPage(new URL(requested, 'http://x').searchParams.get('filter')!.split('group:default/')[1]!, response.body),
    },
    {
      name: 'facets',
      path: () => '/api/catalog/entity-facets?facet=kind&facet=spec.type&facet=spec.owner',
      check: (response) => {
        const facets = parseJson(response.body)?.facets;
        const kinds = facets?.kind as { count: number }[] | undefined;
        const total = kinds?.reduce((sum, f) => sum + f.count, 0) ?? 0;
        return total >= org.entities && Array.isArray(facets?.['spec.owner']) ? undefined : `facets count ${total} entities`;
      },
    },
    {
      name: 'full-text',
      path: (i) => byQuery({ fullTextFilterTerm: at(terms, i), limit: '50' }),
      check: (response) => ((items(response.body)?.length ?? 0) > 0 ? undefined : 'no hits for a term that occurs in the data'),
    },
  ];
}

async function coldStarts(env: Record<string, string>, logFile: string, dataDir: string): Promise<DbResult['coldStart']> {
  const runsMs: number[] = [];
  for (let run = 0; run < COLD_STARTS; run++) {
    const started = performance.now();
    const server = startServer(env, logFile);
    try {
      runsMs.push(round(await waitHealthy(server, started, 30_000, 2), 0));
    } finally {
      await server.stop();
    }
  }
  const sorted = [...runsMs].sort((a, b) => a - b);
  const dataDirMb = Number(execFileSync('du', ['-sm', dataDir]).toString().split('\t')[0]);
  return { runsMs, medianMs: percentile(sorted, 50), maxMs: sorted[sorted.length - 1] ?? Number.NaN, dataDirMb };
}

async function benchmarkDatabase(db: Db, org: GeneratedOrg, options: Options): Promise<DbResult> {
  const result: DbResult = {
    db,
    entities: org.entities,
    ok: false,
    problems: [],
    environment: {
      date: new Date().toISOString(),
      node: process.version,
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      commit: gitCommit(),
      requestsPerPhase: options.requests,
      warmupPerPhase: options.warmup,
    },
    latency: {},
  };
  if (db === 'postgres') await resetPostgresSchema();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `paved-bench-${db}-`));
  const logFile = path.join(DATA_ROOT, `server-${db}.log`);
  fs.writeFileSync(logFile, '');
  const token = randomBytes(24).toString('hex');
  const env = serverEnv(db, org, dataDir, await freePort(), token);
  console.log(`\n[${db}] data dir ${dataDir}, server log ${path.relative(REPO_ROOT, logFile)}`);

  const started = performance.now();
  const server = startServer(env, logFile);
  const client = createHttpClient(server.baseUrl, token);
  try {
    result.startEmptyMs = round(await waitHealthy(server, started), 0);
    await ingest(server, client, org, result);
    if (result.problems.length === 0) {
      for (const phase of latencyPhases(org)) {
        const summary = await measureLatency(client, phase, options.requests, options.warmup);
        result.latency[phase.name] = summary;
        console.log(`  ${phase.name.padEnd(26)} p50 ${summary.p50} ms, p99 ${summary.p99} ms, max ${summary.max} ms${summary.failures ? `, ${summary.failures} WRONG` : ''}`);
        if (summary.failures > 0) result.problems.push(`${phase.name}: ${summary.failures} of ${summary.requests} answers wrong, e.g. ${JSON.stringify(summary.failureSamples[0])}`);
      }
    }
    result.memory!.vmHwmMbAtEnd = round(readProcMegabytes(server.pid, 'VmHWM') ?? Number.NaN, 1);
  } catch (error) {
    result.problems.push(`${(error as Error).message}\n  server log ends:\n${logTail(logFile)}`);
  } finally {
    client.close();
    await server.stop();
  }

  if (db === 'sqlite' && result.ingest) {
    try {
      result.coldStart = await coldStarts(env, logFile, dataDir);
    } catch (error) {
      result.problems.push(`cold start: ${(error as Error).message}`);
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  result.ok = result.problems.length === 0;
  return result;
}

function logTail(logFile: string, lines = 15): string {
  const text = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines);
  return text.map((line) => `    ${line.slice(0, 400)}`).join('\n');
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, stdio: 'pipe' }).toString().trim();
  } catch {
    return 'uncommitted';
  }
}

function verdict(value: number | undefined, target: number): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  return value <= target ? 'ok' : 'MISSED';
}

function printTable(result: DbResult): void {
  const rows: [string, string, string, string][] = [];
  const storedMs = result.ingest?.allStoredMs;
  const ingestS = storedMs === undefined ? undefined : storedMs / 1000;
  const ingestShown = ingestS === undefined ? `failed after ${((result.ingest?.postMs ?? 0) / 1000).toFixed(1)} s` : `${ingestS.toFixed(1)} s`;
  rows.push(['ingest, POST until all stored', result.ingest ? ingestShown : 'n/a', `≤ ${TARGETS.ingestSeconds[result.db]} s`, verdict(ingestS, TARGETS.ingestSeconds[result.db])]);
  const rss = result.memory?.vmHwmMbAfterIngest;
  rows.push(['peak RSS while ingesting (VmHWM)', rss === undefined ? 'n/a' : `${rss} MB`, `≤ ${TARGETS.peakRssMb} MB`, verdict(rss, TARGETS.peakRssMb)]);
  for (const [name, s] of Object.entries(result.latency)) {
    const target = name === 'full-text' ? TARGETS.fullTextP99Ms : TARGETS.queryP99Ms;
    rows.push([`${name} p50/p95/p99/max`, `${s.p50} / ${s.p95} / ${s.p99} / ${s.max} ms`, `p99 ≤ ${target} ms`, s.failures ? `WRONG ×${s.failures}` : verdict(s.p99, target)]);
  }
  if (result.coldStart) {
    const c = result.coldStart;
    rows.push(['cold start to /healthz 200, median/max', `${c.medianMs} / ${c.maxMs} ms`, `≤ ${TARGETS.coldStartMs} ms`, verdict(c.medianMs, TARGETS.coldStartMs)]);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(`\nCatalog benchmark: ${result.db}, ${result.entities.toLocaleString('en')} entities, ${result.environment.cpus}`);
  for (const row of rows) console.log(`  ${row[0].padEnd(widths[0]!)}  ${row[1].padEnd(widths[1]!)}  ${row[2].padEnd(widths[2]!)}  ${row[3]}`);
  if (result.memory) console.log(`  (RSS sampled every 100 ms: peak ${result.memory.peakRssMbDuringIngest} MB; before ingest ${result.memory.rssMbBeforeIngest} MB; VmHWM at end ${result.memory.vmHwmMbAtEnd} MB)`);
  if (result.coldStart) console.log(`  (cold starts: ${result.coldStart.runsMs.join(', ')} ms; SQLite data dir ${result.coldStart.dataDirMb} MB)`);
  for (const problem of result.problems) console.log(`  PROBLEM: ${problem}`);
}

/**
 * One benchmark at a time on this machine: two runs would measure each other, share the
 * PostgreSQL schema and rebuild dist/ under each other's servers. Waits for a running one.
 */
async function takeRunLock(): Promise<void> {
  const lockFile = path.join(DATA_ROOT, 'catalog.lock');
  fs.mkdirSync(DATA_ROOT, { recursive: true });
  const deadline = Date.now() + 30 * 60_000;
  for (let told = false; ; ) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number(fs.readFileSync(lockFile, 'utf8'));
    if (!isRunning(holder)) {
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another catalog benchmark (pid ${holder}) has held ${lockFile} for 30 minutes`);
    if (!told) console.log(`waiting for another catalog benchmark (pid ${holder}) to finish`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
  process.on('exit', () => {
    if (fs.existsSync(lockFile) && fs.readFileSync(lockFile, 'utf8') === String(process.pid)) fs.rmSync(lockFile);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  await takeRunLock();
  if (options.skipBuild) console.log('not building: measuring dist/ as it is');
  else build();
  const started = performance.now();
  const org = generateOrg({ dir: path.join(DATA_ROOT, `org-${options.entities}`), entities: options.entities, seed: options.seed });
  console.log(`organization: ${org.entities} entities in ${org.files.length} files under ${path.relative(REPO_ROOT, org.dir)} (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  let failed = false;
  for (const db of options.dbs) {
    const result = await benchmarkDatabase(db, org, options);
    printTable(result);
    const file = path.join(RESULTS_DIR, `catalog-${db}.json`);
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`  raw results: ${path.relative(REPO_ROOT, file)}`);
    failed ||= !result.ok;
  }
  if (failed) {
    console.error('\nThe catalog did not hold or answer what was generated: these figures do not measure a working catalog.');
    process.exitCode = 1;
  }
}

await main();
