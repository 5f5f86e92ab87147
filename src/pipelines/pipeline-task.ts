import fs from 'node:fs/promises';
import path from 'node:path';
import { type GitService, pavedGit } from '../git/index.js';
import { type LimitCeilings, type Sandbox, type SandboxLimits, type SandboxNetwork, formatBytes } from '../sandbox/index.js';
import type { SecretsService } from '../secrets/index.js';
import type { StepContext, TaskDefinition } from '../tasks/task-definition.js';
import type { ArtifactStore } from './artifacts.js';
import type { Executor } from './local-executor.js';
import { conditionHolds } from '../expressions/index.js';
import { createMasker } from '../secrets/index.js';
import { type PipelineJob, type PipelineProblem, durationMs } from './pipeline-file.js';

export const PIPELINE_TASK_KIND = 'pipelines.run';
const PREPARE_STEP = 'prepare';
const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;
/** Lines of one step kept in the log; the rest is counted, not kept. */
const MAX_LINES_PER_STEP = 10_000;

/** What a run stores as its task input: everything it needs, fixed when it was triggered. */
export interface PipelineTaskInput {
  repository: { namespace: string; name: string; ownerRef: string };
  number: number;
  branch: string;
  commit: string;
  event: 'push' | 'manual' | 'schedule';
  concurrency: 'queue' | 'parallel';
  secrets: string[];
  /** The jobs in order, or why the pipeline file is invalid. */
  jobs: PipelineJob[];
  problems: PipelineProblem[];
}

export interface JobResult {
  job: string;
  steps: { name: string; exitCode: number | null; durationMs: number; stopped?: string; droppedLines?: number; skipped?: string }[];
}

/**
 * What a `deploy:` step hands its checkout to (the delivery module, wired in by Paved). Pipelines
 * know only this much of delivery.
 */
export interface PipelineDeployer {
  /** `runTaskId`: the run's task, whose creator (who pushed, who started it) is who asks for the deployment. */
  deploy(input: { repository: PipelineTaskInput['repository']; commit: string; branch: string; environment: string; scorePath?: string; buildDir: string; run: string; runTaskId: string }): Promise<{ id: string; environment: string; status: string }>;
  /** Passes the deployment's log lines on as they come; resolves with its outcome. */
  follow(id: string, onLine: (message: string) => Promise<void>, signal: AbortSignal): Promise<{ status: string; error: string | null }>;
}

export interface PipelineTaskDeps {
  git: GitService;
  secrets: SecretsService;
  executor: Executor;
  /** Where steps run; a run is refused (naming the fix) while it is unavailable. */
  sandbox: Sandbox;
  /** A job's limits where its pipeline file sets none. */
  defaultLimits: SandboxLimits;
  /** The most a pipeline file may ask for. */
  limitCeilings: LimitCeilings;
  artifacts: ArtifactStore;
  /** Where jobs check out their commit: `<dataDir>/pipelines/work`. */
  workRoot: string;
  /** The secret scopes a repository's runs read, most specific first, from Paved's records (its registered component, then its owner). */
  secretScopesOf(repository: PipelineTaskInput['repository']): Promise<string[]>;
  /** Ids of the runs of the same branch that came before this one and have not finished. */
  unfinishedBefore(input: PipelineTaskInput): Promise<string[]>;
  deployer(): PipelineDeployer | undefined;
}

/**
 * A pipeline run as a durable task: `prepare` (refuse an invalid file with its lines; wait for
 * the branch's earlier runs), then one task step per job, in dependency order. A run whose
 * process dies resumes at the job it was in, which starts again from a fresh checkout.
 */
export function pipelineTaskDefinition(deps: PipelineTaskDeps): TaskDefinition {
  return {
    kind: PIPELINE_TASK_KIND,
    steps(rawInput) {
      const input = rawInput as PipelineTaskInput;
      return [
        { id: PREPARE_STEP, run: (context: StepContext) => prepare(deps, input, context) },
        ...input.jobs.map((job) => ({ id: `job:${job.id}`, run: (context: StepContext) => runJob(deps, input, job, context) })),
      ];
    },
  };
}

