import type { LogLine, Task, TaskEngine } from './task-engine.js';

const FINISHED = new Set<Task['status']>(['succeeded', 'failed', 'cancelled']);

export type TaskProgress = { type: 'log'; line: LogLine } | { type: 'end'; task: Task };

/**
 * A task's log from `afterSeq` on, live, then its end. It reads the database, so it follows a
 * task run by any replica and carries on across a restart of the process running it; a task
 * run by this process wakes it at once, others are polled every `pollMs`.
 */
export async function* followTask(engine: TaskEngine, id: string, afterSeq: number, options: { pollMs?: number; signal?: AbortSignal } = {}): AsyncGenerator<TaskProgress> {
  const { pollMs = 200, signal } = options;
  let after = afterSeq;
  // A follower that is told to stop (its reader lost access) ends within one poll.
  while (!signal?.aborted) {
    // Listening before reading: a change made while we read wakes the next wait at once.
    const changed = engine.waitForChange(id, pollMs);
    const task = await engine.get(id);
    const lines = await engine.logs(id, after);
    for (const line of lines) {
      if (signal?.aborted) return;
      yield { type: 'log', line };
      after = line.seq;
    }
    // Lines written between reading the status and the log come on the next turn.
    if (FINISHED.has(task.status) && lines.length === 0) {
      yield { type: 'end', task };
      return;
    }
    if (!FINISHED.has(task.status)) await changed;
  }
}

export function isFinished(task: Task): boolean {
  return FINISHED.has(task.status);
}
