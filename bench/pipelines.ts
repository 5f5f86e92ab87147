/**
 * The pipelines benchmark, against the built server on 127.0.0.1, runs started by real
 * `git push`es into Paved's git:
 * 1. overhead per step: a job of 20 trivial steps (`true`) against the same 20 `sh -c true` in a
 *    shell loop;
 * 2. push → first log line: from `git push` (its start and its return) to the first log line of
 *    the run arriving over the run's event stream;
 * 3. log throughput: a step printing 100 MB in 1M lines against the same command into /dev/null,
 *    with the log read (GET …/logs) while the step runs.
 *
 *   npx tsx bench/pipelines.ts [sqlite|postgres] [--runs 10] [--flood-runs 3] [--skip-build] [--max-load-wait 900]
 *
 * Without a dialect it measures SQLite, then PostgreSQL if 127.0.0.1:5432 answers (schema
 * bench_pipelines_<time>, created fresh and dropped at the end). Before each of the three
 * measurements it waits (up to --max-load-wait seconds) for the 1-minute load average to fall
 * under 1. Exits non-zero when a run fails or its log is wrong; missed targets are only printed.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { createLocalExecutor } from '../src/pipelines/local-executor.js';
import { type Sandbox, createSandbox, defaultLimits } from '../src/sandbox/index.js';
import { createHttpClient, type HttpClient } from './http-client.js';
import { percentile, round } from './latency.js';
import { waitForQuiet } from './quiet-machine.js';
import { POSTGRES_URL, dropSchema, gitState, postgresReachable } from './postgres-and-git.js';
import { freePort, REPO_ROOT, startServer, waitHealthy, watchMemory } from './server-process.js';

type Db = 'sqlite' | 'postgres';
const TARGETS = { overheadPerStepMs: 50, pushToFirstLineMs: 500, floodRatio: 1.5 };
const STEPS = 20;
const FLOOD_COMMAND = "head -c 100000000 /dev/zero | tr '\\0' 'x' | fold -w 100";
const FLOOD_LINES = 1_000_000;
/** What the server keeps of one step's output (src/pipelines/pipeline-task.ts). */
const KEPT_LINES_PER_STEP = 10_000;
const LATENCY_OUTPUT = 'first-output-line';
const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '10' },
    'flood-runs': { type: 'string', default: '3' },
    'skip-build': { type: 'boolean', default: false },
    'max-load-wait': { type: 'string', default: '900' },
  },
});
const RUNS = Number(options.runs);
const FLOOD_RUNS = Number(options['flood-runs']);

const summarize = (ms: number[]) => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { n: ms.length, p50: round(percentile(sorted, 50), 1), p90: round(percentile(sorted, 90), 1), min: round(sorted[0] ?? Number.NaN, 1), max: round(sorted.at(-1) ?? Number.NaN, 1) };
};
const json = (body: string) => JSON.parse(body) as any;
/** Wall clock in ms with sub-ms resolution, comparable to the server's log timestamps (same machine). */
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pipelineFile = (steps: { name: string; run: string }[]) =>
  `apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: bench }\nspec:\n  on: { push: {} }\n  steps:\n${steps.map((step) => `    - { name: ${step.name}, run: ${JSON.stringify(step.run)} }\n`).join('')}`;

interface LogLine {
  seq: number;
  at: string;
  message: string;
}
interface Run {
  id: string;
  number: number;
  status: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  jobs: { job: string; steps: { name: string; exitCode: number | null; durationMs: number; droppedLines?: number }[] }[];
}

/** Times a shell command inside the shell itself (date +%s%N around it), so no process start of ours counts. */
async function shellMs(command: string): Promise<number> {
  const script = `s=$(date +%s%N); ${command}; e=$(date +%s%N); echo $(( (e - s) / 1000 ))`;
  const { stdout } = await run('sh', ['-c', script], { maxBuffer: 1024 * 1024 });
  return Number(stdout.trim()) / 1000;
}

