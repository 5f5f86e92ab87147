import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { z } from 'zod';
import { parsePipelineFile } from '../../pipelines/pipeline-file.js';
import { type ApiClient, checked, connect } from '../api-client.js';
import { wholeNumber } from '../arguments.js';
import { resolveToken } from '../credentials.js';
import { CliError, type CliIo, ExitCode, type Output, UsageError, createOutput, globalOptions } from '../output.js';
import { jsonOf, readEventStream } from '../sse.js';
import { durationText, shorten, timeOf } from '../text.js';

const API = '/api/pipelines';
const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

// The CLI's own view of the pipelines API: what it reads, checked where JSON comes in.
const runSchema = z.looseObject({
  id: z.string(), number: z.number(), branch: z.string(), commit: z.string(), event: z.string(), createdAt: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  startedAt: z.string().nullable(), finishedAt: z.string().nullable(), error: z.string().nullable(), failedJob: z.string().nullable(),
});
type Run = z.infer<typeof runSchema>;
const logLineSchema = z.looseObject({ seq: z.number(), message: z.string(), stepId: z.string().nullable() });
type LogLine = z.infer<typeof logLineSchema>;

/** `team-a/cart`, and its path in the API. */
type Repo = { ref: string; path: string };

/** What a command that talks to the server needs: where to print, the client, and the token for the event stream. */
type Session = { out: Output; client: ApiClient; token: string };

