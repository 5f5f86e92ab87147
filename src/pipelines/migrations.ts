import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../db/migrate.js';

export const pipelinesMigrations: ModuleMigrations = {
  '2026-11-22-05-pipelines-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pipeline_runs')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('number', 'integer', (col) => col.notNull())
        .addColumn('branch', 'text', (col) => col.notNull())
        .addColumn('commit', 'text', (col) => col.notNull())
        .addColumn('event', 'text', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addUniqueConstraint('pipeline_runs_number_uq', ['namespace', 'name', 'number'])
        .execute();
      await db.schema.createIndex('pipeline_runs_branch_idx').on('pipeline_runs').columns(['namespace', 'name', 'branch', 'number']).execute();
    },
  },
  '2026-11-22-06-pipelines-schedules': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pipeline_schedules')
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('branch', 'text', (col) => col.notNull())
        .addColumn('cron', 'text', (col) => col.notNull())
        .addColumn('next_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('pipeline_schedules_pk', ['namespace', 'name', 'cron'])
        .execute();
      await db.schema.createIndex('pipeline_schedules_due_idx').on('pipeline_schedules').column('next_at').execute();
    },
  },
};
