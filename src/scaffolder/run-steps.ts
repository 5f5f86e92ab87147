import type { Principal } from '../access/principal.js';
import { InvalidInputError } from '../errors.js';
import type { ActionServices, JsonSchema, ScaffolderAction } from './actions/action.js';
import { compileSchema, schemaProblems } from './json-schema.js';

/** What `${{ }}` expressions in a template's steps and output can see. All plain JSON. */
export interface ExpressionContext {
  parameters: Record<string, unknown>;
  steps: Record<string, { output: Record<string, unknown> }>;
  user: { ref: string; entity?: Record<string, unknown> };
  secrets: Record<string, string>;
  /** In a step with `each`: the current item. */
  each?: { key: string | number; value: unknown };
  context: { task: { id: string } };
}
import type { TemplateSnapshot, TemplateStep } from './template.js';
import type { TemplateFiles } from './workspace/template-files.js';
import type { Workspace } from './workspace/workspace.js';

/** Everything one run of a template works with. */
export interface TemplateRun {
  taskId: string;
  template: TemplateSnapshot;
  values: Record<string, unknown>;
  principal: Principal;
  /** The user's catalog entity, as `${{ user.entity }}` (absent for the bootstrap administrator). */
  userEntity?: Record<string, unknown>;
  secrets: Readonly<Record<string, string>>;
  workspace: Workspace;
  templateFiles: TemplateFiles;
  isDryRun: boolean;
  signal: AbortSignal;
  /** Outputs of the steps run so far, by step id. */
  outputs: Readonly<Record<string, unknown>>;
  log(message: string, level?: 'info' | 'warn'): Promise<void>;
}

export interface StepResult {
  output: Record<string, unknown>;
  /** Why the step did not run, when it did not. */
  skipped?: string;
}

/** Replaces every secret value in a text, so tokens never reach a log or an error. */
export function redactor(secrets: Readonly<Record<string, string>>): (text: string) => string {
  const values = Object.values(secrets)
    .filter((value) => typeof value === 'string' && value.length >= 3)
    .sort((a, b) => b.length - a.length);
  return (text) => values.reduce((redacted, value) => redacted.split(value).join('***'), text);
}

/** Runs template steps: condition, `each`, input rendering and checking, then the action. */
export class StepRunner {
  constructor(
    private readonly actions: ReadonlyMap<string, ScaffolderAction>,
    private readonly services: ActionServices,
  ) {}

  async runStep(step: TemplateStep, run: TemplateRun): Promise<StepResult> {
    const redact = redactor(run.secrets);
    const log = (message: string, level?: 'info' | 'warn') => run.log(redact(message), level);
    try {
      return await this.runUnredacted(step, run, log);
    } catch (error) {
      const cause = error as Error;
      cause.message = redact(cause.message);
      throw cause;
    }
  }

  /** The template's `output` (links and text), rendered against every step's output. */
  async renderOutput(run: TemplateRun): Promise<Record<string, unknown>> {
    if (!run.template.spec.output) return {};
    return (await this.render(run.template.spec.output, this.context(run), 'output', run.signal)) as Record<string, unknown>;
  }

  /** Every `${{ }}` of a template is rendered by the pool, off the server's thread, with a deadline. */
  private async render(value: unknown, context: ExpressionContext, what: string, signal: AbortSignal, evaluate = false): Promise<unknown> {
    const [rendered] = await this.services.renderer.renderValues([{ value, evaluate }], context, what, signal);
    return rendered;
  }

  private async runUnredacted(step: TemplateStep, run: TemplateRun, log: TemplateRun['log']): Promise<StepResult> {
    const action = this.actions.get(step.action);
    if (!action) throw new Error(`Action ${step.action} does not exist`);
    const context = this.context(run);
    if (step.if !== undefined && !(await this.render(step.if, context, `steps.${step.id}.if`, run.signal, true))) return { output: {}, skipped: 'its if condition is false' };
    if (run.isDryRun && !action.supportsDryRun) {
      return { output: exampleOutput(action.schema.output), skipped: `${step.action} does not run in a dry run; its outputs are examples` };
    }
    if (step.each === undefined) return { output: await this.runAction(action, step, run, context, log) };

    const items = await this.render(step.each, context, `steps.${step.id}.each`, run.signal, true);
    if (items === null || typeof items !== 'object') throw new InvalidInputError('scaffolder.each_invalid', `Step ${step.id}: each must give a list or an object`, { path: 'each' });
    const entries: [string | number, unknown][] = Array.isArray(items) ? items.map((value, index) => [index, value]) : Object.entries(items);
    const merged: Record<string, unknown[]> = {};
    for (const [key, value] of entries) {
      const output = await this.runAction(action, step, run, { ...context, each: { key, value } }, log);
      for (const [name, item] of Object.entries(output)) (merged[name] ??= []).push(item);
    }
    return { output: merged };
  }

  private async runAction(action: ScaffolderAction, step: TemplateStep, run: TemplateRun, context: ExpressionContext, log: TemplateRun['log']): Promise<Record<string, unknown>> {
    const input = ((await this.render(step.input ?? {}, context, `steps.${step.id}.input`, run.signal)) ?? {}) as Record<string, unknown>;
    const validate = compileSchema(action.schema.input);
    if (!validate(input)) {
      const problems = schemaProblems(validate.errors, 'input');
      throw new InvalidInputError('scaffolder.action_input_invalid', `Step ${step.id} (${step.action}): ${problems.map((problem) => problem.message).join('; ')}`, { problems });
    }
    const output: Record<string, unknown> = {};
    await action.handler({
      input,
      stepId: step.id,
      workspace: run.workspace,
      templateFiles: run.templateFiles,
      principal: run.principal,
      templateRef: run.template.ref,
      secrets: run.secrets,
      signal: run.signal,
      isDryRun: run.isDryRun,
      services: this.services,
      log,
      output: (name, value) => void (output[name] = value),
    });
    return output;
  }

  private context(run: TemplateRun): ExpressionContext {
    const steps: ExpressionContext['steps'] = {};
    for (const [id, output] of Object.entries(run.outputs)) steps[id] = { output: (output ?? {}) as Record<string, unknown> };
    return {
      parameters: run.values,
      steps,
      user: { ref: run.principal.userRef, ...(run.userEntity ? { entity: run.userEntity } : {}) },
      secrets: { ...run.secrets },
      context: { task: { id: run.taskId } },
    };
  }
}

/** Outputs a skipped dry-run step hands on, from its schema's examples, so later steps render. */
function exampleOutput(schema: JsonSchema | undefined): Record<string, unknown> {
  const properties = (schema?.properties ?? {}) as Record<string, { examples?: unknown[] }>;
  return Object.fromEntries(Object.entries(properties).map(([name, property]) => [name, property.examples?.[0] ?? `<${name}>`]));
}
