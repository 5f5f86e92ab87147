import { type AliasableExpression, type Expression, type ExpressionBuilder, type Kysely, type SqlBool, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.js';
import type { DialectName } from '../../db/create-database.js';
import { dialectOf } from '../../db/dialect.js';
import { textContains } from '../../db/text-search.js';
import { InvalidInputError } from '../../errors.js';
import { type EntityFilter, type FullTextFilter, filterSql } from './entity-filter.js';
import { type StoredEntity, findEntitiesByIds } from './read-entities.js';

export interface OrderField {
  field: string;
  order: 'asc' | 'desc';
}

export interface EntityQuery {
  filter: EntityFilter;
  fullText?: FullTextFilter;
  orderFields: OrderField[];
  limit: number;
  offset?: number;
}

export interface EntityPage {
  rows: StoredEntity[];
  totalItems: number;
  nextCursor?: string;
  prevCursor?: string;
}

/** What a cursor carries: the query it continues, where it stands, and which way it goes. */
const cursorSchema = z.object({
  filter: z.array(z.array(z.object({ key: z.string(), values: z.array(z.string()) }))),
  fullText: z.object({ term: z.string(), fields: z.array(z.string()) }).optional(),
  orderFields: z.array(z.object({ field: z.string(), order: z.enum(['asc', 'desc']) })),
  /** Sort values and entity id of the row the page starts after (or before, going back). */
  after: z.array(z.string()),
  backwards: z.boolean(),
  totalItems: z.number(),
});
type Cursor = z.infer<typeof cursorSchema>;

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidInputError('catalog.invalid_cursor', 'The cursor is malformed; pass back the nextCursor or prevCursor of a previous response unchanged', {
      path: 'cursor',
    });
  }
}

type Scope = ExpressionBuilder<Database & { e: Database['catalog_entities'] }, 'e'>;

/** Sort keys that are columns; anything else sorts by its (first) search value. */
const SORT_COLUMNS: Record<string, 'e.name' | 'e.kind' | 'e.namespace' | 'e.entity_id' | 'e.entity_ref'> = {
  'metadata.name': 'e.name',
  kind: 'e.kind',
  'metadata.namespace': 'e.namespace',
  'metadata.uid': 'e.entity_id',
};

function sortExpression(eb: Scope, field: string): AliasableExpression<string> {
  const column = SORT_COLUMNS[field.toLowerCase()];
  if (column) return eb.ref(column);
  return eb.fn.coalesce(
    eb.selectFrom('catalog_search as s').select((s) => s.fn.min('s.value').as('v')).whereRef('s.entity_id', '=', 'e.entity_id').where('s.key', '=', field.toLowerCase()),
    sql.lit(''),
  ) as AliasableExpression<string>;
}

/** Rows strictly after `values` in the sort order (strictly before when going back). */
function keysetCondition(eb: Scope, orderFields: OrderField[], values: string[], backwards: boolean): Expression<SqlBool> {
  const keys = [...orderFields.map((order) => ({ expression: sortExpression(eb, order.field), order: order.order })), { expression: eb.ref('e.entity_id') as Expression<string>, order: 'asc' as const }];
  const branches = keys.map((key, index) => {
    const ascending = (key.order === 'asc') !== backwards;
    const equalities = keys.slice(0, index).map((previous, at) => eb(previous.expression, '=', values[at] ?? ''));
    return eb.and([...equalities, eb(key.expression, ascending ? '>' : '<', values[index] ?? '')]);
  });
  return eb.or(branches);
}

/**
 * How many entities match. A bare full-text search is counted on the text table alone: every
 * text row has its entity, and joining the entity table would read all of it for a common word.
 */
async function countEntities(db: Kysely<Database>, filter: EntityFilter, fullText: (FullTextFilter & { dialect: DialectName }) | undefined): Promise<number> {
  if (filter.length === 0 && fullText && fullText.fields.length === 0 && fullText.term.trim()) {
    const row = await db
      .selectFrom('catalog_text')
      .select((eb) => eb.fn.countAll().as('count'))
      .where(textContains(fullText.dialect, 'catalog_text', fullText.term.trim()))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }
  const row = await db
    .selectFrom('catalog_entities as e')
    .select((eb) => eb.fn.countAll().as('count'))
    .where((eb) => filterSql(eb, filter, fullText))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * One page of entities in a stable order, with cursors for the pages around it. The total is
 * counted on the first page and carried in the cursor, as Backstage does, so paging through a
 * large result does not count it again on every page.
 */
export async function queryEntities(db: Kysely<Database>, request: EntityQuery | { cursor: string; limit: number }): Promise<EntityPage> {
  const cursor = 'cursor' in request ? decodeCursor(request.cursor) : undefined;
  const query: EntityQuery = cursor
    ? { filter: cursor.filter, fullText: cursor.fullText, orderFields: cursor.orderFields, limit: request.limit }
    : (request as EntityQuery);
  for (const order of query.orderFields) {
    if (!order.field.trim()) throw new InvalidInputError('catalog.invalid_order', 'An order field is empty', { path: 'orderField' });
  }
  const backwards = cursor?.backwards ?? false;
  const fullText = query.fullText ? { ...query.fullText, dialect: dialectOf(db) } : undefined;

  // Find the page's ids first and read bodies only for them: a filter may match thousands of
  // entities, and sorting them with their bodies attached would read every one.
  let select = db
    .selectFrom('catalog_entities as e')
    .select('e.entity_id as entityId')
    .select((eb) => query.orderFields.map((order, index) => sortExpression(eb, order.field).as(`sort${index}`)))
    .where((eb) => filterSql(eb, query.filter, fullText));
  if (cursor) select = select.where((eb) => keysetCondition(eb, query.orderFields, cursor.after, backwards));
  for (const order of query.orderFields) {
    const ascending = (order.order === 'asc') !== backwards;
    select = select.orderBy((eb) => sortExpression(eb, order.field), ascending ? 'asc' : 'desc');
  }
  select = select.orderBy('e.entity_id', backwards ? 'desc' : 'asc').limit(query.limit + 1);
  if (!cursor && query.offset) select = select.offset(query.offset);

  const fetched = (await select.execute()) as ({ entityId: string } & Record<string, unknown>)[];
  const hasMore = fetched.length > query.limit;
  const rows = fetched.slice(0, query.limit);
  if (backwards) rows.reverse();
  const stored = new Map((await findEntitiesByIds(db, rows.map((row) => row.entityId))).map((entity) => [entity.entityId, entity]));

  const totalItems = cursor?.totalItems ?? (await countEntities(db, query.filter, fullText));

  const positionOf = (row: Record<string, unknown>) => [...query.orderFields.map((_, index) => String(row[`sort${index}`] ?? '')), String(row.entityId)];
  const base = { filter: query.filter, fullText: query.fullText, orderFields: query.orderFields, totalItems };
  const first = rows[0];
  const last = rows.at(-1);
  // Going forward, there is a next page when more rows were found and a previous one when this
  // page did not start at the top; going back, the other way round.
  const hasNext = backwards ? cursor !== undefined : hasMore;
  const hasPrev = backwards ? hasMore : cursor !== undefined || (query.offset ?? 0) > 0;
  return {
    // An entity deleted between the two reads is simply left out of the page.
    rows: rows.map((row) => stored.get(row.entityId)).filter((entity) => entity !== undefined),
    totalItems,
    ...(hasNext && last ? { nextCursor: encodeCursor({ ...base, after: positionOf(last), backwards: false }) } : {}),
    ...(hasPrev && first ? { prevCursor: encodeCursor({ ...base, after: positionOf(first), backwards: true }) } : {}),
  };
}
