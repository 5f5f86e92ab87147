import { type Kysely, type Migration, Migrator } from 'kysely';
import type { Database } from './database.js';

/** Each module's migrations, keyed by a name that sorts by date: `2026-11-22-catalog-init`. */
export type ModuleMigrations = Record<string, Migration>;

/**
 * Brings the schema up to date with every module's migrations. Modules are independent, so a
 * migration added to one module may sort before another module's already-applied one; that is
 * allowed, since no migration touches another module's tables.
 */
export async function migrateToLatest(db: Kysely<Database>, modules: ModuleMigrations[], schema?: string): Promise<void> {
  const all: ModuleMigrations = {};
  for (const migrations of modules) {
    for (const [name, migration] of Object.entries(migrations)) {
      if (all[name]) throw new Error(`Two modules declare the migration "${name}"`);
      all[name] = migration;
    }
  }
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => all },
    allowUnorderedMigrations: true,
    migrationTableName: 'paved_migrations',
    migrationLockTableName: 'paved_migrations_lock',
    // Kysely looks for its tables across every schema; naming ours keeps two instances sharing
    // one PostgreSQL database (tests, tenants) from mistaking each other's tables for their own.
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
