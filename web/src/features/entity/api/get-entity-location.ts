import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { EntityName } from '../../../components/entity-name.js';

/** A problem the last read of a location found: in which file, where, and (when known) for which entity. */
export interface LocationProblem {
  code: string;
  message: string;
  file: string;
  document?: number;
  line?: number;
  path?: string;
  entityRef?: string;
}

export interface LocationStatus {
  id: string;
  type: string;
  target: string;
  status: 'pending' | 'ok' | 'error';
  lastReadAt: string | null;
  entityCount: number;
  errors: LocationProblem[];
}

/** `GET /api/catalog/locations/by-entity/:kind/:namespace/:name`: the location that provides the entity, with the problems of its last read. */
export function getEntityLocation(name: EntityName): Promise<LocationStatus> {
  return api<LocationStatus>(`/api/catalog/locations/by-entity/${encodeURIComponent(name.kind)}/${encodeURIComponent(name.namespace)}/${encodeURIComponent(name.name)}`);
}

export function entityLocationQueryOptions(name: EntityName) {
  return queryOptions({ queryKey: ['catalog', 'entity-location', name.kind.toLowerCase(), name.namespace, name.name], queryFn: () => getEntityLocation(name) });
}

export function useEntityLocation(name: EntityName) {
  return useQuery(entityLocationQueryOptions(name));
}
