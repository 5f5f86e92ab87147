import type { Selectable } from 'kysely';

export interface CatalogEntitiesTable {
  /** Also the entity's `metadata.uid`; stable across updates of the same entity ref. */
  entity_id: string;
  /** `kind:namespace/name`, lower-cased, as Backstage's stringifyEntityRef makes it. */
  entity_ref: string;
  kind: string;
  namespace: string;
  name: string;
  /** Who feeds this entity: `location:<id>` or `api` (pushed descriptors). */
  source: string;
  /** The file or URL the descriptor was read from (`backstage.io/managed-by-location`). */
  location_key: string;
  /** Hash of the descriptor as read; unchanged input is not processed again. */
  input_hash: string;
  etag: string;
  generation: number;
  /** The stored entity as JSON, without relations (read from catalog_relations). */
  body: string;
  created_at: string;
  updated_at: string;
}

export interface CatalogRelationsTable {
  /** The entity whose descriptor states this relation; its removal removes the relation. */
  originating_entity_id: string;
  source_ref: string;
  type: string;
  target_ref: string;
}

/** One row per filterable leaf value: `spec.type=service`, `metadata.tags=java`, … */
export interface CatalogSearchTable {
  entity_id: string;
  key: string;
  /** Lower-cased, for case-insensitive filtering. */
  value: string;
  /** As written, for facets. */
  original_value: string;
}

/** A compact, lower-cased text per entity for the default full-text search. */
export interface CatalogTextTable {
  entity_id: string;
  text: string;
}

export interface CatalogLocationsTable {
  id: string;
  type: string;
  target: string;
  created_by: string;
  /**
   * `system` (Paved's own demo and golden paths), `administrator-token` (the bootstrap token) or
   * `user` (`created_by`'s rights are looked up again on every read of the location).
   */
  registered_as: 'system' | 'administrator-token' | 'user';
  created_at: string;
  /** `pending` before the first read, then `ok` or `error`. */
  status: string;
  /** JSON array of the problems of the last read. */
  errors: string;
  last_read_at: string | null;
  entity_count: number;
}

/** One row: bumped on every write, so caches of derived data (facets) know when to recompute. */
export interface CatalogStateTable {
  id: number;
  version: number;
}

export interface CatalogTables {
  catalog_entities: CatalogEntitiesTable;
  catalog_relations: CatalogRelationsTable;
  catalog_search: CatalogSearchTable;
  catalog_text: CatalogTextTable;
  catalog_locations: CatalogLocationsTable;
  catalog_state: CatalogStateTable;
}

export type EntityRow = Selectable<CatalogEntitiesTable>;
export type LocationRow = Selectable<CatalogLocationsTable>;