/** `paved pipeline runs|logs|run|validate`: the runs of `.paved/pipeline.yaml`, through `/api/pipelines`. */
export function registerPipelineCommands(program: Command, io: CliIo): void {
  const pipeline = program.command('pipeline').description('list pipeline runs, follow their logs, start a run, and check a pipeline file offline');
  const session = (command: Command): Session => {
    const globals = globalOptions(command);
    const out = createOutput(io, globals);
    const client = connect(io, globals, out);
    return { out, client, token: resolveToken({ flag: globals.token, env: io.env, cwd: io.cwd, serverUrl: client.baseUrl })?.token ?? '' };
  };

  pipeline
    .command('runs')
    .description("list a repository's runs, newest first: #, STATUS, BRANCH, COMMIT, EVENT, STARTED, DURATION, ERROR")
    .argument('<repo>', 'the repository, namespace/name')
    .option('--branch <branch>', "only this branch's runs")
    .option('--limit <n>', 'at most N runs, 1 to 200 (default 50)', wholeNumber({ max: 200 }))
    .addHelpText('after', '\nExamples:\n  paved pipeline runs team-a/cart\n  paved pipeline runs team-a/cart --branch main --limit 5 --json')
    .action(async (repoText: string, options: { branch?: string; limit?: number }, command: Command) => {
      const repo = repoOf(repoText);
      const { out, client } = session(command);
      const items = await listRuns(client, repo, options);
      if (out.json) return out.data({ items });
      if (items.length === 0) return out.note(`No pipeline runs in ${repo.ref}${options.branch ? ` on ${options.branch}` : ''}.`);
      out.table(
        ['#', 'STATUS', 'BRANCH', 'COMMIT', 'EVENT', 'STARTED', 'DURATION', 'ERROR'],
        items.map((run) => [run.number, run.status, run.branch, run.commit.slice(0, 12), run.event, run.startedAt ? timeOf(run.startedAt) : undefined, durationOf(run), shorten(run.error)]),
      );
    });

  pipeline
    .command('logs')
    .description("print a run's log so far, or with --follow stream it until the run ends")
    .argument('<run>', 'a run id, or namespace/name#N (run number N of that repository)')
    .option('-f, --follow', 'stream the log until the run ends; exit 1 if it failed or was cancelled')
    .addHelpText('after', '\nExamples:\n  paved pipeline logs team-a/cart#12\n  paved pipeline logs 0197a3c2-… --follow')
    .action(async (runText: string, options: { follow?: boolean }, command: Command) => {
      const which = runRefOf(runText);
      const current = session(command);
      const run = 'id' in which ? await getRun(current.client, which.id) : await findRun(current.client, which.repo, which.number);
      if (options.follow) return finish(current.out, await follow(current, run));
      const items: LogLine[] = [];
      for (let page = await getLogs(current.client, run.id, 0); page.length > 0; page = await getLogs(current.client, run.id, page.at(-1)!.seq)) items.push(...page);
      if (current.out.json) return current.out.data({ run, items });
      for (const line of items) current.out.line(lineText(line));
      if (!FINISHED.has(run.status)) current.out.note(`Run #${run.number} is ${run.status}; add --follow to stream the rest.`);
    });

  pipeline
    .command('run')
    .description("start a run of a branch's pipeline now (its file needs `manual: {}` under spec.on) and follow its log")
    .argument('<repo>', 'the repository, namespace/name')
    .option('--ref <branch>', 'the branch to run', 'main')
    .option('--no-follow', 'print the run and return at once')
    .addHelpText('after', '\nExamples:\n  paved pipeline run team-a/cart\n  paved pipeline run team-a/cart --ref release/1.2 --no-follow')
    .action(async (repoText: string, options: { ref: string; follow: boolean }, command: Command) => {
      const repo = repoOf(repoText);
      const current = session(command);
      const run = checked(runSchema, await current.client.request<unknown>('POST', `${API}/repositories/${repo.path}/runs`, { json: { branch: options.ref } }));
      if (!options.follow) return current.out.json ? current.out.data(run) : current.out.line(`Started run #${run.number} of ${repo.ref} on ${run.branch}: ${run.id}`);
      current.out.note(`Started run #${run.number} of ${repo.ref} on ${run.branch} (${run.id}).`);
      finish(current.out, await follow(current, run));
    });

  pipeline
    .command('validate')
    .description('check a pipeline file offline, as the server would (no server or token needed; for CI)')
    .argument('<file>', 'the file, e.g. .paved/pipeline.yaml; - reads standard input')
    .addHelpText('after', '\nExamples:\n  paved pipeline validate .paved/pipeline.yaml\n  paved pipeline validate .paved/pipeline.yaml --json')
    .action(async (file: string, _options: unknown, command: Command) => {
      const out = createOutput(io, globalOptions(command));
      const parsed = parsePipelineFile(await readText(io, file));
      const result = parsed.ok ? { valid: true, problems: [], jobs: parsed.jobs.map((job) => job.id) } : { valid: false, problems: parsed.problems, jobs: [] };
      if (out.json) out.data({ file, ...result });
      else if (result.valid) out.line(`${file}: valid (jobs: ${result.jobs.join(', ')})`);
      else for (const problem of result.problems) out.line(`${[file, problem.line].filter((part) => part !== undefined).join(':')}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`);
      if (!result.valid) throw new ExitCode(1);
    });
}

async function listRuns(client: ApiClient, repo: Repo, query: { branch?: string; limit?: number }): Promise<Run[]> {
  const answer = await client.request<unknown>('GET', `${API}/repositories/${repo.path}/runs`, { query });
  return checked(z.object({ items: z.array(runSchema) }), answer).items;
}

async function getRun(client: ApiClient, id: string): Promise<Run> {
  return checked(runSchema, await client.request<unknown>('GET', `${API}/runs/${encodeURIComponent(id)}`));
}

async function getLogs(client: ApiClient, id: string, after: number): Promise<LogLine[]> {
  const answer = await client.request<unknown>('GET', `${API}/runs/${encodeURIComponent(id)}/logs`, { query: { after } });
  return checked(z.object({ items: z.array(logLineSchema) }), answer).items;
}

/** `REPO#N`: the list has no lookup by number, so the latest 200 runs are searched. */
async function findRun(client: ApiClient, repo: Repo, number: number): Promise<Run> {
  const run = (await listRuns(client, repo, { limit: 200 })).find((candidate) => candidate.number === number);
  if (!run) throw new CliError(`No run #${number} among the latest 200 runs of ${repo.ref}`, 1, ['`paved pipeline runs REPO` lists them; older runs are reached by their id.'], { code: 'pipelines.run_not_found' });
  return run;
}

