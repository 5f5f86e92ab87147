import { keepPreviousData, queryOptions, type UseQueryResult, useQueries } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import { filterParams } from './get-entities.js';

export interface FacetValue {
  value: string;
  count: number;
}

export interface FacetsResponse {
  facets: Record<string, FacetValue[]>;
}

/** `GET /api/catalog/entity-facets`: counts per value of each facet among the entities matching the filter. */
export function getEntityFacets(facets: string[], filter: Record<string, string>): Promise<FacetsResponse> {
  const params = filterParams(filter);
  for (const facet of facets) params.append('facet', facet);
  return api<FacetsResponse>(`/api/catalog/entity-facets?${params}`);
}

export function entityFacetsQueryOptions(facets: string[], filter: Record<string, string>) {
  return queryOptions({
    queryKey: ['catalog', 'facets', facets, filter],
    queryFn: () => getEntityFacets(facets, filter),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  });
}

/**
 * The counts for each facet as the user would get them by changing it: a facet with a value
 * chosen is counted without its own condition (so its other values stay on offer), the others
 * together under the whole filter — one request for those, one per chosen facet.
 */
export function useEntityFacets(facets: string[], filter: Record<string, string>) {
  const open = facets.filter((facet) => filter[facet] === undefined);
  const chosen = facets.filter((facet) => filter[facet] !== undefined);
  const without = (facet: string) => Object.fromEntries(Object.entries(filter).filter(([key]) => key !== facet));
  return useQueries({
    queries: [...(open.length > 0 ? [entityFacetsQueryOptions(open, filter)] : []), ...chosen.map((facet) => entityFacetsQueryOptions([facet], without(facet)))],
    combine: mergeFacets,
  });
}

/**
 * The answers merged into one map of facet → values. A function of the module, so the result is
 * the same object while the answers stay the same, and the selects (an owner facet may have
 * thousands of values) are not drawn again on every render of the page.
 */
function mergeFacets(queries: UseQueryResult<FacetsResponse>[]) {
  const counts: Record<string, FacetValue[]> = {};
  for (const query of queries) Object.assign(counts, query.data?.facets ?? {});
  return { counts, isPending: queries.some((query) => query.isPending), error: queries.find((query) => query.error)?.error ?? null };
}
