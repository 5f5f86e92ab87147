import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { Deployment } from './get-environment.js';

/** Deploys the revision before the one a workload runs now, again. */
export const rollbackWorkload = (input: { environment: string; workload: string }) => api<Deployment>('/api/delivery/rollback', { method: 'POST', body: input });

export function useRollbackWorkload() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: rollbackWorkload, onSuccess: () => queryClient.invalidateQueries({ queryKey: ['environments'] }) });
}
