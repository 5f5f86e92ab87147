import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { DescriptorEntity } from './descriptor-entity.js';
import { expandFileGlob, isGlob } from './expand-file-glob.js';
import { fetchUrl } from './fetch-url.js';
import { parseDescriptors } from './parse-descriptors.js';
import { mayHavePlaceholders, substitutePlaceholders } from './placeholders.js';
import { readFileWithinRoots } from './read-file.js';
import type { LocationFileResult, LocationReadError, LocationSpec, Problem, ReaderOptions, ReadOutcome } from './types.js';

type JsonPath = readonly (string | number)[];

interface Walk {
  options: ReaderOptions;
  maxDepth: number;
  maxEntities: number;
  /** Identities (real paths, URLs) of every file read or queued in this walk. */
  seen: Set<string>;
}

/** A file waiting to be read, and the document that asked for it. */
interface Target {
  spec: LocationSpec;
  identity: string;
  /** "acme/org.yaml document 2 line 9", for messages about the target. */
  referrer: string;
}

interface Link {
  identity: string;
  spec: LocationSpec;
}

/**
 * Walks the location tree depth-first starting at root, yielding one result per file read (root
 * first); each `kind: Location` document's targets are read after its file's result is yielded.
 * Every file is read at most once per walk; a target already on the current path is a cycle.
 * Never throws for bad input: every problem becomes a LocationReadError on the file where it
 * happened. It does not validate entities, and does not touch the database.
 */
export async function* readLocation(root: LocationSpec, options: ReaderOptions): AsyncGenerator<LocationFileResult> {
  const walk: Walk = {
    options,
    maxDepth: options.maxDepth ?? 20,
    maxEntities: options.maxEntitiesPerFile ?? 20_000,
    seen: new Set(),
  };
  if (root.type !== 'file' && root.type !== 'url') {
    yield failedResult(walk, root, {
      code: 'catalog.location_type_unsupported',
      detail: `location type '${String(root.type)}' is not supported; use 'url' or 'file'`,
    });
    return;
  }
  let roots: LocationSpec[] = [root.type === 'file' ? { type: 'file', target: path.resolve(root.target) } : root];
  if (root.type === 'file' && isGlob(root.target)) {
    const expansion = await expandTargetGlob(walk, path.resolve(root.target));
    if ('problem' in expansion) {
      yield failedResult(walk, root, expansion.problem);
      return;
    }
    roots = expansion.specs;
  }
  for (const spec of roots) {
    const identity = await identify(spec);
    if (walk.seen.has(identity)) continue;
    walk.seen.add(identity);
    yield* visit(walk, spec, [{ identity, spec }], undefined);
  }
}

async function* visit(
  walk: Walk,
  spec: LocationSpec,
  chain: readonly Link[],
  referrer: string | undefined,
): AsyncGenerator<LocationFileResult> {
  const { result, targets } = await readOneFile(walk, spec, chain, referrer);
  yield result;
  for (const target of targets) {
    if (walk.seen.has(target.identity)) continue;
    walk.seen.add(target.identity);
    yield* visit(walk, target.spec, [...chain, { identity: target.identity, spec: target.spec }], target.referrer);
  }
}

async function readOneFile(
  walk: Walk,
  spec: LocationSpec,
  chain: readonly Link[],
  referrer: string | undefined,
): Promise<{ result: LocationFileResult; targets: Target[] }> {
  try {
    const outcome = await readText(walk, spec);
    if (!outcome.ok) {
      const detail = referrer ? `${outcome.detail} (referenced by ${referrer})` : outcome.detail;
      return { result: failedResult(walk, spec, { code: outcome.code, detail }), targets: [] };
    }
    const parsed = parseDescriptors(outcome.text, spec, walk.maxEntities);
    const problems = [...parsed.problems];
    let entities = parsed.entities;
    if (mayHavePlaceholders(outcome.text)) entities = await substituteAll(walk, spec, entities, problems);

    const targets: Target[] = [];
    for (const entity of entities) {
      if (entity.entity.kind === 'Location') targets.push(...(await locationTargets(walk, spec, entity, chain, problems)));
    }
    problems.sort((a, b) => (a.document ?? 0) - (b.document ?? 0) || (a.line ?? 0) - (b.line ?? 0));
    return {
      result: { location: spec, entities, errors: problems.map((p) => toError(walk, spec, p)), failed: parsed.failed },
      targets,
    };
  } catch (cause) {
    const detail = `reading failed unexpectedly (${(cause as Error).message})`;
    return { result: failedResult(walk, spec, { code: 'catalog.location_read_failed', detail }), targets: [] };
  }
}

