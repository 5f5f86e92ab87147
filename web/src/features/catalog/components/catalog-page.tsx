import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { entitiesQueryOptions, useEntities } from '../api/get-entities.js';
import { useEntityFacets } from '../api/get-entity-facets.js';
import { FACETS, type FacetParam, useCatalogParams } from '../hooks/use-catalog-params.js';
import { CatalogPager } from './catalog-pager.js';
import { CatalogSearch } from './catalog-search.js';
import { EntitiesTable } from './entities-table.js';
import { FacetFilters } from './facet-filters.js';

const FACET_FIELDS = FACETS.map((facet) => facet.field);

/** Every entity, searched and filtered on the server, one page at a time; the URL holds the view. */
export function CatalogPage() {
  const { params, query: urlQuery, update, clear } = useCatalogParams();
  // The term typed is searched for at once; the URL follows (a router navigation is slower than
  // a render, and the table must follow typing within 200 ms).
  const [term, setTerm] = useState(urlQuery.term);
  useEffect(() => setTerm(urlQuery.term), [urlQuery.term]);
  const query = term === urlQuery.term ? urlQuery : { ...urlQuery, term, cursor: undefined };
  const entities = useEntities(query);
  const facets = useEntityFacets(FACET_FIELDS, query.filter);
  const queryClient = useQueryClient();
  const onSearch = useCallback(
    (text: string) => {
      // The request leaves now, before React draws anything; the table's query then finds it in flight.
      void queryClient.prefetchQuery(entitiesQueryOptions({ ...urlQuery, term: text, cursor: undefined }));
      setTerm(text);
      update({ q: text }, { replace: true });
    },
    [queryClient, urlQuery, update],
  );
  const onFacet = useCallback((param: FacetParam, value: string) => update({ [param]: value }), [update]);
  const clearFilters = useCallback(() => update(Object.fromEntries(FACETS.map((facet) => [facet.param, undefined]))), [update]);
  const onToggleOrder = useCallback(() => update({ order: query.order === 'asc' ? 'desc' : undefined }), [update, query.order]);

  // Kept while the chosen values stay the same (typing changes the URL, not these).
  const chosen = FACETS.map((facet) => params.get(facet.param) ?? '');
  const values = useMemo(() => Object.fromEntries(FACETS.map((facet, index) => [facet.param, chosen[index]])) as Record<FacetParam, string>, [chosen.join('\n')]);
  const filtered = Object.keys(query.filter).length > 0 || query.term.trim() !== '';
  const page = entities.data;
  const matches = page && !entities.isPlaceholderData ? `${page.totalItems.toLocaleString()} ${page.totalItems === 1 ? 'entity matches' : 'entities match'}` : '';

  return (
    <section className="page catalog">
      <title>{query.term ? `“${query.term}” in the catalog · Paved` : 'Catalog · Paved'}</title>
      <header className="page-header">
        <h1>Catalog</h1>
        <p className="muted">Everything Paved knows about: components, APIs, systems, resources, teams and people.</p>
      </header>
      <div className="catalog-layout">
        <aside className="catalog-filters" aria-label="Search and filters">
          <CatalogSearch term={query.term} onSearch={onSearch} />
          <FacetFilters
            counts={facets.counts}
            values={values}
            busy={facets.isPending}
            canClear={Object.keys(query.filter).length > 0}
            onChange={onFacet}
            onClear={clearFilters}
          />
          {facets.error && <p className="error-text">Filter counts are unavailable: {facets.error.message}</p>}
        </aside>
        <div className="catalog-results">
          <p className="results-summary muted" role="status" aria-live="polite">
            {matches || (page ? 'Updating…' : '')}
          </p>
          {entities.isPending ? (
            <LoadingState label="Loading entities" />
          ) : entities.error && !page ? (
            <ErrorState error={entities.error} retry={() => void entities.refetch()} />
          ) : page && page.items.length === 0 ? (
            <EmptyState title={filtered ? 'No entities match' : 'The catalog is empty'}>
              {filtered ? (
                <button type="button" className="link" onClick={clear}>
                  Clear the search and filters
                </button>
              ) : (
                'Register a location or create a component to see it here.'
              )}
            </EmptyState>
          ) : page ? (
            <>
              {entities.error && <ErrorState error={entities.error} retry={() => void entities.refetch()} />}
              <EntitiesTable
                entities={page.items}
                order={query.order}
                stale={entities.isPlaceholderData}
                onToggleOrder={onToggleOrder}
              />
              <CatalogPager
                prevCursor={page.pageInfo.prevCursor}
                nextCursor={page.pageInfo.nextCursor}
                limit={query.limit}
                onPage={(cursor) => update({ cursor })}
                onLimit={(limit) => update({ limit: String(limit) })}
              />
            </>
          ) : null}
        </div>
      </div>
    </section>
  );
}
