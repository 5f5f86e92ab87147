import type { Selectable } from 'kysely';

export interface TasksTable {
  id: string;
  /** Which definition runs it, e.g. `scaffolder.run`. */
  kind: string;
  /** JSON input given when the task was enqueued. */
  input: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** JSON object: output of each finished step, by step id; a resumed run skips these steps. */
  step_outputs: string;
  /** The step that failed last, for retry messages. */
  failed_step: string | null;
  error: string | null;
  attempts: number;
  /** The worker holding the task, and until when; an expired lease frees the task for another. */
  lease_owner: string | null;
  lease_expires_at: string | null;
  cancel_requested: number;
  timeout_ms: number | null;
  /**
   * The secrets given at enqueue (tokens a step needs), a JSON object sealed under the master key
   * (context `task:<id>/secrets`). Never returned by the API; removed when the task succeeds,
   * and kept after a failure or a cancellation, for a retry, until the retention sweep removes it.
   */
  secrets: string | null;
  /** When the task's secrets were removed before it succeeded: a retry must be given them again. */
  secrets_expired_at: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface TaskLogLinesTable {
  task_id: string;
  /** 1, 2, 3, … per task: what a log stream resumes from. */
  seq: number;
  at: string;
  level: 'info' | 'warn' | 'error';
  step_id: string | null;
  /** Set on the lines that mark a step's progress, so clients can show each step's state. */
  step_status: StepStatus | null;
  message: string;
}

export type StepStatus = 'processing' | 'completed' | 'failed' | 'cancelled' | 'skipped';

export interface TasksTables {
  tasks: TasksTable;
  tasks_log_lines: TaskLogLinesTable;
}

export type TaskRow = Selectable<TasksTable>;
