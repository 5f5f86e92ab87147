import { useEffect, useRef, useState } from 'react';

// Longer than the pause between a quick typist's keys (50–100 ms), short enough that the request
// (~40 ms on 100,000 entities) and the redraw (~15 ms) still land within 200 ms of the last key.
const DEBOUNCE_MS = 80;

/**
 * The full-text search box. It answers every keystroke itself and tells the page the term
 * once typing pauses, so the URL (and the request) changes once per pause, not per letter.
 */
export function CatalogSearch({ term, onSearch }: { term: string; onSearch: (term: string) => void }) {
  const [text, setText] = useState(term);
  const sent = useRef(term);

  // Back/forward or a link changed the term: show it.
  useEffect(() => {
    if (term !== sent.current) {
      sent.current = term;
      setText(term);
    }
  }, [term]);

  useEffect(() => {
    if (text === sent.current) return;
    const timer = setTimeout(() => {
      sent.current = text;
      onSearch(text);
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, onSearch]);

  return (
    <div className="catalog-search" role="search">
      <label htmlFor="catalog-search">Search the catalog</label>
      <input
        id="catalog-search"
        type="search"
        value={text}
        placeholder="Name, title, description, tag…"
        autoComplete="off"
        spellCheck={false}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape' && text) {
            event.preventDefault();
            setText('');
          }
        }}
      />
    </div>
  );
}
