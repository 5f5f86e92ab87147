import nunjucks from 'nunjucks';
import { templateFilters } from './filters.js';

/**
 * Templates are written by anyone who can register a catalog location, and rendered inside the
 * server, so expressions must not reach Node. Nunjucks compiles `a.b` and `a["b"]` to
 * `runtime.memberLookup`, and its known escapes all walk from a value to its `constructor` (and
 * from there to `Function`). The lookup below is the only door: it refuses the prototype
 * plumbing, any property of a function, and any method that is not on a short list of pure
 * string and array methods. Context values are plain JSON, so no host object is reachable.
 * The patch is process-wide: the scaffolder is the only user of nunjucks in Paved.
 */
const FORBIDDEN_KEYS = new Set([
  'constructor',
  'prototype',
  '__proto__',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
  'valueOf',
  'toString',
  'apply',
  'call',
  'bind',
]);

const SAFE_METHODS = new Set([
  'split',
  'replace',
  'replaceAll',
  'toUpperCase',
  'toLowerCase',
  'trim',
  'trimStart',
  'trimEnd',
  'startsWith',
  'endsWith',
  'includes',
  'indexOf',
  'lastIndexOf',
  'slice',
  'substring',
  'padStart',
  'padEnd',
  'repeat',
  'charAt',
  'join',
  'concat',
  'at',
]);

/** Largest `range()` a template may ask for: a cheap guard against loops that never end. */
const MAX_RANGE = 10_000;

type Runtime = { memberLookup(obj: unknown, key: unknown): unknown };
const runtime = (nunjucks as unknown as { runtime: Runtime }).runtime;

runtime.memberLookup = function secureMemberLookup(obj: unknown, key: unknown): unknown {
  if (obj === null || obj === undefined) return undefined;
  if (typeof key !== 'string' && typeof key !== 'number') return undefined;
  if (typeof obj === 'function') return undefined;
  const name = String(key);
  if (FORBIDDEN_KEYS.has(name)) return undefined;
  const target = obj as Record<string, unknown>;
  const value = target[name];
  if (typeof value !== 'function') return value;
  // Own methods (nunjucks' `cycler().next()`) and a few pure string and array methods.
  if (!Object.prototype.hasOwnProperty.call(target, name) && !SAFE_METHODS.has(name)) return undefined;
  return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(obj, args);
};

function boundedRange(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (!Number.isFinite(from) || !Number.isFinite(to) || !Number.isFinite(step) || step === 0) return [];
  const length = Math.max(0, Math.ceil((to - from) / step));
  if (length > MAX_RANGE) throw new Error(`range() of ${length} items is over the limit of ${MAX_RANGE}`);
  return Array.from({ length }, (_, index) => from + index * step);
}

export interface SecureEnvironmentOptions {
  /** Jinja2/cookiecutter style `{{ cookiecutter.x }}` delimiters as well as `${{ values.x }}`. */
  cookiecutterCompat?: boolean;
  /** Filters only for this environment (e.g. a step's side channel). */
  extraFilters?: Record<string, (...args: never[]) => unknown>;
}

/**
 * A nunjucks environment for template expressions: `${{ }}` for values (Backstage's syntax),
 * `{% %}` for blocks, no autoescaping (the output is code, not HTML), no loader (so no
 * `include`/`import` of files from the server), undefined values rendered as empty.
 */
export function createSecureEnvironment(options: SecureEnvironmentOptions = {}): nunjucks.Environment {
  const environment = new nunjucks.Environment(null, {
    autoescape: false,
    throwOnUndefined: false,
    tags: options.cookiecutterCompat ? {} : { variableStart: '${{', variableEnd: '}}' },
  });
  environment.addGlobal('range', boundedRange);
  for (const [name, filter] of Object.entries({ ...templateFilters, ...options.extraFilters })) {
    environment.addFilter(name, filter as (...args: unknown[]) => unknown);
  }
  if (options.cookiecutterCompat) environment.addFilter('jsonify', (value: unknown) => JSON.stringify(value));
  return environment;
}

/** Compiled file templates by environment and text: golden paths render the same files again and again. */
const compiled = new WeakMap<nunjucks.Environment, { templates: Map<string, nunjucks.Template>; chars: number }>();
const MAX_COMPILED = 2_000;
const MAX_CACHED_TEXT = 256 * 1024;
/**
 * Characters of template text one environment's cache holds: a worker's heap is limited, and many
 * large distinct templates (anyone can send them to /dry-run) must not fill it with compiled code.
 */
const MAX_CACHED_CHARS = 8 * 1024 * 1024;

/** `environment.renderString(text, context)`, compiling each distinct text once (LRU-bounded). */
export function renderCompiled(environment: nunjucks.Environment, text: string, context: object): string {
  if (text.length > MAX_CACHED_TEXT) return environment.renderString(text, context);
  let cache = compiled.get(environment);
  if (!cache) compiled.set(environment, (cache = { templates: new Map(), chars: 0 }));
  const { templates } = cache;
  let template = templates.get(text);
  if (template) templates.delete(text);
  else {
    template = new nunjucks.Template(text, environment, undefined, true);
    cache.chars += text.length;
  }
  templates.set(text, template);
  while (templates.size > MAX_COMPILED || (cache.chars > MAX_CACHED_CHARS && templates.size > 1)) {
    const oldest = templates.keys().next().value!;
    templates.delete(oldest);
    cache.chars -= oldest.length;
  }
  return template.render(context);
}
