import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export interface CreateTaskInput {
  templateRef: string;
  values: Record<string, unknown>;
}

/** Runs a template; a 400 carries `details.problems` naming each bad field. */
export const createTask = (input: CreateTaskInput) => api<{ id: string }>('/api/scaffolder/v2/tasks', { method: 'POST', body: input });

export function useCreateTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createTask,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['runs', 'template'] }),
  });
}
