import { type Kysely, sql } from 'kysely';
import { clusteredByPrimaryKey } from '../db/dialect.js';
import { createTextSearchTable } from '../db/text-search.js';
import type { ModuleMigrations } from '../db/migrate.js';

export const catalogMigrations: ModuleMigrations = {
  '2026-11-22-01-catalog-init': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('catalog_entities')
        .addColumn('entity_id', 'text', (col) => col.primaryKey())
        .addColumn('entity_ref', 'text', (col) => col.notNull().unique())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('namespace', 'text', (col) => col.notNull())
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('source', 'text', (col) => col.notNull())
        .addColumn('location_key', 'text', (col) => col.notNull())
        .addColumn('input_hash', 'text', (col) => col.notNull())
        .addColumn('etag', 'text', (col) => col.notNull())
        .addColumn('generation', 'integer', (col) => col.notNull())
        .addColumn('body', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('updated_at', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('catalog_entities_source_idx').on('catalog_entities').column('source').execute();
      await db.schema.createIndex('catalog_entities_name_idx').on('catalog_entities').columns(['name', 'entity_id']).execute();

      await db.schema
        .createTable('catalog_relations')
        .addColumn('originating_entity_id', 'text', (col) => col.notNull())
        .addColumn('source_ref', 'text', (col) => col.notNull())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('target_ref', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('catalog_relations_source_idx').on('catalog_relations').columns(['source_ref', 'type', 'target_ref']).execute();
      await db.schema.createIndex('catalog_relations_target_idx').on('catalog_relations').columns(['target_ref', 'type', 'source_ref']).execute();
      await db.schema.createIndex('catalog_relations_origin_idx').on('catalog_relations').column('originating_entity_id').execute();

      await clusteredByPrimaryKey(
        db,
        db.schema
          .createTable('catalog_search')
          .addColumn('entity_id', 'text', (col) => col.notNull())
          .addColumn('key', 'text', (col) => col.notNull())
          .addColumn('value', 'text', (col) => col.notNull())
          .addColumn('original_value', 'text', (col) => col.notNull())
          .addPrimaryKeyConstraint('catalog_search_pk', ['key', 'value', 'entity_id']),
      ).execute();
      await db.schema.createIndex('catalog_search_entity_idx').on('catalog_search').column('entity_id').execute();

      await createTextSearchTable(db, 'catalog_text');

      await db.schema
        .createTable('catalog_locations')
        .addColumn('id', 'text', (col) => col.primaryKey())
        .addColumn('type', 'text', (col) => col.notNull())
        .addColumn('target', 'text', (col) => col.notNull())
        .addColumn('created_by', 'text', (col) => col.notNull())
        .addColumn('created_at', 'text', (col) => col.notNull())
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('errors', 'text', (col) => col.notNull())
        .addColumn('last_read_at', 'text')
        .addColumn('entity_count', 'integer', (col) => col.notNull())
        .addUniqueConstraint('catalog_locations_type_target_unique', ['type', 'target'])
        .execute();

      await db.schema
        .createTable('catalog_state')
        .addColumn('id', 'integer', (col) => col.primaryKey())
        .addColumn('version', 'integer', (col) => col.notNull())
        .execute();
      await (db as Kysely<{ catalog_state: { id: number; version: number } }>)
        .insertInto('catalog_state')
        .values({ id: 1, version: 0 })
        .execute();
    },
  },
  '2026-12-04-01-catalog-location-registrant': {
    // Whose rights a location's content is admitted under is re-checked on every read; for that
    // the row must say whether it was registered by Paved itself, the bootstrap administrator
    // token (which stands for no User entity) or a user whose groups are looked up again.
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('catalog_locations').addColumn('registered_as', 'text', (col) => col.notNull().defaultTo('user')).execute();
      await sql`UPDATE catalog_locations SET registered_as = 'system' WHERE created_by = 'system'`.execute(db);
      await sql`UPDATE catalog_locations SET registered_as = 'administrator-token' WHERE created_by = 'user:default/admin'`.execute(db);
    },
  },
};
