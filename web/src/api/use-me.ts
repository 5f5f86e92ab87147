import { useQuery } from '@tanstack/react-query';
import { api } from './client.js';

/** Who is signed in, as `GET /api/access/me` says. */
export interface Me {
  userRef: string;
  isAdmin: boolean;
  groups?: string[];
  ownershipRefs?: string[];
  displayName?: string;
}

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/api/access/me') });
}
