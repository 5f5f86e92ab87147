import { z } from 'zod';

/**
 * The one set of schemas every path parameter of the API is validated with. Fastify decodes a
 * parameter before a route sees it, so `..%2F..%2Fmaster.key` arrives as `../../master.key`:
 * a route that trusts a bare `z.string()` hands that to the file system. `checkRouteParams`
 * (registered in build-app.ts) refuses to start a route whose parameters use anything else, so a
 * new route cannot forget.
 */

/** Ids Paved hands out (UUIDs, time-ordered ids, worker ids): letters, digits, `-` and `_`. */
export const idParam = z
  .string()
  .max(128, { message: 'is longer than 128 characters', abort: true })
  .regex(/^[A-Za-z0-9_-]+$/, 'is not an id (letters, digits, "-" and "_")');

/**
 * A name: entity kind, namespace or name; repository, job, environment, workload or secret name.
 * Backstage's rule for names: 1–63 characters, letters and digits separated by `-`, `_` or `.`,
 * so a name is never `.`, `..` or anything with a `/`.
 */
export const nameParam = z
  .string()
  .max(63, { message: 'is longer than 63 characters', abort: true })
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, { message: 'is not a name (letters and digits, separated by "-", "_" or ".")', abort: true })
  .refine((value) => !value.includes('..'), 'must not contain ".."');

/** A git repository directory in a URL: a name followed by `.git`. */
export const repositoryDirectoryParam = z
  .string()
  .max(67, { message: 'is longer than 67 characters', abort: true })
  .regex(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\.git$/, { message: 'is not a repository directory (<name>.git)', abort: true })
  .refine((value) => !value.includes('..'), 'must not contain ".."');

const MAX_RELATIVE_PATH = 1024;

/**
 * A relative path below something Paved owns (an artifact inside its job's folder, a path inside
 * a repository): `/`-separated segments, none of them empty, `.` or `..`; no leading `/`, no
 * backslash, no NUL, no control characters, no percent escape left after decoding (a second
 * encoding is an attempt to slip past a check done once).
 */
export const relativePathParam = z
  .string()
  .min(1, { message: 'is empty', abort: true })
  .max(MAX_RELATIVE_PATH, { message: `is longer than ${MAX_RELATIVE_PATH} characters`, abort: true })
  .superRefine((value, context) => {
    const problem = relativePathProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  });

export function relativePathProblem(value: string): string | undefined {
  if (value.startsWith('/')) return 'must be relative (no leading "/")';
  if (value.includes('\\')) return 'must not contain "\\"';
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'must not contain control characters';
  if (/%[0-9a-f]{2}/i.test(value)) return 'must not contain percent escapes (it was encoded twice)';
  for (const segment of value.split('/')) {
    if (segment === '') return 'must not contain empty segments ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return 'must not contain "." or ".." segments';
  }
  return undefined;
}

const SHARED = new Set<z.ZodType>([idParam, nameParam, repositoryDirectoryParam, relativePathParam]);

interface RouteShape {
  url: string;
  method: string | string[];
  schema?: { params?: unknown };
}

/**
 * Throws at start when a route has path parameters that are not each validated by one of the
 * shared schemas above. Called from Fastify's `onRoute` hook.
 */
export function checkRouteParams(route: RouteShape): void {
  const names = [...route.url.matchAll(/:([A-Za-z0-9_]+)/g)].map((match) => match[1]!);
  if (route.url.includes('*')) names.push('*');
  if (names.length === 0) return;
  const where = `${String(route.method)} ${route.url}`;
  const params = route.schema?.params;
  if (!(params instanceof z.ZodObject)) {
    throw new Error(`Route ${where} has path parameters but no params schema; use the schemas of src/http/path-params.ts`);
  }
  const shape = params.shape as Record<string, z.ZodType>;
  for (const name of names) {
    if (!shape[name] || !SHARED.has(shape[name])) {
      throw new Error(`Route ${where}: path parameter "${name}" must use idParam, nameParam, repositoryDirectoryParam or relativePathParam from src/http/path-params.ts`);
    }
  }
}
