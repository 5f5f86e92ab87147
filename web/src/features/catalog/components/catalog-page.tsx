import { useCallback } from 'react';
import { EmptyState, ErrorState, LoadingState } from '../../../components/states.js';
import { useEntities } from '../api/get-entities.js';
import { useEntityFacets } from '../api/get-entity-facets.js';
import { FACETS, type FacetParam, useCatalogParams } from '../hooks/use-catalog-params.js';
import { CatalogPager } from './catalog-pager.js';
import { CatalogSearch } from './catalog-search.js';
import { EntitiesTable } from './entities-table.js';
import { FacetFilters } from './facet-filters.js';

const FACET_FIELDS = FACETS.map((facet) => facet.field);

/** Every entity, searched and filtered on the server, one page at a time; the URL holds the view. */
export function CatalogPage() {
  const { params, query, update, clear } = useCatalogParams();
  const entities = useEntities(query);
  const facets = useEntityFacets(FACET_FIELDS, query.filter);
  const onSearch = useCallback((term: string) => update({ q: term }, { replace: true }), [update]);

  const values = Object.fromEntries(FACETS.map((facet) => [facet.param, params.get(facet.param) ?? ''])) as Record<FacetParam, string>;
  const filtered = Object.keys(query.filter).length > 0 || query.term.trim() !== '';
  const page = entities.data;
  const summary = page ? `${page.totalItems.toLocaleString()} ${page.totalItems === 1 ? 'match' : 'matches'}${entities.isPlaceholderData ? ', updating' : ''}` : '';

  return (
    <section className="page catalog">
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
            canClear={filtered}
            onChange={(param, value) => update({ [param]: value })}
            onClear={clear}
          />
          {facets.error && <p className="error-text">Filter counts are unavailable: {facets.error.message}</p>}
        </aside>
        <div className="catalog-results">
          <p className="sr-only" role="status" aria-live="polite">
            {page && !entities.isPlaceholderData ? `${page.totalItems.toLocaleString()} entities match` : ''}
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
                summary={summary}
                onToggleOrder={() => update({ order: query.order === 'asc' ? 'desc' : undefined })}
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
