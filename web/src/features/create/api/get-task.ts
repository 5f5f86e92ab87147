import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export type TaskStatus = 'open' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface OutputLink {
  title?: string;
  url?: string;
  entityRef?: string;
  icon?: string;
}

export interface TemplateTask {
  id: string;
  status: TaskStatus;
  createdAt: string;
  createdBy: string;
  spec: {
    templateInfo: { entityRef: string };
    parameters: Record<string, unknown>;
    steps: { id: string; name?: string; action: string }[];
  };
  output?: { links?: OutputLink[]; text?: { title?: string; content?: string }[]; [key: string]: unknown };
  error?: { message: string; step: string | null };
}

/** A log or completion event of a run (Backstage's shape). */
export interface TaskEvent {
  id: number;
  type: 'log' | 'completion';
  body: { message: string; stepId?: string; status?: string; output?: TemplateTask['output']; error?: { message: string } };
  createdAt: string;
}

export const isTaskFinished = (status: TaskStatus) => status === 'completed' || status === 'failed' || status === 'cancelled';

export const getTask = (id: string) => api<TemplateTask>(`/api/scaffolder/v2/tasks/${encodeURIComponent(id)}`);

export const taskQueryOptions = (id: string) =>
  queryOptions({
    queryKey: ['create', 'task', id],
    queryFn: () => getTask(id),
    // The log streams; the run's own status is read again now and then until it ends.
    refetchInterval: (query) => (query.state.data && !isTaskFinished(query.state.data.status) ? 2_000 : false),
  });

export const useTask = (id: string) => useQuery(taskQueryOptions(id));

export const taskEventStreamUrl = (id: string) => `/api/scaffolder/v2/tasks/${encodeURIComponent(id)}/eventstream`;
