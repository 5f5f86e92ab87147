import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export { PIPELINE_RUN_STATUSES, type PipelineJob, type PipelineRun, type PipelineRunStatus } from '../../../api/pipelines.js';
import type { PipelineRun, PipelineRunStatus } from '../../../api/pipelines.js';

export interface PipelineRunFilter {
  repository?: string;
  status?: string;
  branch?: string;
}

export const isPipelineRunFinished = (run: { status: PipelineRunStatus }) => run.status !== 'queued' && run.status !== 'running';

/** Every repository's pipeline runs, newest first. */
export const getPipelineRuns = (filter: PipelineRunFilter) => {
  const params = new URLSearchParams({ limit: '100' });
  for (const [key, value] of Object.entries(filter)) if (value) params.set(key, value);
  return api<{ items: PipelineRun[] }>(`/api/pipelines/runs?${params}`);
};

export const pipelineRunsQueryOptions = (filter: PipelineRunFilter) =>
  queryOptions({
    queryKey: ['runs', 'pipeline', filter],
    queryFn: () => getPipelineRuns(filter),
    refetchInterval: (query) => (query.state.data?.items.some((run) => !isPipelineRunFinished(run)) ? 2_000 : false),
  });

export const usePipelineRuns = (filter: PipelineRunFilter) => useQuery(pipelineRunsQueryOptions(filter));