function readText(walk: Walk, spec: LocationSpec): Promise<ReadOutcome> {
  const { options } = walk;
  return spec.type === 'file'
    ? readFileWithinRoots(spec.target, { fileRoots: options.fileRoots, maxBytes: options.maxFileBytes })
    : fetchUrl(spec.target, { urlAllow: options.urlAllow, maxBytes: options.maxFileBytes, timeoutMs: options.fetchTimeoutMs });
}

/** Substitutes each document's placeholders; a document with a bad one moves to `problems`. */
async function substituteAll(
  walk: Walk,
  spec: LocationSpec,
  entities: DescriptorEntity[],
  problems: Problem[],
): Promise<DescriptorEntity[]> {
  const kept: DescriptorEntity[] = [];
  for (const entity of entities) {
    const { value, problems: found } = await substitutePlaceholders(entity.entity, (reference) =>
      readReference(walk, spec, reference),
    );
    for (const problem of found) problems.push({ code: 'catalog.placeholder_invalid', ...placeAt(entity, problem.path), detail: problem.detail });
    if (found.length > 0) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push({ code: 'catalog.document_not_object', ...placeAt(entity, []), detail: 'the placeholder replaced the whole document with something that is not a mapping' });
      continue;
    }
    entity.entity = value as Record<string, unknown>;
    kept.push(entity);
  }
  return kept;
}

/**
 * Reads what a placeholder names, relative to the file holding it: from a URL location only
 * URLs (never local files); from a file location, a path under the file roots or an http(s) URL.
 */
function readReference(walk: Walk, base: LocationSpec, reference: string): Promise<ReadOutcome> {
  const { options } = walk;
  const fetchOptions = { urlAllow: options.urlAllow, maxBytes: options.maxFileBytes, timeoutMs: options.fetchTimeoutMs };
  if (base.type === 'url') {
    let url: URL;
    try {
      url = new URL(reference, base.target);
    } catch {
      return Promise.resolve({ ok: false, code: 'catalog.placeholder_invalid', detail: `${reference} is not a valid URL` });
    }
    return fetchUrl(url.href, fetchOptions);
  }
  if (/^https?:\/\//i.test(reference)) return fetchUrl(reference, fetchOptions);
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    const detail = `${reference} is neither a path nor an http(s) URL`;
    return Promise.resolve({ ok: false, code: 'catalog.placeholder_invalid', detail });
  }
  return readFileWithinRoots(path.resolve(path.dirname(base.target), reference), {
    fileRoots: options.fileRoots,
    maxBytes: options.maxFileBytes,
  });
}

/** The files a `kind: Location` document points at; what cannot be followed goes to `problems`. */
async function locationTargets(
  walk: Walk,
  base: LocationSpec,
  entity: DescriptorEntity,
  chain: readonly Link[],
  problems: Problem[],
): Promise<Target[]> {
  const report = (code: string, at: JsonPath, detail: string) => problems.push({ code, ...placeAt(entity, at), detail });
  const spec = entity.entity.spec;
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    report('catalog.location_target_invalid', ['spec'], 'a Location needs spec.target or spec.targets');
    return [];
  }
  const { type = base.type, target, targets } = spec as Record<string, unknown>;
  if (type !== 'file' && type !== 'url') {
    report('catalog.location_type_unsupported', ['spec', 'type'], `location type '${String(type)}' is not supported; use 'url' or 'file'`);
    return [];
  }

  const raw: { value: string; at: JsonPath }[] = [];
  if (typeof target === 'string') raw.push({ value: target, at: ['spec', 'target'] });
  else if (target !== undefined) report('catalog.location_target_invalid', ['spec', 'target'], 'spec.target must be a string');
  if (Array.isArray(targets)) {
    targets.forEach((value: unknown, index) => {
      if (typeof value === 'string') raw.push({ value, at: ['spec', 'targets', index] });
      else report('catalog.location_target_invalid', ['spec', 'targets', index], 'each of spec.targets must be a string');
    });
  } else if (targets !== undefined) {
    report('catalog.location_target_invalid', ['spec', 'targets'], 'spec.targets must be a list of strings');
  }
  if (target === undefined && targets === undefined) {
    report('catalog.location_target_invalid', ['spec'], 'a Location needs spec.target or spec.targets');
  }

  const found: Target[] = [];
  for (const { value, at } of raw) {
    const resolved = await resolveTarget(walk, base, type, value);
    if ('problem' in resolved) {
      report(resolved.problem.code, at, resolved.problem.detail);
      continue;
    }
    const referrer = describeAt(walk, base, placeAt(entity, at));
    for (const targetSpec of resolved.specs) {
      const identity = await identify(targetSpec);
      const cycleStart = chain.findIndex((link) => link.identity === identity);
      if (cycleStart !== -1) {
        const names = [...chain.slice(cycleStart).map((link) => displayName(walk, link.spec)), displayName(walk, targetSpec)];
        report('catalog.location_cycle', at, `locations form a cycle: ${names.join(' -> ')}; remove one of these targets`);
      } else if (chain.length > walk.maxDepth) {
        report('catalog.location_too_deep', at, `${displayName(walk, targetSpec)} is nested more than ${walk.maxDepth} Locations deep; point a higher Location at it directly`);
      } else {
        found.push({ spec: targetSpec, identity, referrer });
      }
    }
  }
  return found;
}

