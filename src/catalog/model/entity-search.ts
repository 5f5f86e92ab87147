import type { Entity } from '@backstage/catalog-model';

export interface SearchRow {
  key: string;
  value: string;
  originalValue: string;
}

// Backstage's limits: longer values are not useful to filter on and bloat the index.
const MAX_KEY_LENGTH = 200;
const MAX_VALUE_LENGTH = 200;
const MAX_ROWS_PER_ENTITY = 1000;
// Kind, name, namespace and uid are columns of catalog_entities, filtered and faceted there.
const SKIPPED_KEYS = new Set(['relations', 'status', 'kind', 'metadata.name', 'metadata.namespace', 'metadata.uid', 'metadata.etag', 'metadata.generation']);

/**
 * Flattens an entity into filterable `key=value` rows, the way Backstage's search table does:
 * dotted lower-cased keys, array items under the same key, lower-cased values, long values left
 * out. Keys that are columns of the entity table (kind, name, namespace, uid) are left out too.
 */
export function searchRowsOf(entity: Entity): SearchRow[] {
  const rows: SearchRow[] = [];
  const seen = new Set<string>();
  const visit = (key: string, value: unknown): void => {
    if (rows.length >= MAX_ROWS_PER_ENTITY || SKIPPED_KEYS.has(key) || key.length > MAX_KEY_LENGTH) return;
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(key, item);
      return;
    }
    if (typeof value === 'object') {
      for (const [child, childValue] of Object.entries(value)) visit(key ? `${key}.${child.toLowerCase()}` : child.toLowerCase(), childValue);
      return;
    }
    const text = String(value);
    if (text.length > MAX_VALUE_LENGTH) return;
    const lower = text.toLowerCase();
    // The same value twice under one key (a repeated tag) is one row: it filters the same.
    if (seen.has(`${key}\n${lower}`)) return;
    seen.add(`${key}\n${lower}`);
    rows.push({ key, value: lower, originalValue: text });
  };
  visit('', entity);
  return rows;
}

/** The lower-cased text the default full-text search matches against. */
export function searchTextOf(entity: Entity): string {
  const spec = (entity.spec ?? {}) as { type?: unknown; profile?: { displayName?: unknown; email?: unknown } };
  return [
    entity.metadata.name,
    entity.metadata.title,
    entity.metadata.description,
    ...(entity.metadata.tags ?? []),
    spec.type,
    spec.profile?.displayName,
    spec.profile?.email,
  ]
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join(' ')
    .toLowerCase();
}

/** The fields the default full-text search covers, for documentation and the API description. */
export const DEFAULT_FULL_TEXT_FIELDS = [
  'metadata.name',
  'metadata.title',
  'metadata.description',
  'metadata.tags',
  'spec.type',
  'spec.profile.displayName',
  'spec.profile.email',
];
