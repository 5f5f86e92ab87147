import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.js';
import { bulkInsert } from '../db/bulk-insert.js';
import { dialectOf } from '../db/dialect.js';
import type { TaskRow } from './tables.js';

/**
 * Takes the oldest task that is queued, or running under an expired lease (its worker died),
 * and leases it to `workerId` until `leaseUntil`. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets
 * several processes claim at once without ever handing one task to two of them; SQLite has a
 * single writer, so its one UPDATE is already atomic.
 */
export async function claimTask(db: Kysely<Database>, workerId: string, now: Date, leaseUntil: Date): Promise<TaskRow | undefined> {
  const nowText = now.toISOString();
  let candidate = db
    .selectFrom('tasks')
    .select('id')
    .where((eb) => eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_expires_at', '<', nowText)])]))
    .orderBy('id')
    .limit(1);
  if (dialectOf(db) === 'postgres') candidate = candidate.forUpdate().skipLocked();
  return db
    .updateTable('tasks')
    .set((eb) => ({
      status: 'running',
      lease_owner: workerId,
      lease_expires_at: leaseUntil.toISOString(),
      started_at: eb.fn.coalesce('started_at', sql.val(nowText)),
    }))
    .where('id', '=', (eb) => eb.selectFrom(candidate.as('candidate')).select('candidate.id'))
    .returningAll()
    .executeTakeFirst();
}

/** Extends the lease while the worker still holds it; answers whether cancellation was asked for. */
export async function renewLease(db: Kysely<Database>, taskId: string, workerId: string, leaseUntil: Date): Promise<{ held: boolean; cancelRequested: boolean }> {
  const row = await db
    .updateTable('tasks')
    .set({ lease_expires_at: leaseUntil.toISOString() })
    .where('id', '=', taskId)
    .where('lease_owner', '=', workerId)
    .where('status', '=', 'running')
    .returning('cancel_requested')
    .executeTakeFirst();
  return { held: row !== undefined, cancelRequested: Boolean(row?.cancel_requested) };
}

/** Records a finished step's output, if the worker still holds the task. */
export async function recordStepOutput(db: Kysely<Database>, task: TaskRow, workerId: string, outputs: Record<string, unknown>): Promise<boolean> {
  const result = await db
    .updateTable('tasks')
    .set({ step_outputs: JSON.stringify(outputs) })
    .where('id', '=', task.id)
    .where('lease_owner', '=', workerId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Ends a run: succeeded, failed (with the step and error) or cancelled; releases the lease. */
export async function finishTask(
  db: Kysely<Database>,
  taskId: string,
  workerId: string,
  outcome: { status: 'succeeded' | 'cancelled' } | { status: 'failed'; failedStep: string | null; error: string },
): Promise<void> {
  await db
    .updateTable('tasks')
    .set({
      status: outcome.status,
      // Secrets outlive a failure or a cancellation, so that a retry can use them, until the retention sweep.
      ...(outcome.status === 'succeeded' ? { secrets: null } : {}),
      failed_step: outcome.status === 'failed' ? outcome.failedStep : null,
      error: outcome.status === 'failed' ? outcome.error : null,
      lease_owner: null,
      lease_expires_at: null,
      finished_at: new Date().toISOString(),
    })
    .where('id', '=', taskId)
    .where('lease_owner', '=', workerId)
    .execute();
}

/** Marks a queued task cancelled; its secrets stay for a retry, until the retention sweep. */
export async function cancelQueuedTask(db: Kysely<Database>, taskId: string): Promise<void> {
  await db.updateTable('tasks').set({ status: 'cancelled', finished_at: new Date().toISOString() }).where('id', '=', taskId).where('status', '=', 'queued').execute();
}

/** Removes the secrets of tasks that failed or were cancelled before `cutoff`; answers how many lost them. */
export async function expireFinishedTaskSecrets(db: Kysely<Database>, cutoff: Date): Promise<number> {
  const result = await db
    .updateTable('tasks')
    .set({ secrets: null, secrets_expired_at: new Date().toISOString() })
    .where('status', 'in', ['failed', 'cancelled'])
    .where('secrets', 'is not', null)
    .where('finished_at', '<', cutoff.toISOString())
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function appendLogLine(db: Kysely<Database>, line: Database['tasks_log_lines']): Promise<void> {
  await db.insertInto('tasks_log_lines').values(line).execute();
}

const LOG_COLUMNS = ['task_id', 'seq', 'at', 'level', 'step_id', 'step_status', 'message'] as const;

export async function appendLogLines(db: Kysely<Database>, lines: readonly Database['tasks_log_lines'][]): Promise<void> {
  await bulkInsert(db, 'tasks_log_lines', LOG_COLUMNS, lines.map((line) => LOG_COLUMNS.map((column) => line[column])));
}

export async function lastLogSeq(db: Kysely<Database>, taskId: string): Promise<number> {
  const row = await db.selectFrom('tasks_log_lines').select((eb) => eb.fn.max('seq').as('seq')).where('task_id', '=', taskId).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/**
 * Lets go of the running tasks a stopping worker held, so the next worker (another replica, or
 * this one after its restart) takes them up at once instead of after their lease runs out.
 */
export async function releaseLeases(db: Kysely<Database>, workerId: string): Promise<void> {
  await db.updateTable('tasks').set({ lease_expires_at: new Date(0).toISOString() }).where('lease_owner', '=', workerId).where('status', '=', 'running').execute();
}
