import type { Kysely } from 'kysely';
import type { ModuleMigrations } from '../db/migrate.js';

export const tasksMigrations: ModuleMigrations = {
  '2026-11-22-02-tasks-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tasks')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('input', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('step_outputs', 'text', (col) => col.notNull())
        .addColumn('failed_step', 'text')
        .addColumn('error', 'text')
        .addColumn('attempts', 'integer', (col) => col.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'text')
        .addColumn('cancel_requested', 'integer', (col) => col.notNull())
        .addColumn('timeout_ms', 'integer')
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .execute();
      await db.schema.createIndex('tasks_claim_idx').on('tasks').columns(['status', 'lease_expires_at', 'id']).execute();
      await db.schema
        .createTable('tasks_log_lines')
        .addColumn('task_id', 'text', (col) => col.notNull())
        .addColumn('seq', 'integer', (col) => col.notNull())
        .addColumn('at', 'text', (col) => col.notNull())
        .addColumn('level', 'text', (col) => col.notNull())
        .addColumn('step_id', 'text')
        .addColumn('message', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('tasks_log_lines_pk', ['task_id', 'seq'])
        .execute();
    },
  },
  '2026-11-22-03-tasks-secrets-and-step-status': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tasks').addColumn('secrets', 'text').execute();
      await db.schema.alterTable('tasks_log_lines').addColumn('step_status', 'text').execute();
      await db.schema.createIndex('tasks_kind_created_by_idx').on('tasks').columns(['kind', 'created_by', 'id']).execute();
    },
  },
  '2026-12-04-01-tasks-secrets-expiry': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('tasks').addColumn('secrets_expired_at', 'text').execute();
    },
  },
};
