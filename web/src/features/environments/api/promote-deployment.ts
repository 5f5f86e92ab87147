import { useMutation, useQueryClient } from '@tanstack/react-query';
import { promoteDeployment } from '../../../api/delivery.js';

export function usePromoteDeployment() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: promoteDeployment, onSuccess: () => queryClient.invalidateQueries({ queryKey: ['environments'] }) });
}
