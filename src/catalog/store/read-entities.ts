import { type Entity, type EntityRelation, parseEntityRef } from '@backstage/catalog-model';
import type { Kysely } from 'kysely';
import { chunkValues } from '../../db/batches.js';
import type { Database } from '../../db/database.js';
import { relationView } from '../model/entity-relations.js';

/** A stored entity as the store keeps it: the body plus what the API reports about it. */
export interface StoredEntity {
  entityId: string;
  ref: string;
  source: string;
  body: string;
}

/**
 * Turns stored rows into entities with their relations, reading every relation that points out
 * of them, whichever entity stated it, so a relation is visible on both ends the moment it is
 * written. Skips the relations query when the caller does not want them.
 */
export async function hydrateEntities(db: Kysely<Database>, rows: StoredEntity[], withRelations = true): Promise<Entity[]> {
  const relationsByRef = withRelations ? await relationsFrom(db, rows.map((row) => row.ref)) : new Map<string, EntityRelation[]>();
  return rows.map((row) => {
    const entity = JSON.parse(row.body) as Entity;
    if (withRelations) entity.relations = relationsByRef.get(row.ref) ?? [];
    return entity;
  });
}

async function relationsFrom(db: Kysely<Database>, refs: string[]): Promise<Map<string, EntityRelation[]>> {
  const byRef = new Map<string, EntityRelation[]>();
  if (refs.length === 0) return byRef;
  const seen = new Set<string>();
  const add = (self: string, type: string, other: string) => {
    const key = `${self} ${type} ${other}`;
    if (seen.has(key)) return;
    seen.add(key);
    let list = byRef.get(self);
    if (!list) byRef.set(self, (list = []));
    list.push({ type, targetRef: other, target: parseEntityRef(other) } as EntityRelation);
  };
  // Relations are stored once, in their canonical direction: read both ends.
  for (const chunk of chunkValues([...new Set(refs)])) {
    const outgoing = await db.selectFrom('catalog_relations').select(['source_ref', 'type', 'target_ref']).where('source_ref', 'in', chunk).execute();
    for (const row of outgoing) add(row.source_ref, row.type, row.target_ref);
    const incoming = await db.selectFrom('catalog_relations').select(['source_ref', 'type', 'target_ref']).where('target_ref', 'in', chunk).execute();
    for (const row of incoming) add(row.target_ref, relationView(row.type)?.opposite ?? row.type, row.source_ref);
  }
  for (const list of byRef.values()) list.sort((a, b) => a.type.localeCompare(b.type) || a.targetRef.localeCompare(b.targetRef));
  return byRef;
}

const storedColumns = ['entity_id as entityId', 'entity_ref as ref', 'source', 'body'] as const;

export async function findEntitiesByRefs(db: Kysely<Database>, refs: string[]): Promise<StoredEntity[]> {
  const found: StoredEntity[] = [];
  for (const chunk of chunkValues(refs)) {
    found.push(...(await db.selectFrom('catalog_entities').select(storedColumns).where('entity_ref', 'in', chunk).execute()));
  }
  return found;
}

export async function findEntitiesByIds(db: Kysely<Database>, entityIds: string[]): Promise<StoredEntity[]> {
  const found: StoredEntity[] = [];
  for (const chunk of chunkValues(entityIds)) {
    found.push(...(await db.selectFrom('catalog_entities').select(storedColumns).where('entity_id', 'in', chunk).execute()));
  }
  return found;
}

export async function findEntityById(db: Kysely<Database>, entityId: string): Promise<StoredEntity | undefined> {
  return db.selectFrom('catalog_entities').select(storedColumns).where('entity_id', '=', entityId).executeTakeFirst();
}

/** Refs of the groups a user is a direct member of, from either side of the membership. */
export async function groupsOfUser(db: Kysely<Database>, userRef: string): Promise<string[]> {
  const rows = await db
    .selectFrom('catalog_relations')
    .select('target_ref')
    .distinct()
    .where('source_ref', '=', userRef)
    .where('type', '=', 'memberOf')
    .execute();
  return rows.map((row) => row.target_ref);
}

/** Copies only the requested dotted paths (`metadata.name`, `spec`) of an entity, as Backstage's `fields` does. */
export function projectFields(entity: Entity, fields: readonly string[]): Partial<Entity> {
  if (fields.length === 0) return entity;
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const parts = field.split('.');
    let source: unknown = entity;
    for (const part of parts) source = source && typeof source === 'object' ? (source as Record<string, unknown>)[part] : undefined;
    if (source === undefined) continue;
    let target = result;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) target[part] = source;
      else target = (target[part] ??= {}) as Record<string, unknown>;
    });
  }
  return result as Partial<Entity>;
}
