import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import { type ApiToken, tokensQueryOptions } from './get-tokens.js';

export interface CreateTokenInput {
  name: string;
  expiresInDays?: number;
}

/** Creates a token; the response carries its secret, which is never shown again. */
export const createToken = (input: CreateTokenInput) => api<ApiToken & { token: string }>('/api/access/tokens', { method: 'POST', body: input });

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: createToken, onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensQueryOptions().queryKey }) });
}
