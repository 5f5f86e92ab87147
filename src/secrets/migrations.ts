import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../db/migrate.js';

export const secretsMigrations: ModuleMigrations = {
  '2026-11-22-04-secrets-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('secret_versions')
        .addColumn('scope', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('version', 'integer', (col) => col.notNull())
        .addColumn('ciphertext', 'text', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('secret_versions_pk', ['scope', 'name', 'version'])
        .execute();
      await db.schema
        .createTable('secret_key_check')
        .addColumn('id', 'integer', (col) => col.primaryKey())
        .addColumn('ciphertext', 'text', (col) => col.notNull())
        .execute();
    },
  },
};
