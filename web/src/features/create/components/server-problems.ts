import type { ErrorSchema } from '@rjsf/utils';
import type { ErrorDetails } from '../../../api/client.js';

/** A server problem as the form shows it: its message, and the page and field it belongs to. */
export interface FormProblem {
  path: string;
  message: string;
  page: number | null;
}

/**
 * Places the 400's `details.problems` ({path: 'owner', message}) on the pages whose schema has
 * the field; a problem no page claims is shown in the summary only.
 */
export function placeProblems(problems: ErrorDetails[] | undefined, pages: { schema: Record<string, unknown> }[]): FormProblem[] {
  return (problems ?? []).map((problem) => {
    const path = String(problem.path ?? '');
    const field = path.split('.')[0] ?? '';
    const page = pages.findIndex((candidate) => Object.hasOwn((candidate.schema.properties as Record<string, unknown> | undefined) ?? {}, field));
    return { path, message: String(problem.message ?? 'is invalid'), page: page === -1 ? null : page };
  });
}

/** The rjsf `extraErrors` of one page. */
export function pageErrorSchema(problems: FormProblem[], page: number): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const problem of problems.filter((candidate) => candidate.page === page)) {
    let node = root;
    for (const segment of problem.path.split('.').filter(Boolean)) node = (node[segment] ??= {}) as Record<string, unknown>;
    ((node.__errors ??= []) as string[]).push(problem.message);
  }
  return root as ErrorSchema;
}
