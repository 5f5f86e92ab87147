import { type Kysely, sql } from 'kysely';
import type { ModuleMigrations } from '../db/migrate.js';

export const deliveryMigrations: ModuleMigrations = {
  '2026-11-22-08-delivery-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('delivery_environments')
        .addColumn('name', 'text', (col) => col.primaryKey())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('repository', 'text')
        .addColumn('branch', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema
        .createTable('delivery_resources')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('environment', 'text', (col) => col.notNull())
        .addColumn('key', 'text', (col) => col.notNull())
        .addColumn('workload', 'text', (col) => col.notNull())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('class', 'text', (col) => col.notNull())
        .addColumn('provisioner', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('error', 'text')
        .addColumn('state_sealed', 'text')
        .addColumn('outputs_sealed', 'text')
        .addColumn('manifests_sealed', 'text')
        .addColumn('secret_outputs', 'text', (col) => col.notNull())
        .addColumn('provision_ms', 'integer')
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addUniqueConstraint('delivery_resources_key_uq', ['environment', 'key'])
        .execute();
      await db.schema
        .createTable('delivery_deployments')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('number', 'integer', (col) => col.notNull())
        .addColumn('workload', 'text', (col) => col.notNull())
        .addColumn('environment', 'text', (col) => col.notNull())
        .addColumn('component_ref', 'text')
        .addColumn('repository', 'text', (col) => col.notNull())
        .addColumn('commit', 'text', (col) => col.notNull())
        .addColumn('score_yaml', 'text', (col) => col.notNull())
        .addColumn('config_hash', 'text')
        .addColumn('resources', 'text')
        .addColumn('reason', 'text', (col) => col.notNull())
        .addColumn('source_deployment_id', 'text')
        .addColumn('commits', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('error', 'text')
        .addColumn('rolled_back', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('approved_by', 'text')
        .addColumn('started_at', 'text')
        .addColumn('resources_ready_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('task_id', 'text')
        .addUniqueConstraint('delivery_deployments_number_uq', ['workload', 'environment', 'number'])
        .execute();
      await db.schema.createIndex('delivery_deployments_env_idx').on('delivery_deployments').columns(['environment', 'created_at']).execute();
      await db.schema
        .createTable('delivery_workloads')
        .addColumn('environment', 'text', (col) => col.notNull())
        .addColumn('workload', 'text', (col) => col.notNull())
        .addColumn('deployment_id', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('delivery_workloads_pk', ['environment', 'workload'])
        .execute();
      await db.schema
        .createTable('delivery_events')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('at', 'text', (col) => col.notNull())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('environment', 'text', (col) => col.notNull())
        .addColumn('workload', 'text')
        .addColumn('deployment_id', 'text')
        .addColumn('commit', 'text')
        .addColumn('detail', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('delivery_events_at_idx').on('delivery_events').column('at').execute();
    },
  },
  '2026-12-04-delivery-identity': {
    // Who owns a workload name and who asked for a deployment come from Paved's records from now
    // on. A name already in use belongs to the repository that deployed it first (whatever
    // another repository did with the same score name since); an old deployment's requester is
    // who created it.
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('delivery_workload_names')
        .addColumn('environment', 'text', (col) => col.notNull())
        .addColumn('workload', 'text', (col) => col.notNull())
        .addColumn('repository', 'text', (col) => col.notNull())
        .addColumn('claimed_at', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('delivery_workload_names_pk', ['environment', 'workload'])
        .execute();
      await sql`
        INSERT INTO delivery_workload_names (environment, workload, repository, claimed_at)
        SELECT d.environment, d.workload, d.repository, d.created_at FROM delivery_deployments d
        WHERE d.number = (SELECT MIN(e.number) FROM delivery_deployments e WHERE e.environment = d.environment AND e.workload = d.workload)
      `.execute(db);
      await db.schema.alterTable('delivery_deployments').addColumn('requested_by', 'text').execute();
      await sql`UPDATE delivery_deployments SET requested_by = created_by`.execute(db);
    },
  },
  '2026-12-04-delivery-identity-incarnation': {
    // A repository deleted and created again under the same name (by another team) must not
    // inherit the workloads of the first; names claimed before this are adopted at their next deploy.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('delivery_workload_names').addColumn('repository_created_at', 'text').execute();
    },
  },
};
