import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { InvalidInputError, TooManyRequestsError } from '../errors.js';
import type { FileToRender, RenderFailure, RenderRequest, RenderResponse, RenderedFile, ValueToRender, WorkerTask } from './render-protocol.js';

export interface RenderLimits {
  /** How long one render (a value batch, a file tree) may run in its worker. */
  timeoutMs: number;
  /** Most characters one render may produce. */
  maxOutputChars: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = { timeoutMs: 2_000, maxOutputChars: 10 * 1024 * 1024 };

/**
 * Renders user templates off the server's thread. Every nunjucks template Paved renders (step
 * inputs, `if`/`each`, template files, provisioner params and outputs) goes through one of
 * these, so a hostile template can use up at most one worker for at most its deadline.
 */
export interface TemplateRenderer {
  /**
   * Renders each value (or evaluates it, with `evaluate`); `what` names them in errors. `signal`
   * (a cancelled run's) stops the render early, terminating its worker.
   */
  renderValues(items: readonly ValueToRender[], context: object, what: string, signal?: AbortSignal): Promise<unknown[]>;
  /** Renders a batch of file names and texts in one hop; a failure names the file by index. */
  renderFiles(files: readonly FileToRender[], context: object, options: { cookiecutterCompat: boolean; what: string; signal?: AbortSignal }): Promise<RenderedFile[]>;
  /** Ends the workers; a render asked for afterwards starts them again. */
  close(): Promise<void>;
}

/** A render that failed in the worker: nunjucks' message, and which item or file. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
  constructor(readonly failure: RenderFailure) {
    super(failure.message);
  }
}

const here = fileURLToPath(import.meta.url);
// Run from the build, the worker is compiled JavaScript beside this file; run from source, a
// small bootstrap loads its TypeScript.
const WORKER_FILE = here.endsWith('.ts') ? new URL('./render-worker.dev.mjs', import.meta.url).href : new URL('./render-worker.js', import.meta.url).href;
/** Time a render may wait for a worker (to start, or to finish the renders before it) before its deadline proper begins. */
const START_GRACE_MS = 30_000;
/** Renders waiting for a worker; more are refused, so a flood of hostile templates cannot pile up. */
const MAX_QUEUED = 32;
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;

/**
 * A small pool (one or two workers, created on first use, gone after a minute idle). A render
 * past its deadline aborts, and piscina terminates the worker running it; the caller gets
 * `template.render_timeout`. A worker holds at most 256 MB, so a render that balloons ends too.
 */
export function createTemplateRenderer(limits: RenderLimits = DEFAULT_RENDER_LIMITS): TemplateRenderer {
  let pool: Piscina | undefined;
  const poolOf = () =>
    (pool ??= new Piscina({
      filename: WORKER_FILE,
      minThreads: 0,
      maxThreads: Math.max(1, Math.min(2, os.availableParallelism() - 1)),
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 32 },
    }));

  async function run(request: RenderRequest, what: string, signal: AbortSignal | undefined): Promise<RenderResponse> {
    signal?.throwIfAborted();
    const workers = poolOf();
    if (workers.queueSize >= MAX_QUEUED) {
      throw new TooManyRequestsError('template.render_busy', `rendering ${what}: ${MAX_QUEUED} renders are already waiting for a worker; try again in a few seconds`, { path: what, retryAfterSeconds: 5 });
    }
    const controller = new AbortController();
    const channel = new MessageChannel();
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = () => new InvalidInputError('template.render_timeout', `rendering ${what} took longer than ${seconds(limits.timeoutMs)}`, { path: what, hint: 'a loop that never ends, or one over too much data' });
    const neverStarted = () => new InvalidInputError('template.render_timeout', `rendering ${what} did not start within ${seconds(START_GRACE_MS)}: the rendering workers are busy`, { path: what });
    channel.port1.once('message', () => {
      clearTimeout(deadline);
      deadline = setTimeout(() => controller.abort(timedOut()), limits.timeoutMs);
    });
    deadline = setTimeout(() => controller.abort(neverStarted()), START_GRACE_MS);
    const stop = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    const task: WorkerTask = { request, started: channel.port2, maxOutputChars: limits.maxOutputChars };
    try {
      return (await workers.run(task, { transferList: [channel.port2], signal: controller.signal })) as RenderResponse;
    } catch (error) {
      if (controller.signal.aborted) throw controller.signal.reason;
      if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new InvalidInputError('template.render_too_large', `rendering ${what} used more memory than a render may (256 MB)`, { path: what });
      }
      throw error;
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener('abort', stop);
      channel.port1.close();
    }
  }

  function failure(response: RenderResponse, what: string): never {
    const { failure } = response as { failure: RenderFailure };
    if (failure.reason === 'output_too_large') {
      throw new InvalidInputError('template.render_too_large', `rendering ${what}: ${failure.message}`, { path: what });
    }
    throw new RenderError(failure);
  }

  return {
    async renderValues(items, context, what, signal) {
      if (items.length === 0) return [];
      const response = await run({ kind: 'values', items: [...items], context }, what, signal);
      if (!response.ok) failure(response, what);
      return (response as { values: unknown[] }).values;
    },
    async renderFiles(files, context, options) {
      if (files.length === 0) return [];
      const response = await run({ kind: 'files', files: [...files], context, cookiecutterCompat: options.cookiecutterCompat }, options.what, options.signal);
      if (!response.ok) failure(response, options.what);
      return (response as { files: RenderedFile[] }).files;
    },
    async close() {
      const closing = pool;
      pool = undefined;
      await closing?.destroy();
    },
  };
}