async function prepare(deps: PipelineTaskDeps, input: PipelineTaskInput, context: StepContext): Promise<void> {
  if (input.problems.length > 0) {
    const listed = input.problems.map((problem) => `line ${problem.line ?? '?'}${problem.path ? ` (${problem.path})` : ''}: ${problem.message}`);
    for (const line of listed) await context.log(`.paved/pipeline.yaml ${line}`, 'error');
    throw new Error(`.paved/pipeline.yaml is invalid: ${listed.join('; ')}`);
  }
  if (input.concurrency === 'parallel') return;
  let announced = false;
  for (;;) {
    const waitingFor = await deps.unfinishedBefore(input);
    if (waitingFor.length === 0) return;
    if (!announced) await context.log(`Waiting for ${waitingFor.length} earlier run(s) of ${input.branch} to finish`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
    if (context.signal.aborted) throw context.signal.reason;
  }
}

async function runJob(deps: PipelineTaskDeps, input: PipelineTaskInput, job: PipelineJob, context: StepContext): Promise<JobResult> {
  const { namespace, name } = input.repository;
  const facts = { branch: input.branch, event: input.event, commit: input.commit };
  if (job.if !== undefined && !conditionHolds(job.if, { ...facts, status: 'success' })) {
    context.markSkipped(`its condition ${job.if} is false`);
    return { job: job.id, steps: [] };
  }
  deps.sandbox.assertAvailable();
  const limits: SandboxLimits = { ...deps.defaultLimits, ...job.limits };
  for (const [limit, { most, setting }] of Object.entries(deps.limitCeilings) as [keyof SandboxLimits, { most: number; setting: string }][]) {
    if (limits[limit] <= most) continue;
    const show = (value: number) => (limit === 'memoryBytes' ? formatBytes(value) : String(value));
    const name = { memoryBytes: 'memory', cpus: 'cpus', pids: 'pids' }[limit];
    throw new Error(`job ${job.id} asks for limits.${name} ${show(limits[limit])}, more than this Paved allows (${show(most)}; the operator's ${setting})`);
  }
  if (deps.sandbox.notice) await context.log(deps.sandbox.notice, 'warn');
  const workspace = path.join(deps.workRoot, context.taskId, job.id);
  // The job's HOME: `git config --global`, caches and dotfiles of its steps stay in the job.
  const home = `${workspace}.home`;
  await fs.rm(workspace, { recursive: true, force: true });
  await fs.rm(home, { recursive: true, force: true });
  await fs.mkdir(path.dirname(workspace), { recursive: true });
  const bare = deps.git.directoryOf(await deps.git.get(namespace, name));
  // Paved's own git reads no system or global configuration and runs no hooks (git/paved-git.ts).
  await pavedGit(['clone', '--quiet', '--no-checkout', bare, workspace], { signal: context.signal });
  await pavedGit(['-C', workspace, 'checkout', '--quiet', '--detach', input.commit], { signal: context.signal });
  await fs.mkdir(home);
  await deps.sandbox.ownWritable(workspace, home);
  await context.log(`Checked out ${input.commit.slice(0, 12)} (${input.branch})`);

  // The repository's registered component's secrets first, then its owner's: never a namesake's.
  const scopes = await deps.secretScopesOf(input.repository);
  const secrets = await deps.secrets.reveal(scopes, input.secrets, { actor: `pipeline:${namespace}/${name}#${input.number}`, purpose: `job ${job.id}` });
  const missing = input.secrets.filter((secret) => !secrets.has(secret));
  if (missing.length > 0) throw new Error(`secrets ${missing.join(', ')} are declared but set in none of ${scopes.join(', ')}`);
  const mask = createMasker([...secrets.values()]);

  const result: JobResult = { job: job.id, steps: [] };
  // The first failure of the job; later steps run only if their condition asks for it.
  let failure: Error | undefined;
  let network: SandboxNetwork | undefined;
  try {
    // One namespace for the job's steps (a server started by one is reachable by the next),
    // reaching out only through the egress allow-list.
    if (job.steps.some((step) => step.run !== undefined)) network = await deps.sandbox.network({ egress: true, forwards: [], exposes: [] });
    for (const [index, step] of job.steps.entries()) {
      const stepName = step.name ?? `step ${index + 1}`;
      const status = failure ? 'failure' : 'success';
      if (step.if === undefined ? failure !== undefined : !conditionHolds(step.if, { ...facts, status })) {
        result.steps.push({ name: stepName, exitCode: null, durationMs: 0, skipped: step.if ?? 'an earlier step failed' });
        await context.log(`⤼ ${stepName}: skipped (${step.if ? `${step.if} is false` : 'an earlier step failed'})`);
        continue;
      }
      const cwd = path.resolve(workspace, step['working-directory'] ?? '.');
      if (path.relative(workspace, cwd).startsWith('..')) throw new Error(`${stepName}: working-directory ${step['working-directory']} is outside the checkout`);
      if (step.deploy) {
        const started = Date.now();
        const stepFailure = await deployCheckout(deps, input, { ...step.deploy, stepName, buildDir: workspace }, context, mask);
        result.steps.push({ name: stepName, exitCode: stepFailure ? 1 : 0, durationMs: Date.now() - started });
        failure ??= stepFailure;
        continue;
      }
      await context.log(`▶ ${stepName}: ${mask(step.run!)}`);
      const output = createLogBatcher(context);
      // Lines are held one at a time, so a secret printed in two pieces is masked on both.
      const maskedLines = mask.lines((line) => output.add(line));
      const outcome = await deps.executor.run({
        command: step.run!,
        cwd,
        mounts: [
          { path: workspace, writable: true },
          { path: home, writable: true },
        ],
        limits,
        ...(network ? { network } : {}),
        label: `pipeline-${context.taskId}-${job.id}`,
        env: {
          ...network?.env,
          PATH: '/usr/local/bin:/usr/bin:/bin',
          HOME: home,
          LANG: 'C.UTF-8',
          TMPDIR: '/tmp',
          CI: 'true',
          CI_REPOSITORY: `${namespace}/${name}`,
          CI_BRANCH: input.branch,
          CI_COMMIT: input.commit,
          CI_RUN_NUMBER: String(input.number),
          CI_JOB: job.id,
          ...job.env,
          ...Object.fromEntries(Object.entries(step.env ?? {}).map(([key, value]) => [key, String(value)])),
          ...Object.fromEntries(secrets),
        },
        timeoutMs: durationMs(step.timeout) ?? job.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
        signal: context.signal,
        maxLines: MAX_LINES_PER_STEP,
        onLine: (line) => maskedLines.push(line),
      });
      maskedLines.end();
      await output.flush();
      const dropped = outcome.droppedLines;
      if (dropped > 0) await context.log(`[log cut: ${dropped} more lines of ${stepName} were not kept; the first ${MAX_LINES_PER_STEP} are above]`, 'warn');
      result.steps.push({ name: stepName, exitCode: outcome.exitCode, durationMs: outcome.durationMs, ...(outcome.stopped ? { stopped: outcome.stopped } : {}), ...(dropped ? { droppedLines: dropped } : {}) });
      if (outcome.stopped === 'cancelled') throw context.signal.reason ?? new Error('cancelled');
      if (outcome.processLimitHit) await context.log(`⚠ ${stepName} reached its process limit (${limits.pids} processes and threads), so some of its forks failed; raise it with limits.pids in .paved/pipeline.yaml`, 'warn');
      const stepFailure = outcome.outOfMemory
        ? new Error(`${stepName} was killed: out of memory (limit ${formatBytes(limits.memoryBytes)}; raise it with limits.memory in .paved/pipeline.yaml)`)
        : outcome.stopped === 'timeout'
          ? new Error(`${stepName} timed out after ${outcome.durationMs} ms`)
          : outcome.exitCode !== 0
            ? new Error(`${stepName} failed with exit code ${outcome.exitCode}`)
            : undefined;
      await context.log(stepFailure ? `✖ ${stepFailure.message}` : `✔ ${stepName}: exit 0 in ${outcome.durationMs} ms`, stepFailure ? 'error' : 'info');
      failure ??= stepFailure;
    }
    if (failure) throw failure;
    return result;
  } finally {
    // The steps are over: their network ends, and their folders go, even if keeping artifacts fails.
    await network?.close();
    try {
      // Kept whether the job passed or failed (a failing test's report is what one wants to read).
      if (job.artifacts.length > 0 && !context.signal.aborted) {
        const { kept, leftOut } = await deps.artifacts.keep(context.taskId, job.id, workspace, job.artifacts);
        await context.log(`Kept ${kept.length} artifact file(s)${leftOut ? `; ${leftOut} more left out (over 1,000 files or 200 MB)` : ''}`);
      }
    } finally {
      await fs.rm(workspace, { recursive: true, force: true });
      await fs.rm(home, { recursive: true, force: true });
    }
  }
}

/**
 * A `deploy:` step: the checkout, as the steps before left it, becomes the build of the commit
 * and is deployed; the deployment's log is followed into the run's. A deployment waiting for an
 * approval does not hold the run.
 */
async function deployCheckout(
  deps: PipelineTaskDeps,
  input: PipelineTaskInput,
  step: { environment: string; score?: string; stepName: string; buildDir: string },
  context: StepContext,
  mask: (text: string) => string,
): Promise<Error | undefined> {
  const deployer = deps.deployer();
  if (!deployer) return new Error(`${step.stepName}: this Paved has no delivery module to deploy with`);
  await context.log(`▶ ${step.stepName}: deploy to ${step.environment}`);
  try {
    const deployment = await deployer.deploy({
      repository: input.repository,
      commit: input.commit,
      branch: input.branch,
      environment: step.environment,
      buildDir: step.buildDir,
      run: `pipeline:${input.repository.namespace}/${input.repository.name}#${input.number}`,
      runTaskId: context.taskId,
      ...(step.score ? { scorePath: step.score } : {}),
    });
    if (deployment.status === 'awaiting_approval') {
      await context.log(`✔ ${step.stepName}: deployment ${deployment.id} to ${deployment.environment} waits for an owner's approval (paved deployment approve ${deployment.id})`);
      return undefined;
    }
    const outcome = await deployer.follow(deployment.id, (message) => context.log(`  ${mask(message)}`), context.signal);
    if (outcome.status !== 'succeeded') return new Error(`${step.stepName}: deployment ${deployment.id} to ${deployment.environment} ${outcome.status}: ${mask(outcome.error ?? '')}`);
    await context.log(`✔ ${step.stepName}: deployed to ${deployment.environment} (deployment ${deployment.id})`);
    return undefined;
  } catch (error) {
    if (context.signal.aborted) throw error;
    const failure = new Error(`${step.stepName}: ${mask((error as Error).message)}`);
    await context.log(`✖ ${failure.message}`, 'error');
    return failure;
  }
}

/** Lines go to the log in batches, at most this many per write, and at most this long after they came. */
const LOG_BATCH_LINES = 500;
const LOG_BATCH_MS = 50;

/**
 * Collects a step's output lines and writes them in batches: one insert per line would make the
 * database, not the step, set the pace (10,000 round trips for a chatty build), while a short
 * delay keeps the log live.
 */
function createLogBatcher(context: StepContext) {
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing = Promise.resolve();
  // A failed write is kept for `flush` to throw, rather than left as an unhandled rejection.
  let failed: unknown;
  const write = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    writing = writing.then(() => context.logLines(batch)).catch((error: unknown) => void (failed ??= error));
  };
  return {
    add(line: string) {
      pending.push(line);
      if (pending.length >= LOG_BATCH_LINES) write();
      else timer ??= setTimeout(write, LOG_BATCH_MS);
    },
    async flush() {
      write();
      await writing;
      if (failed) throw failed;
    },
  };
}
