import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import { taskQueryOptions } from './get-task.js';

/** Runs a failed or cancelled template run again from the step that failed. */
export const retryTask = (id: string) => api<{ id: string }>(`/api/scaffolder/v2/tasks/${encodeURIComponent(id)}/retry`, { method: 'POST' });

export function useRetryTask(id: string) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: () => retryTask(id), onSuccess: () => queryClient.invalidateQueries({ queryKey: taskQueryOptions(id).queryKey }) });
}
