import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import { type ApiToken, tokensQueryOptions } from './get-tokens.js';

/** Revokes a token at once: requests made with it are refused from then on. */
export const revokeToken = (id: string) => api<ApiToken>(`/api/access/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' });

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: revokeToken, onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensQueryOptions().queryKey }) });
}
