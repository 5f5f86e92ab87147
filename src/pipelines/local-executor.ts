import { StringDecoder } from 'node:string_decoder';
import type { Sandbox, SandboxLimits, SandboxMount, SandboxNetwork } from '../sandbox/index.js';

export interface StepCommand {
  command: string;
  cwd: string;
  env: Record<string, string>;
  /** The job's folders (its checkout, its HOME): the only ones of the host the step sees. */
  mounts: SandboxMount[];
  limits: SandboxLimits;
  /** The job's network namespace, shared by its steps. */
  network?: SandboxNetwork;
  /** Names the step's cgroup: `pipeline-<run>-<job>`. */
  label: string;
  timeoutMs: number;
  signal: AbortSignal;
  /** Each output line, as it comes; the executor does not keep them. */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** Lines passed to `onLine` at most (stdout and stderr together); the rest are only counted. */
  maxLines: number;
}

export interface StepOutcome {
  exitCode: number | null;
  /** Why it stopped early: its timeout, or the run was cancelled. */
  stopped?: 'timeout' | 'cancelled';
  /** The kernel killed it for going over its memory limit. */
  outOfMemory?: boolean;
  /** A fork failed at its process limit. */
  processLimitHit?: boolean;
  durationMs: number;
  /** Lines past `maxLines`, counted but not passed on. */
  droppedLines: number;
}

/**
 * Where steps run. `local` runs them in Paved's sandbox on this machine; a Kubernetes Job
 * executor would implement the same interface (the workspace becoming a volume).
 */
export interface Executor {
  run(step: StepCommand): Promise<StepOutcome>;
}

/** Longest line kept whole; a longer one is cut (its end dropped) so one line cannot take all memory. */
const MAX_LINE = 16 * 1024;
/** Time between SIGTERM and SIGKILL when a step is stopped. */
const KILL_GRACE_MS = 2_000;

/**
 * Runs each step as `sh -c` in the sandbox: stopping it (timeout or cancel), or its end, stops
 * everything it started. The environment is exactly what the caller gives: nothing of Paved's own.
 */
export function createLocalExecutor(sandbox: Sandbox): Executor {
  return {
    async run(step) {
      const started = Date.now();
      const sandboxed = sandbox.spawn({
        command: ['sh', '-c', step.command],
        cwd: step.cwd,
        env: step.env,
        mounts: step.mounts,
        limits: step.limits,
        ...(step.network ? { network: step.network } : {}),
        label: step.label,
      });
      const { child } = sandboxed;
      let stopped: StepOutcome['stopped'];
      const stop = (reason: 'timeout' | 'cancelled') => {
        if (stopped) return;
        stopped = reason;
        void sandboxed.stop(KILL_GRACE_MS);
      };
      const timeout = setTimeout(() => stop('timeout'), step.timeoutMs);
      const onAbort = () => stop('cancelled');
      if (step.signal.aborted) onAbort();
      step.signal.addEventListener('abort', onAbort, { once: true });
      const budget = { left: step.maxLines, dropped: 0 };
      const pending = [lines(child.stdout!, budget, (line) => step.onLine(line, 'stdout')), lines(child.stderr!, budget, (line) => step.onLine(line, 'stderr'))];
      try {
        const outcome = await sandboxed.exited;
        await Promise.all(pending);
        return {
          exitCode: outcome.exitCode,
          ...(stopped ? { stopped } : {}),
          ...(outcome.outOfMemory ? { outOfMemory: true } : {}),
          ...(outcome.processLimitHit ? { processLimitHit: true } : {}),
          durationMs: Date.now() - started,
          droppedLines: budget.dropped,
        };
      } finally {
        clearTimeout(timeout);
        step.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

/**
 * Splits a stream into lines (UTF-8 safe across chunks), calling `onLine` for each while the
 * shared budget lasts; cuts very long lines. Past the budget it only counts newlines in the raw
 * bytes: a step printing gigabytes then costs little more than reading the pipe.
 */
function lines(stream: NodeJS.ReadableStream, budget: { left: number; dropped: number }, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  const cut = (line: string) => `${line.slice(0, MAX_LINE)} … [line cut at ${MAX_LINE} characters]`;
  const emit = (line: string) => {
    if (budget.left > 0) {
      budget.left -= 1;
      onLine(line);
    } else budget.dropped += 1;
  };
  let partial = '';
  // After cutting a line that has not ended yet, the rest of it is dropped up to its end.
  let dropping = false;
  let counting = false;
  // While counting: whether the bytes since the last newline make an unterminated last line.
  let unterminated = false;
  return new Promise((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      if (counting) {
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) budget.dropped += 1;
        if (chunk.length > 0) unterminated = chunk[chunk.length - 1] !== 10;
        return;
      }
      let text = decoder.write(chunk);
      if (dropping) {
        const end = text.indexOf('\n');
        if (end < 0) return;
        text = text.slice(end + 1);
        dropping = false;
      }
      const parts = (partial + text).split('\n');
      partial = parts.pop()!;
      for (const part of parts) emit(part.length > MAX_LINE ? cut(part) : part.replace(/\r$/, ''));
      if (partial.length > MAX_LINE) {
        emit(cut(partial));
        partial = '';
        dropping = true;
      }
      if (budget.left <= 0 && !dropping) {
        // What is left of the current line counts as one when it ends.
        counting = true;
        unterminated = partial.length > 0;
        partial = '';
      }
    });
    stream.on('end', () => {
      if (counting) budget.dropped += unterminated ? 1 : 0;
      const rest = dropping || counting ? '' : partial + decoder.end();
      if (rest) emit(rest);
      resolve();
    });
  });
}
