import { type CreateTableBuilder, type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DialectName } from './create-database.js';

/** Which dialect a Kysely instance speaks; for the few places SQL must differ. */
export function dialectOf<DB>(db: Kysely<DB>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/**
 * The column type of an auto-incrementing integer primary key: SQLite's `integer primary key`
 * is the rowid, PostgreSQL needs a sequence.
 */
export function serialType(db: Kysely<unknown>): 'integer' | 'bigserial' {
  return dialectOf(db) === 'postgres' ? 'bigserial' : 'integer';
}

/**
 * On SQLite, stores the table in its primary-key order instead of beside a separate rowid tree:
 * one B-tree less to update per row, for tables that are only ever read through their key.
 * PostgreSQL has no such choice; the table is created as it is.
 */
export function clusteredByPrimaryKey<T extends string, C extends string>(db: Kysely<unknown>, table: CreateTableBuilder<T, C>): CreateTableBuilder<T, C> {
  return dialectOf(db) === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table;
}
