import type { Entity } from '@backstage/catalog-model';

// How the commands write times, durations, refs and long messages for people, once for all of
// them: `paved deployment list` and `paved pipeline runs` read alike because they share these.

/** An ISO time without its milliseconds. */
export function timeOf(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}

/**
 * `850 ms`, `3.2 s`, `4 min 5 s`; nothing for no duration. `below1s: 's'` writes a duration under
 * a second in seconds too (`0.9 s`), as pipeline runs always have been.
 */
export function durationText(ms: number | null | undefined, below1s: 'ms' | 's' = 'ms'): string | undefined {
  if (ms === null || ms === undefined) return undefined;
  if (ms < 1000 && below1s === 'ms') return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The first line, at most `max` characters (an ellipsis marks the cut): a table stays one line per row. */
export function shorten(text: string | null | undefined, max = 50): string | undefined {
  const line = text?.split('\n')[0];
  return line && line.length > max ? `${line.slice(0, max - 1).trimEnd()}…` : line;
}

/**
 * `kind:namespace/name`, lower-cased as the catalog stores refs, of a whole or projected entity;
 * `defaultKind` stands in for a kind the projection left out.
 */
export function refOf(entity: Partial<Entity>, defaultKind = '?'): string {
  return `${entity.kind ?? defaultKind}:${entity.metadata?.namespace ?? 'default'}/${entity.metadata?.name ?? '?'}`.toLowerCase();
}
