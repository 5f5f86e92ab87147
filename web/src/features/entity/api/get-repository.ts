import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

/** A repository as `namespace/name` (the `paved.dev/git-repository` annotation). */
export interface RepositoryName {
  namespace: string;
  name: string;
}

export interface Branch {
  name: string;
  commit: string;
}

export interface TreeEntry {
  name: string;
  type: 'file' | 'directory';
  size: number | null;
}

const base = (repo: RepositoryName) => `/api/git/repositories/${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}`;

/** `GET /api/git/repositories/:ns/:name/branches`. */
export function branchesQueryOptions(repo: RepositoryName) {
  return queryOptions({ queryKey: ['git', repo.namespace, repo.name, 'branches'], queryFn: () => api<{ items: Branch[] }>(`${base(repo)}/branches`) });
}

/** `GET /api/git/repositories/:ns/:name/tree?ref=&path=`: one directory. */
export function treeQueryOptions(repo: RepositoryName, ref: string, path: string) {
  return queryOptions({
    queryKey: ['git', repo.namespace, repo.name, 'tree', ref, path],
    queryFn: () => api<{ items: TreeEntry[] }>(`${base(repo)}/tree?${new URLSearchParams({ ref, path })}`),
  });
}

/** `GET /api/git/repositories/:ns/:name/file?ref=&path=`: the file's text. */
export function fileQueryOptions(repo: RepositoryName, ref: string, path: string) {
  return queryOptions({
    queryKey: ['git', repo.namespace, repo.name, 'file', ref, path],
    queryFn: () => api<string>(`${base(repo)}/file?${new URLSearchParams({ ref, path })}`),
    retry: false,
  });
}

export const useBranches = (repo: RepositoryName) => useQuery(branchesQueryOptions(repo));
export const useTree = (repo: RepositoryName, ref: string, path: string) => useQuery(treeQueryOptions(repo, ref, path));
export const useFile = (repo: RepositoryName, ref: string, path: string) => useQuery(fileQueryOptions(repo, ref, path));