/**
 * The command through Paved's own executor (src/pipelines/local-executor.ts), in this process,
 * output lines dropped: what spawning and line splitting cost without the server, its database
 * and its log.
 */
let sandbox: Promise<Sandbox> | undefined;
async function executorMs(command: string, cwd: string): Promise<number> {
  // Steps run in the sandbox, as the server runs them (its own data dir: the cgroups are its own).
  const config = loadConfig({ PAVED_DATA_DIR: path.join(os.tmpdir(), 'paved-bench-pipelines-executor') }, os.tmpdir());
  sandbox ??= fs.promises.mkdir(config.dataDir, { recursive: true }).then(() => createSandbox({ config, logger: pino({ level: 'warn' }) }));
  const executor = createLocalExecutor(await sandbox);
  const outcome = await executor.run({ command, cwd, env: { PATH: '/usr/local/bin:/usr/bin:/bin' }, mounts: [{ path: cwd, writable: false }], limits: defaultLimits(config), label: 'bench-executor', timeoutMs: 600_000, signal: new AbortController().signal, onLine: () => {}, maxLines: 10_000 });
  if (outcome.exitCode !== 0) throw new Error(`${command} exited ${outcome.exitCode} in the executor`);
  return outcome.durationMs;
}

/** The command as a plain Node child process whose output is read and thrown away (no line splitting). */
function rawPipeMs(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', () => {});
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`${command} exited ${code}`))));
  });
}

/** 404 answers of the runs list while a run was starting, over all the measurements of one database. */
let runsList404s = 0;

/** A repository of Paved's git, cloned locally, holding `.paved/pipeline.yaml`. */
class BenchRepository {
  private pushes = 0;
  constructor(
    private readonly client: HttpClient,
    readonly name: string,
    readonly clone: string,
  ) {}

  static async create(client: HttpClient, baseUrl: string, token: string, work: string, name: string, file: string) {
    const created = await client.post('/api/git/repositories', { namespace: 'bench', name });
    if (created.status !== 201) throw new Error(`POST /api/git/repositories bench/${name}: HTTP ${created.status} ${created.body.slice(0, 300)}`);
    const clone = path.join(work, name);
    await git(work, 'clone', '--quiet', `http://x:${token}@${new URL(baseUrl).host}/git/bench/${name}.git`, clone);
    await git(clone, 'checkout', '--quiet', '-B', 'main');
    fs.mkdirSync(path.join(clone, '.paved'));
    fs.writeFileSync(path.join(clone, '.paved', 'pipeline.yaml'), file);
    await git(clone, 'add', '--all');
    return new BenchRepository(client, name, clone);
  }

  /** Commits (the pipeline file the first time, then nothing) and pushes; returns when `git push` returned. */
  async push(): Promise<{ number: number; pushStarted: number; pushReturned: number }> {
    this.pushes += 1;
    await git(this.clone, 'commit', '--quiet', '--allow-empty', '-m', `bench run ${this.pushes}`);
    const pushStarted = now();
    await git(this.clone, 'push', '--quiet', 'origin', 'HEAD:main');
    return { number: this.pushes, pushStarted, pushReturned: now() };
  }

