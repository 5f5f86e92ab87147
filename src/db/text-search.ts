import { type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { escapeLike } from './batches.js';
import type { DialectName } from './create-database.js';
import { dialectOf } from './dialect.js';

/**
 * Creates a table of `(entity_id, text)` whose text can be searched for substrings through an
 * index: an FTS5 table with the trigram tokenizer on SQLite, a table with a pg_trgm GIN index on
 * PostgreSQL. Without the pg_trgm extension (a managed database may not allow it) the table is
 * created without the index and searches scan it.
 */
export async function createTextSearchTable(db: Kysely<unknown>, table: string): Promise<void> {
  if (dialectOf(db) === 'sqlite') {
    await sql`create virtual table ${sql.table(table)} using fts5(entity_id unindexed, text, tokenize = 'trigram')`.execute(db);
    return;
  }
  await db.schema
    .createTable(table)
    .addColumn('entity_id', 'text', (col) => col.primaryKey())
    .addColumn('text', 'text', (col) => col.notNull())
    .execute();
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_opclass c join pg_namespace n on n.oid = c.opcnamespace where c.opcname = 'gin_trgm_ops' limit 1
  `.execute(db);
  const [trigrams] = rows;
  // Without pg_trgm (see create-database.ts) searches scan the table instead.
  if (trigrams) {
    await sql`create index ${sql.id(`${table}_trgm_idx`)} on ${sql.table(table)} using gin (text ${sql.id(trigrams.schema, 'gin_trgm_ops')})`.execute(db);
  }
}

/** Trigram indexes can only help with terms of at least three characters. */
const MIN_INDEXED_TERM = 3;

/**
 * The condition "the table's text contains `term`", case-insensitive, on a table made by
 * `createTextSearchTable` (its text is stored lower-cased).
 */
export function textContains(dialect: DialectName, table: string, term: string): RawBuilder<SqlBool> {
  const lower = term.toLowerCase();
  if (dialect === 'sqlite' && lower.length >= MIN_INDEXED_TERM) {
    // A quoted FTS5 phrase over trigrams matches the exact substring; only quotes need escaping.
    return sql<SqlBool>`${sql.table(table)} match ${`"${lower.replaceAll('"', '""')}"`}`;
  }
  return sql<SqlBool>`${sql.ref(`${table}.text`)} like ${`%${escapeLike(lower)}%`} escape '\\'`;
}
