import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { Deployment } from './get-environment.js';

/** Deploys a succeeded deployment's revision to the next environment. */
export const promoteDeployment = (id: string) => api<Deployment>(`/api/delivery/deployments/${encodeURIComponent(id)}/promote`, { method: 'POST', body: {} });

export function usePromoteDeployment() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: promoteDeployment, onSuccess: () => queryClient.invalidateQueries({ queryKey: ['environments'] }) });
}
