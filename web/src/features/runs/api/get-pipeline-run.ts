import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { PipelineRun } from './get-pipeline-runs.js';

/** One line of a run's log, as its event stream sends it. */
export interface PipelineLogLine {
  seq: number;
  at: string;
  level: 'info' | 'warn' | 'error';
  stepId: string | null;
  message: string;
}

export const getPipelineRun = (id: string) => api<PipelineRun>(`/api/pipelines/runs/${encodeURIComponent(id)}`);

export const pipelineRunQueryOptions = (id: string) => queryOptions({ queryKey: ['runs', 'pipeline-run', id], queryFn: () => getPipelineRun(id) });

export const usePipelineRun = (id: string) => useQuery(pipelineRunQueryOptions(id));

export const pipelineRunEventsUrl = (id: string) => `/api/pipelines/runs/${encodeURIComponent(id)}/events`;
