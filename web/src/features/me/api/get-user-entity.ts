import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export interface UserEntity {
  metadata: { name: string; namespace?: string };
  spec?: { profile?: { displayName?: string; email?: string; picture?: string }; memberOf?: string[] };
}

/** The catalog's User entity of a `user:<namespace>/<name>` ref; administrators may have none. */
export const getUserEntity = (userRef: string) => {
  const match = /^(?:user:)?(?:([^/]+)\/)?(.+)$/.exec(userRef);
  return api<UserEntity>(`/api/catalog/entities/by-name/user/${encodeURIComponent(match?.[1] ?? 'default')}/${encodeURIComponent(match?.[2] ?? userRef)}`);
};

export const userEntityQueryOptions = (userRef: string) => queryOptions({ queryKey: ['profile', 'entity', userRef], queryFn: () => getUserEntity(userRef) });

export const useUserEntity = (userRef: string | undefined) => useQuery({ ...userEntityQueryOptions(userRef ?? ''), enabled: userRef !== undefined });
