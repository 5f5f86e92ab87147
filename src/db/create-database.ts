import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseConnection {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Closes every connection; the handle is unusable afterwards. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; SQLite when absent. */
  url?: string;
  /** PostgreSQL schema to work in (created when missing); tests use one schema each. */
  schema?: string;
  /** SQLite file; `:memory:` for a throwaway database. */
  sqliteFile?: string;
}

// COUNT(*) and other int8 values arrive as strings by default; every count Paved keeps fits a
// JavaScript number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number.parseInt(value, 10));

/** Opens the database the config names: PostgreSQL when a URL is given, SQLite otherwise. */
export async function createDatabase(options: DatabaseOptions): Promise<DatabaseConnection> {
  if (options.url) return openPostgres(options.url, options.schema);
  return openSqlite(options.sqliteFile ?? ':memory:');
}

function openSqlite(file: string): DatabaseConnection {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  // WAL lets readers run while the ingester writes; NORMAL sync is durable across process
  // crashes (not power loss), which is the trade-off a single-node SQLite deployment makes.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -65536');
  sqlite.pragma('temp_store = MEMORY');
  sqlite.pragma('wal_autocheckpoint = 16384');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

async function openPostgres(url: string, schema: string | undefined): Promise<DatabaseConnection> {
  if (schema && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _`);
  }
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  try {
    if (schema) await setup.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    // Trigram indexes make substring search fast (see text-search.ts). Creating the extension
    // needs a privilege a managed database may withhold, and two instances starting together
    // may race to create it; either way Paved works without it, only slower to search.
    await setup.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public').catch(() => undefined);
  } finally {
    await setup.end();
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Shows up in pg_stat_activity, so operators (and tests) can tell Paved's connections apart.
    application_name: schema ? `paved:${schema}` : 'paved',
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client that loses its server (restart, terminated backend) emits 'error' on the
  // pool; without a listener that would crash the process instead of failing one query.
  pool.on('error', () => {});
  // A client checked out between two statements (inside a transaction, say) has no pool
  // listener: its 'error' would be uncaught. The statement in flight still fails, and the
  // pool drops the broken client when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  return { db, dialect: 'postgres', close: () => db.destroy() };
}
