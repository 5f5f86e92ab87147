import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export type PipelineRunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const PIPELINE_RUN_STATUSES: PipelineRunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export interface PipelineJob {
  job: string;
  steps: { name: string; exitCode: number | null; durationMs: number; stopped?: string; skipped?: string }[];
}

export interface PipelineRun {
  id: string;
  repository: string;
  number: number;
  branch: string;
  commit: string;
  event: 'push' | 'manual' | 'schedule';
  status: PipelineRunStatus;
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  failedJob: string | null;
  jobs: PipelineJob[];
}

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
