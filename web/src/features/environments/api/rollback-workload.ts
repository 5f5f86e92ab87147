import { useMutation, useQueryClient } from '@tanstack/react-query';
import { rollbackDeployment } from '../../../api/delivery.js';

/** Deploys the revision before the one a workload runs now, again. */
export function useRollbackWorkload() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: rollbackDeployment, onSuccess: () => queryClient.invalidateQueries({ queryKey: ['environments'] }) });
}