type Resolved = { specs: LocationSpec[] } | { problem: Omit<Problem, 'document' | 'line' | 'path'> };

/** Backstage's rules: relative targets resolve against the containing file; globs expand; a URL location never names a file. */
async function resolveTarget(walk: Walk, base: LocationSpec, type: 'file' | 'url', raw: string): Promise<Resolved> {
  if (type === 'url') {
    try {
      const url = base.type === 'url' ? new URL(raw, base.target) : new URL(raw);
      return { specs: [{ type: 'url', target: url.href }] };
    } catch {
      const detail = `${raw} is not ${base.type === 'url' ? 'a valid' : 'an absolute'} URL`;
      return { problem: { code: 'catalog.location_target_invalid', detail } };
    }
  }
  if (base.type === 'url') {
    const detail = `a document read from a URL may not point at a file (${raw}); use a URL target, relative to this one if you like`;
    return { problem: { code: 'catalog.location_type_mismatch', detail } };
  }
  const target = path.resolve(path.dirname(base.target), raw);
  if (!isGlob(raw)) return { specs: [{ type: 'file', target }] };
  return expandTargetGlob(walk, target);
}

async function expandTargetGlob(walk: Walk, pattern: string): Promise<Resolved> {
  const expansion = await expandFileGlob(pattern, walk.options.fileRoots);
  if (!expansion.ok) return { problem: { code: expansion.code, detail: expansion.detail } };
  if (expansion.files.length === 0) {
    return { problem: { code: 'catalog.location_not_found', detail: `the glob ${pattern} matches no file` } };
  }
  return { specs: expansion.files.map((file) => ({ type: 'file', target: file })) };
}

/** What makes two targets the same file: the real path, or the URL without its fragment. */
async function identify(spec: LocationSpec): Promise<string> {
  if (spec.type === 'file') return `file:${await realpath(spec.target).catch(() => spec.target)}`;
  try {
    const url = new URL(spec.target);
    url.hash = '';
    return `url:${url.href}`;
  } catch {
    return `url:${spec.target}`;
  }
}

function placeAt(entity: DescriptorEntity, at: JsonPath): Pick<Problem, 'document' | 'line' | 'path'> {
  const line = entity.lineOf(at);
  return {
    document: entity.document,
    ...(line === undefined ? {} : { line }),
    ...(at.length === 0 ? {} : { path: formatPath(at) }),
  };
}

/** `['spec', 'targets', 1]` → `spec.targets[1]`; odd keys are quoted: `metadata.annotations["a.b/c"]`. */
function formatPath(at: JsonPath): string {
  return at
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) return index === 0 ? key : `.${key}`;
      return `[${JSON.stringify(key)}]`;
    })
    .join('');
}

function toError(walk: Walk, spec: LocationSpec, problem: Problem): LocationReadError {
  const { code, detail, ...at } = problem;
  return { code, message: `${describeAt(walk, spec, at)}: ${detail}`, location: spec, ...at };
}

function failedResult(walk: Walk, spec: LocationSpec, problem: Problem): LocationFileResult {
  return { location: spec, entities: [], errors: [toError(walk, spec, problem)], failed: true };
}

/** "components/a.yaml document 2 line 7 (spec.targets[1])". */
function describeAt(walk: Walk, spec: LocationSpec, at: Pick<Problem, 'document' | 'line' | 'path'>): string {
  return [
    displayName(walk, spec),
    at.document === undefined ? '' : `document ${at.document}`,
    at.line === undefined ? '' : `line ${at.line}`,
    at.path === undefined ? '' : `(${at.path})`,
  ]
    .filter(Boolean)
    .join(' ');
}

/** A file relative to the root holding it (the path an author knows), else as given; a URL as is. */
function displayName(walk: Walk, spec: LocationSpec): string {
  if (spec.type !== 'file') return spec.target;
  for (const root of walk.options.fileRoots) {
    const relative = path.relative(path.resolve(root), spec.target);
    if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) return relative;
  }
  return spec.target;
}
