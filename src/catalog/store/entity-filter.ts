import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { escapeLike } from '../../db/batches.js';
import type { DialectName } from '../../db/create-database.js';
import { textContains } from '../../db/text-search.js';
import type { Database } from '../../db/database.js';
import { InvalidInputError } from '../../errors.js';
import { relationView } from '../model/entity-relations.js';

/** One `key=value` condition; no values means "the key exists". Keys and values are lower-cased. */
export interface FieldCondition {
  key: string;
  values: string[];
}

/** Backstage's filter: any of the sets matches when all conditions of that set match. */
export type EntityFilter = FieldCondition[][];

export interface FullTextFilter {
  term: string;
  /** Search keys to match in; the default text (name, title, description, tags, …) when empty. */
  fields: string[];
}

type EntityScope = ExpressionBuilder<Database & { e: Database['catalog_entities'] }, 'e'>;

/**
 * Parses `filter` query parameters as Backstage writes them: each parameter is one set of
 * comma-separated `key=value` (or bare `key`) conditions; repeating a key in a set widens it.
 */
export function parseFilterParams(params: readonly string[] | undefined): EntityFilter {
  const sets: EntityFilter = [];
  for (const param of params ?? []) {
    const byKey = new Map<string, FieldCondition>();
    for (const part of param.split(',')) {
      const trimmed = part.trim();
      if (!trimmed) continue;
      const equals = trimmed.indexOf('=');
      const key = (equals === -1 ? trimmed : trimmed.slice(0, equals)).trim().toLowerCase();
      if (!key) throw new InvalidInputError('catalog.invalid_filter', `Invalid filter "${param}": a condition has no key`, { path: 'filter' });
      const condition = byKey.get(key) ?? { key, values: [] };
      byKey.set(key, condition);
      if (equals !== -1) condition.values.push(trimmed.slice(equals + 1).trim().toLowerCase());
    }
    if (byKey.size > 0) sets.push([...byKey.values()]);
  }
  return sets;
}

/** Columns that mirror common filter keys, so those filters use the entity table's indexes. */
const COLUMN_KEYS: Record<string, 'kind' | 'namespace' | 'name' | 'entity_id'> = {
  kind: 'kind',
  'metadata.namespace': 'namespace',
  'metadata.name': 'name',
  'metadata.uid': 'entity_id',
};

function conditionSql(eb: EntityScope, condition: FieldCondition): Expression<SqlBool> {
  const { key, values } = condition;
  if (key.startsWith('relations.')) {
    const view = relationView(key.slice('relations.'.length));
    if (!view) return sql<SqlBool>`1 = 0`;
    const [self, other] = view.direction === 'forward' ? (['source_ref', 'target_ref'] as const) : (['target_ref', 'source_ref'] as const);
    let related = eb.selectFrom('catalog_relations').select(self).where('type', '=', view.stored);
    if (values.length > 0) related = related.where(other, 'in', values);
    return eb('e.entity_ref', 'in', related);
  }
  const column = COLUMN_KEYS[key];
  if (column && values.length > 0) return eb(`e.${column}`, 'in', values);
  if (column) return sql<SqlBool>`1 = 1`;
  let matching = eb.selectFrom('catalog_search').select('entity_id').where('key', '=', key);
  if (values.length > 0) matching = matching.where('value', 'in', values);
  return eb('e.entity_id', 'in', matching);
}

/** The SQL condition on `catalog_entities as e` for a filter and an optional full-text term. */
export function filterSql(eb: EntityScope, filter: EntityFilter, fullText?: FullTextFilter & { dialect: DialectName }): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (filter.length > 0) parts.push(eb.or(filter.map((set) => eb.and(set.map((condition) => conditionSql(eb, condition))))));
  if (fullText && fullText.term.trim()) {
    const pattern = `%${escapeLike(fullText.term.trim().toLowerCase())}%`;
    if (fullText.fields.length === 0) {
      parts.push(eb('e.entity_id', 'in', eb.selectFrom('catalog_text').select('entity_id').where(textContains(fullText.dialect, 'catalog_text', fullText.term.trim()))));
    } else {
      const fields = fullText.fields.map((field) => field.toLowerCase());
      const searchKeys = fields.filter((field) => !COLUMN_KEYS[field]);
      const matches: Expression<SqlBool>[] = fields
        .map((field) => COLUMN_KEYS[field])
        .filter((column) => column !== undefined)
        .map((column) => sql<SqlBool>`${eb.ref(`e.${column}`)} like ${pattern} escape '\\'`);
      if (searchKeys.length > 0) {
        matches.push(
          eb('e.entity_id', 'in', eb.selectFrom('catalog_search').select('entity_id').where('key', 'in', searchKeys).where(sql<SqlBool>`value like ${pattern} escape '\\'`)),
        );
      }
      parts.push(eb.or(matches));
    }
  }
  return parts.length > 0 ? eb.and(parts) : sql<SqlBool>`1 = 1`;
}
