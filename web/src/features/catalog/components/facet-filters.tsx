import { memo } from 'react';
import type { FacetValue } from '../api/get-entity-facets.js';
import { FACETS, type FacetParam } from '../hooks/use-catalog-params.js';

/**
 * One labelled select per facet, each option with its count. Native selects: they work with
 * the keyboard and screen readers, and become the phone's own picker on a phone.
 */
export const FacetFilters = memo(function FacetFilters({
  counts,
  values,
  onChange,
  onClear,
  busy,
  canClear,
}: {
  counts: Record<string, FacetValue[]>;
  values: Partial<Record<FacetParam, string>>;
  onChange: (param: FacetParam, value: string) => void;
  onClear: () => void;
  busy: boolean;
  canClear: boolean;
}) {
  return (
    <fieldset className="facet-filters" aria-busy={busy}>
      <legend>Filters</legend>
      {FACETS.map((facet) => {
        const options = counts[facet.field] ?? [];
        const chosen = values[facet.param] ?? '';
        // The URL may spell a value in another case than the facet (kind=component, Component).
        const match = options.find((option) => option.value.toLowerCase() === chosen.toLowerCase());
        const id = `facet-${facet.param}`;
        return (
          <div className="facet" key={facet.param}>
            <label htmlFor={id}>{facet.label}</label>
            <select id={id} value={match?.value ?? chosen} onChange={(event) => onChange(facet.param, event.target.value)}>
              <option value="">All</option>
              {chosen && !match && <option value={chosen}>{chosen} (0)</option>}
              {options.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.value} ({option.count.toLocaleString()})
                </option>
              ))}
            </select>
          </div>
        );
      })}
      <button type="button" className="link clear-filters" onClick={onClear} disabled={!canClear}>
        Clear filters
      </button>
    </fieldset>
  );
});
