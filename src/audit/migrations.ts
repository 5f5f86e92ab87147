import { type Kysely, sql } from 'kysely';
import { serialType } from '../db/dialect.js';
import type { ModuleMigrations } from '../db/migrate.js';

export const auditMigrations: ModuleMigrations = {
  '2026-11-22-01-audit-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', serialType(db), (col) => col.primaryKey())
        .addColumn('occurred_at', 'text', (col) => col.notNull())
        .addColumn('actor', 'text', (col) => col.notNull())
        .addColumn('action', 'text', (col) => col.notNull())
        .addColumn('target', 'text', (col) => col.notNull())
        .addColumn('details', 'text', (col) => col.notNull().defaultTo(sql`'{}'`))
        .execute();
      await db.schema.createIndex('audit_events_actor_idx').on('audit_events').columns(['actor', 'id']).execute();
      await db.schema.createIndex('audit_events_target_idx').on('audit_events').columns(['target', 'id']).execute();
      await db.schema.createIndex('audit_events_action_idx').on('audit_events').columns(['action', 'id']).execute();
    },
  },
};