  /** Polls the runs list, back to back, until run `number` is there. */
  async findRun(number: number, timeoutMs = 10_000): Promise<{ id: string; foundAt: number; polls: number; notFoundAnswers: number }> {
    const started = now();
    let notFoundAnswers = 0;
    for (let polls = 1; ; polls++) {
      const answer = await this.client.get(`/api/pipelines/repositories/bench/${this.name}/runs?limit=1`);
      // The server inserts a run's row before its task, and the list reads each row's task: a list
      // between the two answers 404 tasks.task_not_found. Counted, and polled again.
      if (answer.status === 404 && answer.body.includes('tasks.task_not_found')) {
        notFoundAnswers += 1;
        runsList404s += 1;
        continue;
      }
      if (answer.status !== 200) throw new Error(`runs of bench/${this.name}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
      const item = (json(answer.body).items as Run[]).find((candidate) => candidate.number === number);
      if (item) return { id: item.id, foundAt: now(), polls, notFoundAnswers };
      if (now() - started > timeoutMs) throw new Error(`run ${number} of bench/${this.name} did not appear within ${timeoutMs} ms of the push`);
    }
  }
}

/**
 * Follows `GET /api/pipelines/runs/:id/events` (from the first line) until `completion`; each log
 * event with its arrival time.
 */
function followEvents(baseUrl: string, token: string, id: string): Promise<{ opened: number; lines: (LogLine & { arrived: number })[]; run: Run }> {
  return new Promise((resolve, reject) => {
    const opened = now();
    const lines: (LogLine & { arrived: number })[] = [];
    const headers = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
    const request = http.get(`${baseUrl}/api/pipelines/runs/${id}/events`, { headers, agent: false }, (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const arrived = now();
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (event === 'log' && data) lines.push({ ...(json(data) as LogLine), arrived });
          if (event === 'completion' && data) {
            request.destroy();
            resolve({ opened, lines, run: json(data) as Run });
            return;
          }
        }
      });
      response.on('end', () => reject(new Error(`events of run ${id} ended without completion (HTTP ${response.statusCode}): ${buffer.slice(-300)}`)));
    });
    request.on('error', reject);
  });
}

async function waitFinished(client: HttpClient, id: string, timeoutMs = 300_000): Promise<Run> {
  const started = Date.now();
  for (;;) {
    const runNow = json((await client.get(`/api/pipelines/runs/${id}`)).body) as Run;
    if (['succeeded', 'failed', 'cancelled'].includes(runNow.status)) return runNow;
    if (Date.now() - started > timeoutMs) throw new Error(`run ${id} did not finish within ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function allLogs(client: HttpClient, id: string): Promise<LogLine[]> {
  return json((await client.get(`/api/pipelines/runs/${id}/logs`)).body).items as LogLine[];
}

function expectSucceeded(what: string, finished: Run, logs: LogLine[]) {
  if (finished.status !== 'succeeded') throw new Error(`${what}: run ${finished.number} ${finished.status}: ${finished.error}\n${logs.slice(-10).map((line) => line.message).join('\n')}`);
}

const at = (line: LogLine | undefined) => (line ? Date.parse(line.at) : Number.NaN);

/** 1. A job of 20 `true` steps against 20 `sh -c true` in a shell loop, run alternately. */
async function measureStepOverhead(client: HttpClient, baseUrl: string, token: string, work: string) {
  const steps = Array.from({ length: STEPS }, (_, i) => ({ name: `s${String(i + 1).padStart(2, '0')}`, run: 'true' }));
  const repository = await BenchRepository.create(client, baseUrl, token, work, 'steps', pipelineFile(steps));
  const quiet = await waitForQuiet('step overhead', Number(options['max-load-wait']));
  const runs: Record<string, any>[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const shell = await shellMs(`for i in ${Array.from({ length: STEPS }, (_, n) => n + 1).join(' ')}; do sh -c true; done`);
    let executor = 0;
    for (let k = 0; k < STEPS; k++) executor += await executorMs('true', work);
    const pushed = await repository.push();
    const { id } = await repository.findRun(pushed.number);
    const finished = await waitFinished(client, id);
    const logs = await allLogs(client, id);
    expectSucceeded('step overhead', finished, logs);
    const starts = logs.filter((line) => line.message.startsWith('▶ '));
    const ends = logs.filter((line) => line.message.startsWith('✔ '));
    if (starts.length !== STEPS || ends.length !== STEPS) throw new Error(`step overhead: run ${pushed.number} logged ${starts.length} ▶ and ${ends.length} ✔ lines, not ${STEPS}`);
    const durations = finished.jobs[0]!.steps.map((step) => step.durationMs);
    const jobMs = at(ends.at(-1)) - at(starts[0]);
    const sumStepMs = durations.reduce((sum, ms) => sum + ms, 0);
    // From a step's ✔ to the next step's ▶: between two steps, nothing of the commands runs.
    const betweenSteps = starts.slice(1).map((line, k) => at(line) - at(ends[k]));
    const jobStep = (status: string) => at(logs.find((line) => line.message === `Step job:main ${status}`));
    if (i === 0) continue; // the first run warms up the server's paths
    runs.push({
      number: pushed.number,
      shellMs: round(shell, 1),
      executorMs: executor,
      jobMs,
      sumStepDurationMs: sumStepMs,
      betweenStepsMs: round(betweenSteps.reduce((sum, ms) => sum + ms, 0) / betweenSteps.length, 2),
      wholeJobMs: jobStep('finished') - jobStep('started'),
      runMs: Date.parse(finished.finishedAt!) - Date.parse(finished.startedAt!),
      overheadPerStepMs: round((jobMs - shell) / STEPS, 2),
      overheadPerStepFromDurationsMs: round((sumStepMs - shell) / STEPS, 2),
    });
  }
  const pick = (key: string) => summarize(runs.map((r) => r[key] as number));
  return {
    pipeline: `one job of ${STEPS} steps, each \`true\``,
    shellBaseline: `sh -c 'for i in 1 … ${STEPS}; do sh -c true; done', timed inside the shell (date +%s%N), run before each push`,
    executorBaseline: `${STEPS} × \`true\` through createLocalExecutor() of src/pipelines/local-executor.ts in the benchmark's own process (no server, no database), summed durationMs`,
    jobTimeFrom: 'log timestamps: the first ▶ line to the last ✔ line (ms resolution); the sum of the steps durationMs beside it',
    warmups: 1,
    ...quiet,
    overheadPerStepMs: pick('overheadPerStepMs'),
    overheadPerStepFromDurationsMs: pick('overheadPerStepFromDurationsMs'),
    jobMs: pick('jobMs'),
    sumStepDurationMs: pick('sumStepDurationMs'),
    shellMs: pick('shellMs'),
    executorMs: pick('executorMs'),
    betweenStepsMs: pick('betweenStepsMs'),
    wholeJobMs: pick('wholeJobMs'),
    runMs: pick('runMs'),
    runs,
    loadAtEnd: round(os.loadavg()[0]!),
  };
}

/** 2. From `git push` to the first log line of its run on the run's event stream. */
async function measurePushToFirstLine(client: HttpClient, baseUrl: string, token: string, work: string) {
  const repository = await BenchRepository.create(client, baseUrl, token, work, 'latency', pipelineFile([{ name: 'hello', run: `echo ${LATENCY_OUTPUT}` }]));
  const quiet = await waitForQuiet('push to first line', Number(options['max-load-wait']));
  const runs: Record<string, any>[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const pushed = await repository.push();
    const found = await repository.findRun(pushed.number);
    const followed = await followEvents(baseUrl, token, found.id);
    expectSucceeded('push to first line', followed.run, followed.lines);
    const first = followed.lines[0]!;
    const checkout = followed.lines.find((line) => line.message.startsWith('Checked out'));
    const output = followed.lines.find((line) => line.message === LATENCY_OUTPUT);
    if (!checkout || !output) throw new Error(`push to first line: run ${pushed.number} has no checkout or no '${LATENCY_OUTPUT}' line`);
    if (i === 0) continue;
    const since = (t: number) => round(t - pushed.pushReturned, 1);
    runs.push({
      number: pushed.number,
      pushMs: round(pushed.pushReturned - pushed.pushStarted, 1),
      firstLine: first.message,
      /** Client clock: arrival of the first log event, after `git push` returned / started. */
      firstLineMs: since(first.arrived),
      firstLineFromPushStartMs: round(first.arrived - pushed.pushStarted, 1),
      /** Server clock: when the first line was written (its `at`), after `git push` returned. */
      firstLineWrittenMs: since(at(first)),
      runFoundMs: since(found.foundAt),
      runsListPolls: found.polls,
      runsListNotFoundAnswers: found.notFoundAnswers,
      /** The first line was already written when the stream opened: finding the run id delayed it. */
      delayedByFindingRun: at(first) < followed.opened,
      checkoutLineMs: since(checkout.arrived),
      stepOutputLineMs: since(output.arrived),
      stepOutputFromPushStartMs: round(output.arrived - pushed.pushStarted, 1),
    });
  }
  const pick = (key: string) => summarize(runs.map((r) => r[key] as number));
  return {
    pipeline: `one step, \`echo ${LATENCY_OUTPUT}\``,
    runIdFrom: 'GET /api/pipelines/repositories/bench/latency/runs?limit=1, polled back to back from the moment git push returned until the pushed run number was listed; then GET /api/pipelines/runs/:id/events from the first line',
    warmups: 1,
    ...quiet,
    firstLineText: runs[0]?.firstLine,
    firstLineMs: pick('firstLineMs'),
    firstLineFromPushStartMs: pick('firstLineFromPushStartMs'),
    firstLineWrittenMs: pick('firstLineWrittenMs'),
    runFoundMs: pick('runFoundMs'),
    runsDelayedByFindingTheRun: runs.filter((r) => r.delayedByFindingRun).length,
    /** Runs during whose start the runs list answered 404 tasks.task_not_found at least once (row inserted, task not yet). */
    runsWithRunsList404: runs.filter((r) => r.runsListNotFoundAnswers > 0).length,
    runsListPolls: pick('runsListPolls'),
    pushMs: pick('pushMs'),
    checkoutLineMs: pick('checkoutLineMs'),
    stepOutputLineMs: pick('stepOutputLineMs'),
    stepOutputFromPushStartMs: pick('stepOutputFromPushStartMs'),
    runs,
    loadAtEnd: round(os.loadavg()[0]!),
  };
}

/** 3. A step printing 100 MB in 1M lines, its log read while it runs, against the same into /dev/null. */
async function measureLogThroughput(client: HttpClient, baseUrl: string, token: string, work: string, serverPid: number) {
  const repository = await BenchRepository.create(client, baseUrl, token, work, 'flood', pipelineFile([{ name: 'flood', run: FLOOD_COMMAND }]));
  const reader = createHttpClient(baseUrl, token);
  const quiet = await waitForQuiet('log throughput', Number(options['max-load-wait']));
  const runs: Record<string, any>[] = [];
  try {
    for (let i = 0; i <= FLOOD_RUNS; i++) {
      const shell = await shellMs(`${FLOOD_COMMAND} > /dev/null`);
      const rawPipe = await rawPipeMs(FLOOD_COMMAND);
      const executor = await executorMs(FLOOD_COMMAND, work);
      const memory = watchMemory(serverPid);
      const pushed = await repository.push();
      const { id } = await repository.findRun(pushed.number);
      // Read the log as a UI would, every 250 ms, from where the last read ended.
      const reads: { at: number; ms: number; lines: number; floodLines: number; stepDone: boolean }[] = [];
      const logs: LogLine[] = [];
      let status = 'queued';
      while (!['succeeded', 'failed', 'cancelled'].includes(status)) {
        const answer = await reader.get(`/api/pipelines/runs/${id}/logs?after=${logs.at(-1)?.seq ?? 0}`);
        const items = json(answer.body).items as LogLine[];
        logs.push(...items);
        const stepStarted = logs.some((line) => line.message.startsWith('▶ flood'));
        const stepDone = logs.some((line) => line.message.startsWith('✔ flood') || line.message.startsWith('[log cut'));
        if (stepStarted) reads.push({ at: now(), ms: round(answer.ms, 1), lines: items.length, floodLines: items.filter((line) => /^x{100}$/.test(line.message)).length, stepDone });
        status = json((await reader.get(`/api/pipelines/runs/${id}`)).body).status;
        await sleep(250);
      }
      logs.push(...(await allLogs(client, id)).filter((line) => line.seq > (logs.at(-1)?.seq ?? 0)));
      const peak = memory.stop();
      const finished = json((await client.get(`/api/pipelines/runs/${id}`)).body) as Run;
      expectSucceeded('log throughput', finished, logs);
      const step = finished.jobs[0]!.steps[0]!;
      const kept = logs.filter((line) => /^x{100}$/.test(line.message)).length;
      if (kept + (step.droppedLines ?? 0) !== FLOOD_LINES) throw new Error(`log throughput: run ${pushed.number} kept ${kept} lines and dropped ${step.droppedLines}, not ${FLOOD_LINES} in all`);
      const start = logs.find((line) => line.message.startsWith('▶ flood'));
      const end = logs.find((line) => line.message.startsWith('✔ flood'));
      const cutNote = logs.find((line) => line.message.startsWith('[log cut'));
      const liveReads = reads.filter((read) => !read.stepDone && read.floodLines > 0);
      if (i === 0) continue;
      const stepMs = at(end) - at(start);
      runs.push({
        number: pushed.number,
        shellMs: round(shell, 1),
        rawPipeMs: round(rawPipe, 1),
        executorMs: executor,
        stepMs,
        stepDurationMs: step.durationMs,
        ratio: round(stepMs / shell, 2),
        ratioFromDurationMs: round(step.durationMs / shell, 2),
        keptLines: kept,
        droppedLines: step.droppedLines ?? 0,
        /** From ▶ to the last kept line written: the 10,000 kept lines reach the database. */
        keptLinesWrittenMs: at(logs.filter((line) => /^x{100}$/.test(line.message)).at(-1)) - at(start),
        cutNoteAfterStartMs: at(cutNote) - at(start),
        readsDuringStep: reads.filter((read) => !read.stepDone).length,
        readsWithOutputDuringStep: liveReads.length,
        firstLiveReadAfterStartMs: liveReads[0] ? round(liveReads[0].at - at(start), 1) : null,
        logReadMs: summarize(reads.map((read) => read.ms)),
        serverPeakRssMb: round(peak.peakRssMb, 1),
      });
    }
  } finally {
    reader.close();
  }
  const pick = (key: string) => summarize(runs.map((r) => r[key] as number));
  return {
    command: FLOOD_COMMAND,
    bytes: 100_000_000,
    lines: FLOOD_LINES,
    keptLinesPerStep: KEPT_LINES_PER_STEP,
    shellBaseline: `sh -c '${FLOOD_COMMAND} > /dev/null', timed inside the shell, run before each push`,
    rawPipeBaseline: 'the command as a Node child process (spawn sh -c) in the benchmark process, its stdout read and discarded: the cost of piping 100 MB into Node',
    executorBaseline: "the command through createLocalExecutor() of src/pipelines/local-executor.ts in the benchmark process, onLine a no-op, the product's 10,000-line cap: piping plus the executor's line handling, without the server's log",
    stepTimeFrom: 'log timestamps: ▶ flood to ✔ flood (includes writing the kept lines); the executor durationMs (spawn to exit and end of output) beside it',
    liveRead: 'GET /api/pipelines/runs/:id/logs?after=<last seq> every 250 ms from the push on; a read is live when it returned output lines before the step had finished',
    warmups: 1,
    ...quiet,
    ratio: pick('ratio'),
    ratioFromDurationMs: pick('ratioFromDurationMs'),
    stepMs: pick('stepMs'),
    stepDurationMs: pick('stepDurationMs'),
    shellMs: pick('shellMs'),
    rawPipeMs: pick('rawPipeMs'),
    executorMs: pick('executorMs'),
    keptLinesWrittenMs: pick('keptLinesWrittenMs'),
    runsReadLive: runs.filter((r) => r.readsWithOutputDuringStep > 0).length,
    runs,
    loadAtEnd: round(os.loadavg()[0]!),
  };
}

async function benchmark(db: Db) {
  const token = randomBytes(24).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `paved-pipelines-bench-${db}-`));
  const logFile = path.join(REPO_ROOT, 'bench', '.data', `pipelines-${db}.log`);
  const schema = `bench_pipelines_${Date.now().toString(36)}`;
  const env: Record<string, string> = { PORT: String(await freePort()), HOST: '127.0.0.1', PAVED_DATA_DIR: dataDir, PAVED_ADMIN_TOKEN: token, PAVED_DEMO: 'false', PAVED_LOG_LEVEL: 'warn', PAVED_CATALOG_REFRESH_SECONDS: '0' };
  if (db === 'postgres') Object.assign(env, { DATABASE_URL: POSTGRES_URL, PAVED_DATABASE_SCHEMA: schema });
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  fs.writeFileSync(logFile, '');
  const result: Record<string, unknown> = {
    db,
    environment: { date: new Date().toISOString(), node: process.version, cpus: `${os.cpus().length} × ${os.cpus()[0]?.model}`, git: execFileSync('git', ['--version']).toString().trim(), loadAverageAtStart: os.loadavg().map((l) => round(l)), ...gitState() },
  };
  const server = startServer(env, logFile);
  const client = createHttpClient(server.baseUrl, token);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-pipelines-git-'));
  try {
    await waitHealthy(server, performance.now());
    result.stepOverhead = await measureStepOverhead(client, server.baseUrl, token, work);
    result.pushToFirstLine = await measurePushToFirstLine(client, server.baseUrl, token, work);
    result.logThroughput = await measureLogThroughput(client, server.baseUrl, token, work, server.pid);
    result.loadAverageAtEnd = os.loadavg().map((l) => round(l));
    result.runsList404s = runsList404s;
    result.ok = true;
  } catch (error) {
    result.ok = false;
    result.problem = `${(error as Error).stack ?? error}\n  server log ends:\n${fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-15).join('\n')}`;
  } finally {
    client.close();
    await server.stop();
    for (const dir of [dataDir, work]) fs.rmSync(dir, { recursive: true, force: true });
    if (db === 'postgres') await dropSchema(schema);
  }
  return result;
}

function printTable(result: any) {
  console.log(`\nPipelines benchmark: ${result.db}, ${result.environment.cpus}, commit ${result.environment.commit}`);
  const rows: string[][] = [['', 'p50 / p90 / min / max', 'target', '']];
  const f = (s: { p50: number; p90: number; min: number; max: number }, unit = ' ms') => `${s.p50} / ${s.p90} / ${s.min} / ${s.max}${unit}`;
  const verdict = (value: number, target: number) => (value <= target ? 'ok' : 'MISSED');
  const o = result.stepOverhead;
  if (o) {
    rows.push([`overhead per step, (job − shell) / ${STEPS}, job from ▶ to ✔ lines (${o.overheadPerStepMs.n} runs, load ${o.loadAtStart})`, f(o.overheadPerStepMs), `≤ ${TARGETS.overheadPerStepMs} ms`, verdict(o.overheadPerStepMs.p50, TARGETS.overheadPerStepMs)]);
    rows.push(['  the same from the sum of the steps durationMs', f(o.overheadPerStepFromDurationsMs), '', '']);
    rows.push([`  job, first ▶ to last ✔`, f(o.jobMs), '', '']);
    rows.push([`  sum of the ${STEPS} steps durationMs`, f(o.sumStepDurationMs), '', '']);
    rows.push([`  ${STEPS} × sh -c true in a shell loop`, f(o.shellMs), '', '']);
    rows.push([`  ${STEPS} × true through the executor alone, in the benchmark process`, f(o.executorMs), '', '']);
    rows.push(['  ✔ of one step → ▶ of the next (mean per run)', f(o.betweenStepsMs), '', '']);
    rows.push(['  whole job (checkout included) / whole run', `${o.wholeJobMs.p50} / ${o.runMs.p50} ms (p50)`, '', '']);
  }
  const l = result.pushToFirstLine;
  if (l) {
    rows.push([`push returned → first log line on the event stream (${l.firstLineMs.n} runs, load ${l.loadAtStart})`, f(l.firstLineMs), `≤ ${TARGETS.pushToFirstLineMs} ms`, verdict(l.firstLineMs.p50, TARGETS.pushToFirstLineMs)]);
    rows.push([`  the same from the start of git push (push itself: p50 ${l.pushMs.p50} ms)`, f(l.firstLineFromPushStartMs), '', '']);
    rows.push([`  first line ("${l.firstLineText}") written, server clock`, f(l.firstLineWrittenMs), '', '']);
    rows.push([`  run id found in the runs list (runs delayed by it: ${l.runsDelayedByFindingTheRun} of ${l.firstLineMs.n}; list answered 404 in ${l.runsWithRunsList404})`, f(l.runFoundMs), '', '']);
    rows.push(['  "Checked out" line arrives', f(l.checkoutLineMs), '', '']);
    rows.push(["  the step's own output line arrives", f(l.stepOutputLineMs), '', '']);
  }
  const t = result.logThroughput;
  if (t) {
    rows.push([`100 MB step, ▶ → ✔ / same into /dev/null (${t.ratio.n} runs, load ${t.loadAtStart})`, f(t.ratio, '×'), `≤ ${TARGETS.floodRatio}×`, verdict(t.ratio.p50, TARGETS.floodRatio)]);
    rows.push(['  the same with the step durationMs', f(t.ratioFromDurationMs, '×'), '', '']);
    rows.push(['  step ▶ → ✔', f(t.stepMs), '', '']);
    rows.push(['  step durationMs (spawn → exit, output read)', f(t.stepDurationMs), '', '']);
    rows.push(['  shell, > /dev/null', f(t.shellMs), '', '']);
    rows.push(['  piped into a bare Node child process, output discarded', f(t.rawPipeMs), '', '']);
    rows.push(["  through Paved's executor alone (lines split, then dropped)", f(t.executorMs), '', '']);
    rows.push([`  ▶ → last of the ${t.keptLinesPerStep} kept lines written`, f(t.keptLinesWrittenMs), '', '']);
    rows.push(['  runs whose log was read with output while the step ran', `${t.runsReadLive} of ${t.ratio.n}`, 'readable live', t.runsReadLive === t.ratio.n ? 'ok' : 'MISSED']);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length)));
  for (const row of rows) console.log(`  ${row[0]!.padEnd(widths[0]!)}  ${row[1]!.padEnd(widths[1]!)}  ${row[2]!.padEnd(widths[2]!)}  ${row[3]}`);
  if (t) for (const r of t.runs) console.log(`    flood run ${r.number}: kept ${r.keptLines}, dropped ${r.droppedLines}; ${r.readsWithOutputDuringStep} of ${r.readsDuringStep} reads during the step returned output (first ${r.firstLiveReadAfterStartMs} ms after ▶); log GET p50/max ${r.logReadMs.p50}/${r.logReadMs.max} ms; server RSS peak ${r.serverPeakRssMb} MB`);
  if (result.runsList404s) console.log(`  the runs list answered 404 tasks.task_not_found ${result.runsList404s} times while runs were starting (a run's row is inserted before its task)`);
  if (result.problem) console.log(`  PROBLEM: ${result.problem}`);
}

// Builds dist/ when a file of src/ is newer than it (as bench/scaffolder.ts does).
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
  runsList404s = 0;
  const result = await benchmark(db);
  printTable(result);
  const file = path.join(REPO_ROOT, 'bench', 'results', `pipelines-${db}.json`);
  if (!process.env.BENCH_SERVER_ENTRY) fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.exitCode ||= result.ok ? 0 : 1;
}
