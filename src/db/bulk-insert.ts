import { CompiledQuery, type Kysely } from 'kysely';
import { chunkForInsert } from './batches.js';
import type { Database } from './database.js';
import { dialectOf } from './dialect.js';

/**
 * Inserts many rows with plain multi-row INSERT statements. Kysely's query builder turns every
 * value into a node of its syntax tree, which at the catalog's millions of search rows costs more
 * than the database's own work; this builds the SQL text once per chunk instead. Column and table
 * names come from the caller's code, never from input; values are always bound parameters.
 */
export async function bulkInsert<T extends keyof Database & string>(
  db: Kysely<Database>,
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  rows: readonly unknown[][],
  /** Upsert: on a conflict on `key`, overwrite the `update` columns with the new row's values. */
  onConflict?: { key: keyof Database[T] & string; update: readonly (keyof Database[T] & string)[] },
): Promise<void> {
  if (rows.length === 0) return;
  const postgres = dialectOf(db) === 'postgres';
  const head = `insert into "${table}" (${columns.map((column) => `"${column}"`).join(', ')}) values `;
  const tail = onConflict
    ? ` on conflict ("${onConflict.key}") do update set ${onConflict.update.map((column) => `"${column}" = excluded."${column}"`).join(', ')}`
    : '';
  for (const chunk of chunkForInsert(rows, columns.length)) {
    let parameter = 0;
    const tuples = chunk.map(() => `(${columns.map(() => (postgres ? `$${++parameter}` : '?')).join(', ')})`);
    await db.executeQuery(CompiledQuery.raw(head + tuples.join(', ') + tail, chunk.flat()));
  }
}
