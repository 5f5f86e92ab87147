import { InputRenderer } from './input-renderer.js';
import type { RenderFailure, RenderResponse, RenderedFile, WorkerTask } from './render-protocol.js';
import { createSecureEnvironment, renderCompiled } from './secure-nunjucks.js';

/*
 * A rendering worker (a piscina task handler). Importing secure-nunjucks.ts applies its
 * memberLookup hardening to this thread's nunjucks, the only one that renders user templates.
 * A task past its deadline is not stopped here: the pool terminates this whole thread.
 */

const inputs = new InputRenderer();
const ENVIRONMENT = createSecureEnvironment();
const COOKIECUTTER_ENVIRONMENT = createSecureEnvironment({ cookiecutterCompat: true });

class OutputBudget {
  private used = 0;
  constructor(private readonly limit: number) {}
  /** Counts what was rendered; false once more than the budget has been. */
  spend(chars: number): boolean {
    this.used += chars;
    return this.used <= this.limit;
  }
}

const sizeOf = (value: unknown): number => (value === undefined ? 0 : typeof value === 'string' ? value.length : JSON.stringify(value).length);
const tooLarge = (index: number, limit: number, part?: 'name' | 'text'): RenderResponse => ({
  ok: false,
  failure: { reason: 'output_too_large', index, ...(part ? { part } : {}), message: `the rendered output is over the budget of ${limit} characters` },
});
const failed = (index: number, error: unknown, part?: 'name' | 'text'): RenderResponse => {
  const failure: RenderFailure = { reason: 'error', index, ...(part ? { part } : {}), message: error instanceof Error ? error.message : String(error) };
  return { ok: false, failure };
};

export default function render(task: WorkerTask): RenderResponse {
  task.started.postMessage('started');
  task.started.close();
  const { request, maxOutputChars } = task;
  const budget = new OutputBudget(maxOutputChars);
  if (request.kind === 'values') {
    const values: unknown[] = [];
    for (const [index, item] of request.items.entries()) {
      let value: unknown;
      try {
        value = item.evaluate ? inputs.evaluate(item.value, request.context) : inputs.render(item.value, request.context);
      } catch (error) {
        return failed(index, error);
      }
      if (!budget.spend(sizeOf(value))) return tooLarge(index, maxOutputChars);
      values.push(value);
    }
    return { ok: true, values };
  }
  const environment = request.cookiecutterCompat ? COOKIECUTTER_ENVIRONMENT : ENVIRONMENT;
  const files: RenderedFile[] = [];
  for (const [index, file] of request.files.entries()) {
    const rendered: RenderedFile = {};
    for (const part of ['name', 'text'] as const) {
      const text = file[part];
      if (text === undefined) continue;
      try {
        rendered[part] = renderCompiled(environment, text, request.context);
      } catch (error) {
        return failed(index, error, part);
      }
      if (!budget.spend(rendered[part].length)) return tooLarge(index, maxOutputChars, part);
    }
    files.push(rendered);
  }
  return { ok: true, files };
}