/**
 * Prints a run's log as it comes and returns the run once it has ended: the event stream,
 * reconnecting after the last line seen when it drops; polling the log when the stream cannot
 * be had at all (a proxy that refuses it).
 */
async function follow(session: Session, run: Run): Promise<Run> {
  const { out, client } = session;
  let after = 0;
  const show = (line: LogLine) => {
    if (line.seq <= after) return;
    after = line.seq;
    if (!out.json) out.line(lineText(line));
  };
  let ended: Run | undefined;
  const streamed = await readEventStream({
    url: `${client.baseUrl}${API}/runs/${encodeURIComponent(run.id)}/events`,
    token: session.token,
    out,
    unit: 'line',
    lastEventId: () => after,
    onMessage: (message) => {
      if (message.event === 'completion') ended = checked(runSchema, jsonOf(message.data));
      else if (message.event === 'log') show(checked(logLineSchema, jsonOf(message.data)));
      return ended !== undefined;
    },
    lost: () =>
      new CliError(`Lost the connection to ${client.baseUrl} while following run #${run.number}`, 1, [`The run goes on on the server; \`paved pipeline logs ${run.id} --follow\` picks it up again.`], {
        code: 'cli.unreachable',
        runId: run.id,
      }),
  });
  if (streamed && ended) return ended;
  for (;;) {
    // The status first: a run that had ended then has all its lines in the log read after it.
    const latest = await getRun(client, run.id);
    for (const line of await getLogs(client, run.id, after)) show(line);
    if (FINISHED.has(latest.status)) return latest;
    await sleep(500);
  }
}

/** The summary of an ended run: a line (or the run, with --json) if it succeeded, else an error, exit 1. */
function finish(out: Output, run: Run): void {
  if (out.json) out.data(run);
  if (run.status === 'succeeded') return out.json ? undefined : out.line(`Run #${run.number} succeeded in ${durationOf(run) ?? '?'}`);
  const where = run.failedJob && run.failedJob !== 'prepare' ? ` at job ${run.failedJob}` : '';
  const summary = run.status === 'cancelled' ? `Run #${run.number} was cancelled` : `Run #${run.number} ${run.status}${where}${run.error ? `: ${run.error}` : ''}`;
  throw new CliError(summary, 1, [], { code: `pipelines.run_${run.status}`, runId: run.id, failedJob: run.failedJob });
}

/** `team-a/cart` → the repository; any other form is a usage error. */
function repoOf(text: string): Repo {
  const match = /^([^/#\s]+)\/([^/#\s]+)$/.exec(text);
  if (!match) throw new UsageError(`"${text}" is not a repository`, ['Write namespace/name, e.g. team-a/cart.']);
  return { ref: text, path: `${encodeURIComponent(match[1]!)}/${encodeURIComponent(match[2]!)}` };
}

/** A run id, or `team-a/cart#12`. */
function runRefOf(text: string): { id: string } | { repo: Repo; number: number } {
  const numbered = /^(.+)#(\d+)$/.exec(text);
  if (numbered) return { repo: repoOf(numbered[1]!), number: Number(numbered[2]) };
  if (/[/#\s]/.test(text) || text === '') throw new UsageError(`"${text}" is not a run`, ['Write a run id, or namespace/name#N for run number N of a repository, e.g. team-a/cart#12.']);
  return { id: text };
}

async function readText(io: CliIo, file: string): Promise<string> {
  if (file === '-') return io.readStdin();
  try {
    return await fs.readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
  }
}

function lineText(line: LogLine): string {
  return line.stepId ? `[${line.stepId.replace(/^job:/, '')}] ${line.message}` : line.message;
}

/** From start to end, or to now for a run still going: `0.9 s`, `3.2 s`, `4 min 5 s` (seconds even under one). */
function durationOf(run: Run): string | undefined {
  if (!run.startedAt) return undefined;
  return durationText(Date.parse(run.finishedAt ?? new Date().toISOString()) - Date.parse(run.startedAt), 's');
}
