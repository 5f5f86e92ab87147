import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { PipelineRun } from '../../../api/pipelines.js';
import type { RepositoryName } from './get-repository.js';

export type { PipelineRun } from '../../../api/pipelines.js';

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);
export const isFinished = (run: { status: string }) => FINISHED.has(run.status);

/** `GET /api/pipelines/repositories/:ns/:name/runs`, newest first; polled while a run is unfinished. */
export function pipelineRunsQueryOptions(repo: RepositoryName) {
  return queryOptions({
    queryKey: ['pipelines', repo.namespace, repo.name, 'runs'],
    queryFn: () => api<{ items: PipelineRun[] }>(`/api/pipelines/repositories/${encodeURIComponent(repo.namespace)}/${encodeURIComponent(repo.name)}/runs?limit=30`),
    refetchInterval: (query) => (query.state.data?.items.some((run) => !isFinished(run)) ? 2_000 : 15_000),
  });
}

export const usePipelineRuns = (repo: RepositoryName) => useQuery(pipelineRunsQueryOptions(repo));
