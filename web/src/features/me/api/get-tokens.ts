import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  userRef: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The signed-in user's API tokens (never their secrets). */
export const getTokens = () => api<{ items: ApiToken[] }>('/api/access/tokens');

export const tokensQueryOptions = () => queryOptions({ queryKey: ['profile', 'tokens'], queryFn: getTokens });

export const useTokens = () => useQuery(tokensQueryOptions());
