import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../db/migrate.js';

export const gitMigrations: ModuleMigrations = {
  '2026-11-22-03-git-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('git_repositories')
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('owner_ref', 'text', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('git_repositories_pk', ['namespace', 'name'])
        .execute();
      await db.schema
        .createTable('git_push_events')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('ref', 'text', (col) => col.notNull())
        .addColumn('before', 'text', (col) => col.notNull())
        .addColumn('after', 'text', (col) => col.notNull())
        .addColumn('pusher', 'text', (col) => col.notNull())
        .addColumn('commits', 'text', (col) => col.notNull())
        .addColumn('pushed_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('git_push_events_repo_idx').on('git_push_events').columns(['namespace', 'name', 'id']).execute();
    },
  },
};
