import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export type TemplateRunStatus = 'open' | 'processing' | 'completed' | 'failed' | 'cancelled';
export const TEMPLATE_RUN_STATUSES: TemplateRunStatus[] = ['open', 'processing', 'completed', 'failed', 'cancelled'];

export interface TemplateRun {
  id: string;
  status: TemplateRunStatus;
  createdAt: string;
  createdBy: string;
  spec: { templateInfo: { entityRef: string } };
  error?: { message: string };
}

const unfinished = (run: TemplateRun) => run.status === 'open' || run.status === 'processing';

/** Template runs (the caller's own; an administrator's: everyone's), newest first. */
export const getTemplateRuns = (filter: { status?: string }) => {
  const params = new URLSearchParams({ limit: '100' });
  if (filter.status) params.set('status', filter.status);
  return api<{ tasks: TemplateRun[]; totalTasks: number }>(`/api/scaffolder/v2/tasks?${params}`);
};

export const templateRunsQueryOptions = (filter: { status?: string }) =>
  queryOptions({
    queryKey: ['runs', 'template', filter],
    queryFn: () => getTemplateRuns(filter),
    // Live while anything shown is still going.
    refetchInterval: (query) => (query.state.data?.tasks.some(unfinished) ? 2_000 : false),
  });

export const useTemplateRuns = (filter: { status?: string }) => useQuery(templateRunsQueryOptions(filter));
