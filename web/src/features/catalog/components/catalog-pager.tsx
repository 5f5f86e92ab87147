import { PAGE_SIZES } from '../hooks/use-catalog-params.js';

/** Previous and next by the server's cursors, and the page size. */
export function CatalogPager({
  prevCursor,
  nextCursor,
  limit,
  onPage,
  onLimit,
}: {
  prevCursor: string | undefined;
  nextCursor: string | undefined;
  limit: number;
  onPage: (cursor: string) => void;
  onLimit: (limit: number) => void;
}) {
  return (
    <nav className="pager" aria-label="Pages of entities">
      <button type="button" disabled={!prevCursor} onClick={() => prevCursor && onPage(prevCursor)}>
        ← Previous page
      </button>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && onPage(nextCursor)}>
        Next page →
      </button>
      <span className="page-size">
        <label htmlFor="catalog-page-size">Rows per page</label>
        <select id="catalog-page-size" value={limit} onChange={(event) => onLimit(Number(event.target.value))}>
          {PAGE_SIZES.map((size) => (
            <option key={size} value={size}>
              {size}
            </option>
          ))}
        </select>
      </span>
    </nav>
  );
}
