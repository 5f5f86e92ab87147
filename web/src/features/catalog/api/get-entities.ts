import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

/** The fields the catalog table shows; asking for only these keeps pages small. */
const TABLE_FIELDS = ['kind', 'metadata.name', 'metadata.namespace', 'metadata.title', 'metadata.description', 'metadata.tags', 'spec.type', 'spec.owner', 'spec.lifecycle'];

/** An entity as the table asks for it (`fields=`): everything but the kind and name may be missing. */
export interface CatalogEntity {
  kind: string;
  metadata: { name: string; namespace?: string; title?: string; description?: string; tags?: string[] };
  spec?: { type?: string; owner?: string; lifecycle?: string };
}

export interface EntitiesPage {
  items: CatalogEntity[];
  totalItems: number;
  pageInfo: { nextCursor?: string; prevCursor?: string };
}

export interface EntitiesQuery {
  /** Facet key → chosen value (`kind` → `component`, `spec.type` → `service`). */
  filter: Record<string, string>;
  term: string;
  order: 'asc' | 'desc';
  cursor: string | undefined;
  limit: number;
}

/** Backstage's filter syntax: one `filter` parameter whose conditions must all hold. */
export function filterParams(filter: Record<string, string>): URLSearchParams {
  const params = new URLSearchParams();
  const conditions = Object.entries(filter).map(([key, value]) => `${key}=${value}`);
  if (conditions.length > 0) params.append('filter', conditions.join(','));
  return params;
}

/** `GET /api/catalog/entities/by-query`: one page; a cursor carries the rest of the query itself. */
export function getEntities(query: EntitiesQuery): Promise<EntitiesPage> {
  const params = query.cursor ? new URLSearchParams({ cursor: query.cursor }) : filterParams(query.filter);
  params.set('limit', String(query.limit));
  params.set('fields', TABLE_FIELDS.join(','));
  if (!query.cursor) {
    params.set('orderField', `metadata.name,${query.order}`);
    if (query.term.trim()) params.set('fullTextFilterTerm', query.term.trim());
  }
  return api<EntitiesPage>(`/api/catalog/entities/by-query?${params}`);
}

export function entitiesQueryOptions(query: EntitiesQuery) {
  return queryOptions({
    queryKey: ['catalog', 'entities', query],
    queryFn: () => getEntities(query),
    // The table keeps showing the last page while the next one loads: it never blanks.
    placeholderData: keepPreviousData,
  });
}

export function useEntities(query: EntitiesQuery) {
  return useQuery(entitiesQueryOptions(query));
}
