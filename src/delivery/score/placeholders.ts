import type { ScoreWorkload } from './score-workload.js';
import type { ScoreProblem } from './parse-score.js';

/** What placeholders can name: the workload's metadata and each resource's outputs. */
export interface PlaceholderContext {
  metadata: Record<string, unknown>;
  resources: Record<string, { outputs: Record<string, unknown>; secretOutputs: readonly string[] }>;
}

/** The workload with every placeholder replaced, and which variables now hold secrets. */
export interface ResolvedWorkload {
  workload: ScoreWorkload;
  /** Container name → variable names whose value includes a secret output (a password, a URL with one). */
  secretVariables: Record<string, string[]>;
}

// Score's placeholder syntax: `$$` is a literal `$`; `${a.b.c}` a reference, where `\.` is a dot
// inside a key. Any other `$` is left alone.
const PLACEHOLDER = /\$(\$|\{([^}]*)\})/g;

function splitReference(reference: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < reference.length; index += 1) {
    const char = reference[index]!;
    if (char === '\\' && reference[index + 1] === '.') {
      current += '.';
      index += 1;
    } else if (char === '.') {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

class PlaceholderError extends Error {}

/** Replaces the placeholders of one string; `usedSecret` is set when a secret output went in. */
export function substitute(text: string, context: PlaceholderContext, flags: { usedSecret: boolean } = { usedSecret: false }): string {
  return text.replace(PLACEHOLDER, (_match, body: string, reference: string | undefined) => {
    if (body === '$') return '$';
    const parts = splitReference(reference ?? '');
    const [root, ...rest] = parts;
    if (root === 'metadata') return stringify(lookup(context.metadata, rest, reference!), reference!);
    if (root === 'resources') {
      const [name, ...outputPath] = rest;
      const resource = name === undefined ? undefined : context.resources[name];
      if (!resource) throw new PlaceholderError(`\${${reference}} names resource "${name ?? ''}", which this workload does not declare`);
      if (outputPath.length === 0) throw new PlaceholderError(`\${${reference}} needs an output, e.g. \${resources.${name}.host}`);
      if (resource.secretOutputs.includes(outputPath[0]!)) flags.usedSecret = true;
      return stringify(lookup(resource.outputs, outputPath, reference!), reference!);
    }
    throw new PlaceholderError(`\${${reference}} is not a placeholder Score knows: use \${metadata.KEY} or \${resources.NAME.OUTPUT} (write $$ for a literal $)`);
  });
}

function lookup(root: Record<string, unknown>, path: string[], reference: string): unknown {
  let value: unknown = root;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) {
      throw new PlaceholderError(`\${${reference}} has no value: "${key}" is not there`);
    }
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function stringify(value: unknown, reference: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) throw new PlaceholderError(`\${${reference}} has no value`);
  return JSON.stringify(value);
}

/**
 * Substitutes placeholders where Score allows them: container command, args, variables, file
 * contents (unless `noExpand`) and volume sources. Every failure is reported with its field.
 */
export function resolveWorkload(workload: ScoreWorkload, context: PlaceholderContext): { ok: true; resolved: ResolvedWorkload } | { ok: false; problems: ScoreProblem[] } {
  const problems: ScoreProblem[] = [];
  const resolved = structuredClone(workload);
  const secretVariables: Record<string, string[]> = {};
  const at = (path: string, text: string, flags?: { usedSecret: boolean }) => {
    try {
      return substitute(text, context, flags);
    } catch (error) {
      if (!(error instanceof PlaceholderError)) throw error;
      problems.push({ path, message: `${path}: ${error.message}` });
      return text;
    }
  };
  for (const [name, container] of Object.entries(resolved.containers)) {
    const base = `containers.${name}`;
    container.command = container.command?.map((part, index) => at(`${base}.command.${index}`, part));
    if (container.command === undefined) delete container.command;
    container.args = container.args?.map((part, index) => at(`${base}.args.${index}`, part));
    if (container.args === undefined) delete container.args;
    for (const [variable, value] of Object.entries(container.variables ?? {})) {
      const flags = { usedSecret: false };
      container.variables![variable] = at(`${base}.variables.${variable}`, value, flags);
      if (flags.usedSecret) (secretVariables[name] ??= []).push(variable);
    }
    for (const [target, file] of Object.entries(container.files ?? {})) {
      if (file.content !== undefined && !file.noExpand) file.content = at(`${base}.files.${target}.content`, file.content);
    }
    for (const [target, volume] of Object.entries(container.volumes ?? {})) {
      volume.source = at(`${base}.volumes.${target}.source`, volume.source);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, resolved: { workload: resolved, secretVariables } };
}

/** Resource params may use the workload's metadata (they are needed before any output exists). */
export function resolveResourceParams(workload: ScoreWorkload): { ok: true; params: Record<string, Record<string, unknown>> } | { ok: false; problems: ScoreProblem[] } {
  const problems: ScoreProblem[] = [];
  const context: PlaceholderContext = { metadata: workload.metadata, resources: {} };
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') {
      try {
        return substitute(value, context);
      } catch (error) {
        problems.push({ path, message: `${path}: ${(error as Error).message}` });
        return value;
      }
    }
    if (Array.isArray(value)) return value.map((item, index) => walk(item, `${path}.${index}`));
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, `${path}.${key}`)]));
    return value;
  };
  const params = Object.fromEntries(Object.entries(workload.resources ?? {}).map(([name, resource]) => [name, walk(resource.params ?? {}, `resources.${name}.params`) as Record<string, unknown>]));
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params };
}
