import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { EntityName } from '../../../components/entity-name.js';

/** An entity as `GET /api/catalog/entities/by-name` answers: the descriptor and its relations. */
export interface Entity {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    title?: string;
    description?: string;
    tags?: string[];
    links?: { url: string; title?: string; icon?: string; type?: string }[];
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    uid?: string;
  };
  spec?: Record<string, unknown>;
  relations?: { type: string; targetRef: string }[];
}

/** `GET /api/catalog/entities/by-name/:kind/:namespace/:name`. */
export function getEntity(name: EntityName): Promise<Entity> {
  return api<Entity>(`/api/catalog/entities/by-name/${encodeURIComponent(name.kind)}/${encodeURIComponent(name.namespace)}/${encodeURIComponent(name.name)}`);
}

export function entityQueryOptions(name: EntityName) {
  return queryOptions({ queryKey: ['catalog', 'entity', name.kind.toLowerCase(), name.namespace, name.name], queryFn: () => getEntity(name) });
}

export function useEntity(name: EntityName) {
  return useQuery(entityQueryOptions(name));
}
