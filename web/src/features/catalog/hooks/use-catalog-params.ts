import { useCallback, useMemo, useRef } from 'react';
import { useSearchParams } from 'react-router';
import type { EntitiesQuery } from '../api/get-entities.js';

/** The catalog's facets: what the URL calls each, the entity field it filters, and its label. */
export const FACETS = [
  { param: 'kind', field: 'kind', label: 'Kind' },
  { param: 'type', field: 'spec.type', label: 'Type' },
  { param: 'owner', field: 'spec.owner', label: 'Owner' },
  { param: 'lifecycle', field: 'spec.lifecycle', label: 'Lifecycle' },
  { param: 'tag', field: 'metadata.tags', label: 'Tags' },
] as const;

export type FacetParam = (typeof FACETS)[number]['param'];

export const PAGE_SIZES = [25, 50, 100] as const;

/**
 * The whole view lives in the URL (`?q=&kind=&type=&owner=&lifecycle=&tag=&order=&limit=&cursor=`),
 * so a link reproduces it. Changing a filter or the term starts again from the first page.
 */
export function useCatalogParams() {
  const [params, setParams] = useSearchParams();
  // React Router gives a new setter with every URL; the page's callbacks (and the memoized
  // filters and table taking them) stay the same by calling the latest one.
  const latestSetParams = useRef(setParams);
  latestSetParams.current = setParams;

  const query: EntitiesQuery = useMemo(() => {
    const filter: Record<string, string> = {};
    for (const facet of FACETS) {
      const value = params.get(facet.param);
      if (value) filter[facet.field] = value;
    }
    const limit = Number(params.get('limit'));
    return {
      filter,
      term: params.get('q') ?? '',
      order: params.get('order') === 'desc' ? 'desc' : 'asc',
      cursor: params.get('cursor') ?? undefined,
      limit: (PAGE_SIZES as readonly number[]).includes(limit) ? limit : PAGE_SIZES[0],
    };
  }, [params]);

  /** Sets (or, with an empty value, removes) URL parameters; anything but paging drops the cursor. */
  const update = useCallback(
    (changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) => {
      latestSetParams.current(
        (previous) => {
          const next = new URLSearchParams(previous);
          for (const [key, value] of Object.entries(changes)) {
            if (value) next.set(key, value);
            else next.delete(key);
          }
          if (!('cursor' in changes)) next.delete('cursor');
          return next;
        },
        { replace: options.replace ?? false },
      );
    },
    [],
  );

  const clear = useCallback(() => latestSetParams.current(new URLSearchParams()), []);

  return { params, query, update, clear };
}
