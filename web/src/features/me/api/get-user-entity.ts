import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export interface UserEntity {
  metadata: { name: string; namespace?: string };
  spec?: { profile?: { displayName?: string; email?: string; picture?: string }; memberOf?: string[] };
}

/**
 * The catalog's User entity of a `user:<namespace>/<name>` ref, or null: administrators may have
 * none. Asked as a query, so that "none" is an empty answer rather than a 404 in the console.
 */
export const getUserEntity = async (userRef: string): Promise<UserEntity | null> => {
  const match = /^(?:user:)?(?:([^/]+)\/)?(.+)$/.exec(userRef);
  const filter = `kind=user,metadata.namespace=${match?.[1] ?? 'default'},metadata.name=${match?.[2] ?? userRef}`;
  const { items } = await api<{ items: UserEntity[] }>(`/api/catalog/entities/by-query?filter=${encodeURIComponent(filter)}&limit=1`);
  return items[0] ?? null;
};

export const userEntityQueryOptions = (userRef: string) => queryOptions({ queryKey: ['profile', 'entity', userRef], queryFn: () => getUserEntity(userRef) });

export const useUserEntity = (userRef: string | undefined) => useQuery({ ...userEntityQueryOptions(userRef ?? ''), enabled: userRef !== undefined });
