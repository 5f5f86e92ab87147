import { useQuery } from '@tanstack/react-query';
import { api, session } from './client.js';

/** Who is signed in, as `GET /api/access/me` says. */
export interface Me {
  userRef: string;
  isAdmin: boolean;
  groups?: string[];
  ownershipRefs?: string[];
  displayName?: string;
}

export function useMe() {
  // Without a token there is nobody to ask about (the page goes to sign-in instead).
  return useQuery({ queryKey: ['me'], queryFn: () => api<Me>('/api/access/me'), enabled: session.token() !== null });
}
