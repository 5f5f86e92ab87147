import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { timeOrderedId } from '../db/time-ordered-id.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { TaskDefinition } from './task-definition.js';
import { openTaskSecrets, sealTaskSecrets, sweepTaskSecrets } from './task-secrets.js';
import { appendLogLine, appendLogLines, cancelQueuedTask, claimTask, finishTask, lastLogSeq, recordStepOutput, releaseLeases, renewLease } from './task-store.js';
import type { StepStatus, TaskRow } from './tables.js';

export interface Task {
  id: string;
  kind: string;
  status: TaskRow['status'];
  input: unknown;
  stepOutputs: Record<string, unknown>;
  failedStep: string | null;
  error: string | null;
  attempts: number;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface LogLine {
  seq: number;
  at: string;
  level: 'info' | 'warn' | 'error';
  stepId: string | null;
  stepStatus: StepStatus | null;
  message: string;
}

export interface TaskListQuery {
  kind?: string;
  createdBy?: string;
  status?: Task['status'];
  limit: number;
  offset: number;
}

/** Seals text at rest (the secrets module's `seal`/`unseal`, under the master key). */
export interface SecretSealer {
  seal(plaintext: string, context: string): string;
  unseal(sealed: string, context: string): string;
}

export interface TaskEngineOptions {
  db: Kysely<Database>;
  logger: Logger;
  definitions: readonly TaskDefinition[];
  /** Tasks run at once by this process. */
  concurrency?: number;
  /** How long a claim lasts without a heartbeat; a dead worker's task is taken over after it. */
  leaseMs?: number;
  /** How often an idle worker looks for work. */
  pollMs?: number;
  /** Identifies this process in leases. */
  workerId?: string;
  /** Seals the secrets given at enqueue; without one, a task cannot be given secrets. */
  sealer?: SecretSealer;
  /** How long a failed task keeps its secrets for a retry (default 24 h); a periodic sweep removes them. */
  secretsRetentionMs?: number;
}

export interface TaskEngine {
  /** Queues a task; it runs as soon as a worker of any process is free. */
  /** `id` lets a module record the task under its id before queueing it (default: a new UUIDv7). */
  enqueue(kind: string, input: unknown, options: { createdBy: string; timeoutMs?: number; secrets?: Record<string, string>; id?: string }): Promise<Task>;
  get(id: string): Promise<Task>;
  /** Newest first, with the total that match. */
  list(query: TaskListQuery): Promise<{ tasks: Task[]; total: number }>;
  /** Stops a task: a queued one at once, a running one at its next heartbeat (its step's signal aborts). */
  cancel(id: string): Promise<Task>;
  /**
   * Queues a failed or cancelled task again; it resumes at the step that did not finish. A task
   * whose secrets were removed (it ended longer ago than the retention) must be given them
   * again, or the retry is refused.
   */
  retry(id: string, options?: { secrets?: Record<string, string> }): Promise<Task>;
  /** Log lines after `afterSeq`, in order. */
  logs(id: string, afterSeq?: number): Promise<LogLine[]>;
  /**
   * Resolves when this process next logs or settles the task, or after `timeoutMs`: what lets a
   * stream show progress at once here, while still polling for work done by other processes.
   */
  waitForChange(id: string, timeoutMs: number): Promise<void>;
  /** Whether the worker loop can reach the database. */
  healthy(): boolean;
  start(): void;
  /**
   * Stops claiming and aborts the running steps without finishing their tasks: their leases run
   * out and they resume, at the interrupted step, in another process or after a restart.
   */
  stop(): Promise<void>;
}

const SHUTTING_DOWN = 'shutting down';
const LEASE_LOST = 'lease lost';

/**
 * Whether a step was stopped only to be resumed (this process is stopping or lost its lease),
 * as opposed to cancelled or timed out: a step must not record a failure then.
 */
export function stoppedToResume(signal: AbortSignal): boolean {
  const reason = signal.reason as Error | undefined;
  return signal.aborted && (reason?.message === SHUTTING_DOWN || reason?.message === LEASE_LOST);
}

export function createTaskEngine(options: TaskEngineOptions): TaskEngine {
  const { db, logger } = options;
  const definitions = new Map(options.definitions.map((definition) => [definition.kind, definition]));
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollMs = options.pollMs ?? 250;
  const workerId = options.workerId ?? `worker-${timeOrderedId()}`;
  const secretsRetentionMs = options.secretsRetentionMs ?? 24 * 3_600_000;
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () =>
    sweepTaskSecrets(db, options.sealer, secretsRetentionMs).catch((error: unknown) => logger.warn({ err: error }, 'could not sweep the secrets of finished tasks'));
  // The heartbeat also delivers cancellation, so it beats at least every second, and three
  // times per lease so that one late beat does not lose the task.
  const heartbeatMs = Math.max(50, Math.min(1_000, Math.floor(leaseMs / 3)));
  const running = new Set<Promise<void>>();
  const controllers = new Set<AbortController>();
  let stopped = true;
  let loop: Promise<void> | undefined;
  let databaseReachable = true;
  let wake: (() => void) | undefined;
  const watchers = new Map<string, Set<() => void>>();
  const changed = (id: string) => {
    for (const resolve of watchers.get(id) ?? []) resolve();
    watchers.delete(id);
  };

  async function findRow(id: string): Promise<TaskRow> {
    const row = await db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('tasks.task_not_found', `No task with id ${id}`, { path: 'id' });
    return row;
  }

  async function runTask(row: TaskRow): Promise<void> {
    const definition = definitions.get(row.kind);
    let seq = await lastLogSeq(db, row.id);
    const log = async (message: string, level: LogLine['level'] = 'info', stepId: string | null = null, stepStatus: StepStatus | null = null) => {
      seq += 1;
      await appendLogLine(db, { task_id: row.id, seq, at: new Date().toISOString(), level, step_id: stepId, step_status: stepStatus, message });
      changed(row.id);
    };
    const logLines = async (messages: readonly string[], stepId: string) => {
      if (messages.length === 0) return;
      const at = new Date().toISOString();
      const first = seq + 1;
      seq += messages.length;
      await appendLogLines(db, messages.map((message, index) => ({ task_id: row.id, seq: first + index, at, level: 'info' as const, step_id: stepId, step_status: null, message })));
      changed(row.id);
    };
    if (!definition) {
      await log(`No task definition for kind ${row.kind}`, 'error');
      await finishTask(db, row.id, workerId, { status: 'failed', failedStep: null, error: `Unknown task kind ${row.kind}` });
      return;
    }
    const controller = new AbortController();
    controllers.add(controller);
    const timeout = row.timeout_ms ? setTimeout(() => controller.abort(new Error(`timed out after ${row.timeout_ms} ms`)), Number(row.timeout_ms)) : undefined;
    const heartbeat = setInterval(() => {
      renewLease(db, row.id, workerId, new Date(Date.now() + leaseMs))
        .then(({ held, cancelRequested }) => {
          if (cancelRequested) controller.abort(new Error('cancelled'));
          else if (!held) controller.abort(new Error(LEASE_LOST));
        })
        .catch((error) => logger.warn({ err: error, task: row.id }, 'task heartbeat failed'));
    }, heartbeatMs);
    const outputs = JSON.parse(row.step_outputs) as Record<string, unknown>;
    let currentStep: string | null = null;
    try {
      const secrets = Object.freeze(openTaskSecrets(options.sealer, row));
      if (row.cancel_requested) throw new Error('cancelled');
      for (const step of definition.steps(JSON.parse(row.input))) {
        if (step.id in outputs) continue;
        // Stopped or cancelled between two steps: the next one does not start.
        if (controller.signal.aborted) throw controller.signal.reason;
        currentStep = step.id;
        await log(`Step ${step.id} started`, 'info', step.id, 'processing');
        let skipped: string | undefined;
        const output = await step.run({
          taskId: row.id,
          input: JSON.parse(row.input),
          outputs,
          signal: controller.signal,
          secrets,
          log: (message, level) => log(message, level, step.id),
          logLines: (messages) => logLines(messages, step.id),
          markSkipped: (reason) => void (skipped = reason),
        });
        if (controller.signal.aborted) throw controller.signal.reason;
        outputs[step.id] = output ?? null;
        if (!(await recordStepOutput(db, row, workerId, outputs))) return;
        await log(skipped === undefined ? `Step ${step.id} finished` : `Step ${step.id} skipped: ${skipped}`, 'info', step.id, skipped === undefined ? 'completed' : 'skipped');
      }
      await log('Task succeeded');
      await finishTask(db, row.id, workerId, { status: 'succeeded' });
    } catch (error) {
      const reason = controller.signal.aborted ? (controller.signal.reason as Error) : (error as Error);
      // Another worker has it now, or this process is stopping: its lease expires and the task
      // resumes elsewhere (or here, after a restart) at this step.
      if (reason?.message === LEASE_LOST || reason?.message === SHUTTING_DOWN) return;
      if (reason?.message === 'cancelled') {
        await log(`Task cancelled${currentStep ? ` during step ${currentStep}` : ''}`, 'warn', currentStep, currentStep ? 'cancelled' : null);
        await finishTask(db, row.id, workerId, { status: 'cancelled' });
        return;
      }
      const message = reason instanceof Error ? reason.message : String(reason);
      await log(`Step ${currentStep ?? '(none)'} failed: ${message}`, 'error', currentStep, currentStep ? 'failed' : null);
      await finishTask(db, row.id, workerId, { status: 'failed', failedStep: currentStep, error: message });
    } finally {
      changed(row.id);
      clearInterval(heartbeat);
      if (timeout) clearTimeout(timeout);
      controllers.delete(controller);
    }
  }

  /** Waits `ms`, or less when a task is enqueued or the engine stops. */
  function pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, ms).unref();
    });
  }

  async function workLoop(): Promise<void> {
    let backoffMs = pollMs;
    while (!stopped) {
      if (running.size >= concurrency) {
        await Promise.race(running);
        continue;
      }
      let row: TaskRow | undefined;
      try {
        row = await claimTask(db, workerId, new Date(), new Date(Date.now() + leaseMs));
        databaseReachable = true;
        backoffMs = pollMs;
      } catch (error) {
        // A dropped connection or a restarting database: wait, longer each time, and carry on.
        databaseReachable = false;
        logger.warn({ err: error }, 'task worker cannot reach the database; retrying');
        await pause(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 5_000);
        continue;
      }
      if (!row) {
        await pause(pollMs);
        continue;
      }
      const run = runTask(row)
        .catch((error) => logger.error({ err: error, task: row.id }, 'task run failed'))
        .finally(() => running.delete(run));
      running.add(run);
    }
  }

  function toTask(row: TaskRow): Task {
    return {
      id: row.id,
      kind: row.kind,
      status: row.status,
      input: JSON.parse(row.input),
      stepOutputs: JSON.parse(row.step_outputs) as Record<string, unknown>,
      failedStep: row.failed_step,
      error: row.error,
      attempts: Number(row.attempts),
      createdBy: row.created_by,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
    };
  }

  return {
    async enqueue(kind, input, enqueueOptions) {
      if (!definitions.has(kind)) throw new InvalidInputError('tasks.unknown_kind', `No task definition for kind ${kind}`, { path: 'kind' });
      const row: TaskRow = {
        id: enqueueOptions.id ?? timeOrderedId(),
        kind,
        input: JSON.stringify(input ?? null),
        status: 'queued',
        step_outputs: '{}',
        failed_step: null,
        error: null,
        attempts: 1,
        lease_owner: null,
        lease_expires_at: null,
        cancel_requested: 0,
        timeout_ms: enqueueOptions.timeoutMs ?? null,
        secrets: null,
        secrets_expired_at: null,
        created_by: enqueueOptions.createdBy,
        created_at: new Date().toISOString(),
        started_at: null,
        finished_at: null,
      };
      const secrets = sealTaskSecrets(options.sealer, row.id, enqueueOptions.secrets);
      await db.insertInto('tasks').values({ ...row, secrets }).execute();
      wake?.();
      return toTask(row);
    },

    async get(id) {
      return toTask(await findRow(id));
    },

    async list(query) {
      let filtered = db.selectFrom('tasks');
      if (query.kind) filtered = filtered.where('kind', '=', query.kind);
      if (query.createdBy) filtered = filtered.where('created_by', '=', query.createdBy);
      if (query.status) filtered = filtered.where('status', '=', query.status);
      const [rows, count] = await Promise.all([
        filtered.selectAll().orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
        filtered.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
      ]);
      return { tasks: rows.map(toTask), total: Number(count.total) };
    },

    async cancel(id) {
      await findRow(id);
      // Flag first, then settle a still-queued task: a worker claiming it in between sees the flag.
      await db.updateTable('tasks').set({ cancel_requested: 1 }).where('id', '=', id).where('status', 'in', ['queued', 'running']).execute();
      await cancelQueuedTask(db, id);
      changed(id);
      return toTask(await findRow(id));
    },

    async retry(id, retryOptions = {}) {
      const row = await findRow(id);
      if (row.status !== 'failed' && row.status !== 'cancelled') {
        throw new ConflictError('tasks.not_retryable', `Task ${id} is ${row.status}; only failed or cancelled tasks can be retried`);
      }
      const given = retryOptions.secrets && Object.keys(retryOptions.secrets).length > 0 ? retryOptions.secrets : undefined;
      if (row.secrets_expired_at && !given) {
        throw new ConflictError(
          'tasks.secrets_expired',
          `The secrets task ${id} was started with were removed at ${row.secrets_expired_at} (a failed or cancelled task keeps them ${secretsRetentionMs / 3_600_000} h); retry it with its secrets again, or start it anew`,
          { path: 'secrets' },
        );
      }
      // The row as queued, returned by the update itself: a worker may claim it the next moment.
      const queued = await db
        .updateTable('tasks')
        .set({
          status: 'queued',
          cancel_requested: 0,
          error: null,
          finished_at: null,
          attempts: Number(row.attempts) + 1,
          ...(given ? { secrets: sealTaskSecrets(options.sealer, id, given), secrets_expired_at: null } : {}),
        })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      wake?.();
      return toTask(queued);
    },

    async logs(id, afterSeq = 0) {
      await findRow(id);
      const rows = await db.selectFrom('tasks_log_lines').selectAll().where('task_id', '=', id).where('seq', '>', afterSeq).orderBy('seq').execute();
      return rows.map((line) => ({ seq: Number(line.seq), at: line.at, level: line.level, stepId: line.step_id, stepStatus: line.step_status, message: line.message }));
    },

    waitForChange(id, timeoutMs) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, timeoutMs);
        const waiting = watchers.get(id) ?? new Set();
        watchers.set(id, waiting);
        waiting.add(done);
        function done() {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        }
      });
    },

    healthy: () => databaseReachable,

    start() {
      if (!stopped) return;
      stopped = false;
      loop = workLoop();
      void sweep();
      sweeper = setInterval(sweep, Math.min(10 * 60_000, Math.max(250, secretsRetentionMs / 4)));
      sweeper.unref();
    },

    async stop() {
      stopped = true;
      clearInterval(sweeper);
      wake?.();
      for (const controller of controllers) controller.abort(new Error(SHUTTING_DOWN));
      await loop;
      await Promise.all(running);
      await releaseLeases(db, workerId).catch((error: unknown) => logger.warn({ err: error }, 'could not release the leases of interrupted tasks'));
    },
  };
}
