import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../db/migrate.js';

export const accessMigrations: ModuleMigrations = {
  '2026-11-22-01-access-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('access_tokens')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('token_hash', 'text', (col) => col.notNull().unique())
        .addColumn('token_prefix', 'text', (col) => col.notNull())
        .addColumn('user_ref', 'text', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_used_at', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('access_tokens_user_idx').on('access_tokens').column('user_ref').execute();
    },
  },
};
