/** What a step gets to work with. */
export interface StepContext {
  taskId: string;
  input: unknown;
  /** Outputs of the steps that finished before this one, by step id (also from earlier attempts). */
  outputs: Readonly<Record<string, unknown>>;
  /**
   * Aborted when the task is cancelled or times out. Pass it to whatever the step waits on; for
   * child processes, `spawn(..., { signal })` kills the child when it fires.
   */
  signal: AbortSignal;
  /** Secrets given at enqueue; kept out of the task's input, its API and (by the step) its log. */
  secrets: Readonly<Record<string, string>>;
  log(message: string, level?: 'info' | 'warn' | 'error'): Promise<void>;
  /** Appends many lines in one write: for output that comes fast (a build's log). */
  logLines(messages: readonly string[]): Promise<void>;
  /** Marks the step as skipped (its condition was false) instead of completed. */
  markSkipped(reason: string): void;
}

export interface StepDefinition {
  id: string;
  /** Runs the step; its result is stored, so a resumed task does not run the step again. */
  run(context: StepContext): Promise<unknown>;
}

/** A kind of task: an ordered list of steps, each run once and resumed after the last that finished. */
export interface TaskDefinition {
  kind: string;
  steps(input: unknown): StepDefinition[];
}
