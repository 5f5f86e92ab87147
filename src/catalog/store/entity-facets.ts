import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { relationView } from '../model/entity-relations.js';
import { KIND_DISPLAY_NAMES } from '../model/validate-entity.js';
import { type EntityFilter, filterSql } from './entity-filter.js';

export interface FacetValue {
  value: string;
  count: number;
}

/**
 * Counts entities per value of one facet key (`kind`, `spec.type`, `metadata.tags`,
 * `relations.ownedBy`, …), among the entities matching the filter, most frequent first.
 */
export async function countFacet(db: Kysely<Database>, facet: string, filter: EntityFilter): Promise<FacetValue[]> {
  const key = facet.toLowerCase();
  if (key.startsWith('relations.')) {
    const view = relationView(key.slice('relations.'.length));
    if (!view) return [];
    // Self is the entity counted; the facet's value is the other end.
    const [self, other] = view.direction === 'forward' ? (['r.source_ref', 'r.target_ref'] as const) : (['r.target_ref', 'r.source_ref'] as const);
    let select = db
      .selectFrom('catalog_relations as r')
      .select([`${other} as value`, (eb) => eb.fn.count<number>(self).distinct().as('count')])
      .where('r.type', '=', view.stored)
      .groupBy(other);
    if (filter.length > 0) {
      select = select.where(self, 'in', db.selectFrom('catalog_entities as e').select('e.entity_ref').where((eb) => filterSql(eb, filter)));
    }
    return (await select.execute()).map((row) => ({ value: row.value, count: Number(row.count) })).sort(byCount);
  }
  const column = ENTITY_COLUMNS[key];
  if (column) {
    const rows = await db
      .selectFrom('catalog_entities as e')
      .select([`e.${column} as value`, (eb) => eb.fn.countAll<number>().as('count')])
      .where((eb) => filterSql(eb, filter))
      .groupBy(`e.${column}`)
      .execute();
    return rows.map((row) => ({ value: column === 'kind' ? (KIND_DISPLAY_NAMES.get(row.value) ?? row.value) : row.value, count: Number(row.count) })).sort(byCount);
  }
  let select = db
    .selectFrom('catalog_search as s')
    .select(['s.original_value as value', (eb) => eb.fn.countAll<number>().as('count')])
    .where('s.key', '=', key)
    .groupBy('s.original_value');
  if (filter.length > 0) {
    select = select.where('s.entity_id', 'in', db.selectFrom('catalog_entities as e').select('e.entity_id').where((eb) => filterSql(eb, filter)));
  }
  return (await select.execute()).map((row) => ({ value: row.value, count: Number(row.count) })).sort(byCount);
}

/** Facets that are columns of the entity table rather than search rows. */
const ENTITY_COLUMNS: Record<string, 'kind' | 'namespace' | 'name'> = { kind: 'kind', 'metadata.namespace': 'namespace', 'metadata.name': 'name' };

function byCount(a: FacetValue, b: FacetValue): number {
  return b.count - a.count || a.value.localeCompare(b.value);
}
