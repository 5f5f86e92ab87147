import { ANNOTATION_LOCATION, ANNOTATION_ORIGIN_LOCATION, stringifyEntityRef } from '@backstage/catalog-model';
import { RelationRefError, relationsOf } from '../model/entity-relations.js';
import { type EntityProblem, validateEntity } from '../model/validate-entity.js';
import { type ProcessedEntity, hashInput } from '../store/write-entities.js';

export type ProcessResult = { ok: true; processed: ProcessedEntity } | { ok: false; problem: EntityProblem; ref?: string };

/** Where a descriptor came from, written into its annotations as Backstage does. */
export interface EntityOrigin {
  /** `file:/abs/path` or `url:https://…` of the file it was read from; `paved:api` when pushed. */
  locationKey: string;
  /** The registered location the walk started from. */
  originKey: string;
}

/**
 * Validates one raw descriptor and prepares it for storage: defaults applied, source annotations
 * set, relations computed, input hashed. Stores nothing.
 */
export async function processEntity(raw: Record<string, unknown>, origin: EntityOrigin): Promise<ProcessResult> {
  const metadata = typeof raw.metadata === 'object' && raw.metadata !== null ? (raw.metadata as Record<string, unknown>) : undefined;
  const annotations = typeof metadata?.annotations === 'object' && metadata.annotations !== null ? metadata.annotations : {};
  // Relations and status are the catalog's output: an entity read back from the API and
  // applied again carries them, and they must not make it invalid.
  const { relations: _relations, status: _status, ...descriptor } = raw;
  const annotated = {
    ...descriptor,
    metadata: { ...metadata, annotations: { ...annotations, [ANNOTATION_LOCATION]: origin.locationKey, [ANNOTATION_ORIGIN_LOCATION]: origin.originKey } },
  };
  const guessedRef = refOf(raw);
  const validation = await validateEntity(annotated);
  if (!validation.ok) return { ok: false, problem: validation.problem, ...(guessedRef ? { ref: guessedRef } : {}) };
  const entity = validation.entity;
  // uid and etag are the catalog's to assign; a descriptor carrying them (an entity read back
  // from the API and re-applied) must not override them.
  delete entity.metadata.uid;
  delete entity.metadata.etag;
  try {
    const relations = relationsOf(entity);
    const ref = stringifyEntityRef(entity);
    return { ok: true, processed: { ref, entity, relations, locationKey: origin.locationKey, inputHash: hashInput(entity) } };
  } catch (error) {
    if (error instanceof RelationRefError) return { ok: false, problem: { path: error.path, message: error.message }, ...(guessedRef ? { ref: guessedRef } : {}) };
    throw error;
  }
}

/** The ref a raw descriptor claims, when its kind and name are at least strings. */
export function refOf(raw: Record<string, unknown>): string | undefined {
  const metadata = raw.metadata as { name?: unknown; namespace?: unknown } | undefined;
  if (typeof raw.kind !== 'string' || typeof metadata?.name !== 'string') return undefined;
  const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : 'default';
  return `${raw.kind}:${namespace}/${metadata.name}`.toLowerCase();
}
