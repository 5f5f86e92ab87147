import crypto from 'node:crypto';
import type { Entity } from '@backstage/catalog-model';
import type { Kysely, Transaction } from 'kysely';
import { chunkValues } from '../../db/batches.js';
import { bulkInsert } from '../../db/bulk-insert.js';
import { timeOrderedId } from '../../db/time-ordered-id.js';
import type { Database } from '../../db/database.js';
import { searchRowsOf, searchTextOf } from '../model/entity-search.js';
import type { Relation } from '../model/entity-relations.js';

/** An entity ready to store: validated, annotated, its relations computed. */
export interface ProcessedEntity {
  ref: string;
  entity: Entity;
  relations: Relation[];
  /** `backstage.io/managed-by-location`: the file or URL it was read from, or `paved:api`. */
  locationKey: string;
  /** Hash of the descriptor as read (plus its source annotations); equal input is skipped. */
  inputHash: string;
}

export interface WriteOutcome {
  added: string[];
  updated: string[];
  unchanged: number;
  /** Refs already fed by another source; left as they were. */
  conflicts: { ref: string; ownedBySource: string }[];
}

/** A hash of a JSON value that does not depend on the order of object keys. */
export function hashInput(value: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
}

/**
 * Stores a batch of entities for one source in the caller's transaction. An entity that
 * another source already feeds is reported as a conflict and not touched; an entity whose
 * input hash is unchanged is skipped. Does not delete anything: see `deleteEntities`.
 */
export async function writeEntities(trx: Transaction<Database>, source: string, items: ProcessedEntity[]): Promise<WriteOutcome> {
  const outcome: WriteOutcome = { added: [], updated: [], unchanged: 0, conflicts: [] };
  if (items.length === 0) return outcome;
  const existing = new Map<string, { entity_id: string; source: string; input_hash: string; generation: number; created_at: string }>();
  for (const refs of chunkValues(items.map((item) => item.ref))) {
    const rows = await trx
      .selectFrom('catalog_entities')
      .select(['entity_id', 'entity_ref', 'source', 'input_hash', 'generation', 'created_at'])
      .where('entity_ref', 'in', refs)
      .execute();
    for (const row of rows) existing.set(row.entity_ref, row);
  }

  const now = new Date().toISOString();
  const entityRows: unknown[][] = [];
  const searchRows: unknown[][] = [];
  const textRows: unknown[][] = [];
  const relationRows: unknown[][] = [];
  const replacedIds: string[] = [];

  for (const item of items) {
    const current = existing.get(item.ref);
    if (current && current.source !== source) {
      outcome.conflicts.push({ ref: item.ref, ownedBySource: current.source });
      continue;
    }
    if (current && current.input_hash === item.inputHash) {
      outcome.unchanged++;
      continue;
    }
    const entityId = current?.entity_id ?? timeOrderedId();
    // The body is the descriptor plus a uid that never changes, so the input hash identifies it.
    const etag = item.inputHash.slice(0, 20);
    const body = { ...item.entity, metadata: { ...item.entity.metadata, uid: entityId, etag } };
    if (current) {
      replacedIds.push(entityId);
      outcome.updated.push(item.ref);
    } else {
      outcome.added.push(item.ref);
    }
    entityRows.push([
      entityId,
      item.ref,
      item.entity.kind.toLowerCase(),
      (item.entity.metadata.namespace ?? 'default').toLowerCase(),
      item.entity.metadata.name.toLowerCase(),
      source,
      item.locationKey,
      item.inputHash,
      etag,
      (current?.generation ?? 0) + 1,
      JSON.stringify(body),
      current?.created_at ?? now,
      now,
    ]);
    for (const row of searchRowsOf(body)) searchRows.push([entityId, row.key, row.value, row.originalValue]);
    textRows.push([entityId, searchTextOf(body)]);
    for (const relation of item.relations) relationRows.push([entityId, relation.sourceRef, relation.type, relation.targetRef]);
  }

  await deleteDerivedRows(trx, replacedIds);
  await bulkInsert(
    trx,
    'catalog_entities',
    ['entity_id', 'entity_ref', 'kind', 'namespace', 'name', 'source', 'location_key', 'input_hash', 'etag', 'generation', 'body', 'created_at', 'updated_at'],
    entityRows,
    { key: 'entity_ref', update: ['source', 'location_key', 'input_hash', 'etag', 'generation', 'body', 'updated_at'] },
  );
  await bulkInsert(trx, 'catalog_search', ['entity_id', 'key', 'value', 'original_value'], searchRows);
  await bulkInsert(trx, 'catalog_text', ['entity_id', 'text'], textRows);
  await bulkInsert(trx, 'catalog_relations', ['originating_entity_id', 'source_ref', 'type', 'target_ref'], relationRows);
  if (entityRows.length > 0) await bumpCatalogVersion(trx);
  return outcome;
}

/** Removes entities with everything derived from them, including the relations they stated. */
export async function deleteEntities(trx: Transaction<Database>, entityIds: string[]): Promise<void> {
  if (entityIds.length === 0) return;
  await deleteDerivedRows(trx, entityIds);
  for (const ids of chunkValues(entityIds)) await trx.deleteFrom('catalog_entities').where('entity_id', 'in', ids).execute();
  await bumpCatalogVersion(trx);
}

async function deleteDerivedRows(trx: Transaction<Database>, entityIds: string[]): Promise<void> {
  for (const ids of chunkValues(entityIds)) {
    await trx.deleteFrom('catalog_search').where('entity_id', 'in', ids).execute();
    await trx.deleteFrom('catalog_text').where('entity_id', 'in', ids).execute();
    await trx.deleteFrom('catalog_relations').where('originating_entity_id', 'in', ids).execute();
  }
}

/** Marks the catalog as changed; readers use the version to invalidate derived caches. */
async function bumpCatalogVersion(trx: Transaction<Database>): Promise<void> {
  await trx
    .updateTable('catalog_state')
    .set((eb) => ({ version: eb('version', '+', 1) }))
    .where('id', '=', 1)
    .execute();
}

export async function readCatalogVersion(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('catalog_state').select('version').where('id', '=', 1).executeTakeFirstOrThrow();
  return Number(row.version);
}
