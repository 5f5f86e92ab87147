import { type Kysely, sql } from 'kysely';
import { dialectOf } from './dialect.js';

/**
 * Updates the planner's statistics of some tables after a bulk change. Without it PostgreSQL plans
 * the first queries after a large ingest with the row counts of an empty catalog (autovacuum
 * catches up only later) and picks scans that cost a hundred times more. SQLite samples a
 * bounded number of rows per index, so this stays cheap at any size.
 */
export async function refreshStatistics<DB>(db: Kysely<DB>, tables: readonly string[]): Promise<void> {
  if (dialectOf(db) === 'postgres') {
    await sql`analyze ${sql.join(tables.map((table) => sql.table(table)))}`.execute(db);
    return;
  }
  await sql`pragma analysis_limit = 1000`.execute(db);
  for (const table of tables) await sql`analyze ${sql.table(table)}`.execute(db);
}
