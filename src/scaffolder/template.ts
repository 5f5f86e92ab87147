import type { Entity } from '@backstage/catalog-model';
import { InvalidInputError } from '../errors.js';
import type { JsonSchema, ScaffolderAction } from './actions/action.js';
import type { TemplateSource } from './workspace/template-files.js';
import { compileSchema, schemaProblems } from './json-schema.js';

export interface TemplateStep {
  id: string;
  name?: string;
  action: string;
  input?: Record<string, unknown>;
  if?: string | boolean;
  each?: string | unknown[];
}

/** A Template entity's spec, normalized: parameters always a list of pages, every step with an id. */
export interface TemplateSpec {
  parameters: JsonSchema[];
  steps: TemplateStep[];
  output?: Record<string, unknown>;
}

/** What a run needs to know of its template; stored with the task, so a later change does not alter it. */
export interface TemplateSnapshot {
  ref: string;
  title?: string;
  spec: TemplateSpec;
  /** Missing for a template pushed through the API: it has no folder to fetch content from. */
  source?: TemplateSource;
}

export function parseTemplateSpec(entity: Pick<Entity, 'spec'>): TemplateSpec {
  const spec = (entity.spec ?? {}) as { parameters?: unknown; steps?: unknown; output?: unknown };
  const pages = spec.parameters === undefined ? [] : Array.isArray(spec.parameters) ? spec.parameters : [spec.parameters];
  if (!Array.isArray(spec.steps)) throw new InvalidInputError('scaffolder.template_invalid', 'The template has no spec.steps list', { path: 'spec.steps' });
  const seen = new Set<string>();
  const steps = spec.steps.map((raw, index) => {
    const step = raw as Partial<TemplateStep>;
    if (typeof step?.action !== 'string' || step.action === '') {
      throw new InvalidInputError('scaffolder.template_invalid', `spec.steps[${index}] has no action`, { path: `spec.steps[${index}].action` });
    }
    const id = step.id ?? `step-${index + 1}`;
    if (seen.has(id)) throw new InvalidInputError('scaffolder.template_invalid', `Two steps have the id "${id}"`, { path: `spec.steps[${index}].id` });
    seen.add(id);
    return { ...step, id, action: step.action } as TemplateStep;
  });
  return { parameters: pages as JsonSchema[], steps, ...(spec.output ? { output: spec.output as Record<string, unknown> } : {}) };
}

/** Refuses, before anything runs, a template that uses actions Paved does not have. */
export function checkActionsExist(spec: TemplateSpec, actions: ReadonlyMap<string, ScaffolderAction>): void {
  const missing = spec.steps.map((step, index) => ({ step, index })).filter(({ step }) => !actions.has(step.action));
  if (missing.length === 0) return;
  throw new InvalidInputError(
    'scaffolder.action_unknown',
    `The template uses ${missing.map(({ step }) => `action "${step.action}" (step ${step.id})`).join(', ')}, which Paved does not have; GET /api/scaffolder/v2/actions lists those it has`,
    { problems: missing.map(({ step, index }) => ({ path: `spec.steps[${index}].action`, message: `unknown action ${step.action}` })) },
  );
}

/**
 * Checks the form values against every parameter page, filling defaults in; a bad or missing
 * value is a 400 that names each field.
 */
export function validateParameters(spec: TemplateSpec, values: Record<string, unknown>): Record<string, unknown> {
  const filled = structuredClone(values);
  const problems = spec.parameters.flatMap((page, index) => {
    const validate = compilePage(page, index);
    return validate(filled) ? [] : schemaProblems(validate.errors);
  });
  if (problems.length > 0) {
    throw new InvalidInputError('scaffolder.parameters_invalid', `Invalid parameters: ${problems.map((problem) => problem.message).join('; ')}`, { problems });
  }
  return filled;
}

/** A parameter page the template's author wrote that is no JSON Schema (or uses a pattern RE2 lacks) is the template's error. */
function compilePage(page: object, index: number) {
  try {
    return compileSchema(page);
  } catch (error) {
    throw new InvalidInputError('scaffolder.template_invalid', `spec.parameters[${index}] is not a valid JSON Schema: ${(error as Error).message}`, {
      path: `spec.parameters[${index}]`,
      hint: 'Patterns are RE2 expressions: no look-ahead, look-behind or back-references.',
    });
  }
}

/** Backstage's parameter-schema response: the form's pages. */
export function parameterSchema(entity: Entity, spec: TemplateSpec) {
  return {
    title: entity.metadata.title ?? entity.metadata.name,
    description: entity.metadata.description,
    steps: spec.parameters.map((page) => ({
      title: typeof page.title === 'string' ? page.title : 'Please enter the following information',
      description: typeof page.description === 'string' ? page.description : undefined,
      schema: page,
    })),
  };
}
