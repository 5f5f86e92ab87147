import { parseEntityRef } from '@backstage/catalog-model';

/** What `parseRepoUrl` gives: Backstage's `host?owner=…&repo=…` form, split up. */
export interface RepoUrlParts {
  host: string;
  owner?: string;
  repo: string;
  organization?: string;
  workspace?: string;
  project?: string;
}

/** Parses `github.com?owner=acme&repo=api` (the RepoUrlPicker's format). */
export function parseRepoUrl(repoUrl: unknown): RepoUrlParts {
  if (typeof repoUrl !== 'string' || repoUrl.length === 0) throw new Error('parseRepoUrl: expected a string like "host?owner=o&repo=r"');
  let url: URL;
  try {
    url = new URL(`https://${repoUrl}`);
  } catch {
    throw new Error(`parseRepoUrl: "${repoUrl}" is not of the form "host?owner=o&repo=r"`);
  }
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const repo = param('repo');
  if (!url.host || !repo) throw new Error(`parseRepoUrl: "${repoUrl}" has no host or no repo= parameter`);
  const parts: RepoUrlParts = { host: url.host, repo };
  for (const key of ['owner', 'organization', 'workspace', 'project'] as const) {
    const value = param(key);
    if (value) parts[key] = value;
  }
  return parts;
}

/** `owner/repo` (or `project/repo`), as Backstage's `projectSlug` filter gives. */
export function projectSlug(repoUrl: unknown): string {
  const parts = parseRepoUrl(repoUrl);
  return `${parts.owner ?? parts.project ?? parts.workspace ?? parts.organization}/${parts.repo}`;
}

/** Like Backstage's: `parseEntityRef('group:team-a', { defaultKind, defaultNamespace })`. */
export function parseEntityRefFilter(ref: unknown, context?: { defaultKind?: string; defaultNamespace?: string }) {
  if (typeof ref !== 'string') throw new Error('parseEntityRef: expected a string entity reference');
  return parseEntityRef(ref, { defaultKind: context?.defaultKind, defaultNamespace: context?.defaultNamespace ?? 'default' });
}

/** `obj | pick('a.b')`: the value at a dotted path. Own properties only. */
export function pick(value: unknown, path: unknown): unknown {
  if (typeof path !== 'string') return undefined;
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export const templateFilters = {
  parseRepoUrl,
  projectSlug,
  parseEntityRef: parseEntityRefFilter,
  pick,
};
