import { type Entity, parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import type { Kysely } from 'kysely';
import { authorize } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import { recordAuditEvents } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { parseDescriptorText } from './processing/parse-descriptor-text.js';
import { processEntity } from './processing/process-entity.js';
import { type EntityFilter, type FullTextFilter } from './store/entity-filter.js';
import { type FacetValue, countFacet } from './store/entity-facets.js';
import { type OrderField, queryEntities } from './store/query-entities.js';
import { findEntitiesByRefs, findEntityById, groupsOfUser, hydrateEntities, projectFields } from './store/read-entities.js';
import { type ProcessedEntity, deleteEntities, readCatalogVersion, writeEntities } from './store/write-entities.js';
import { type EntityProblem, jsonPathSegments } from './model/validate-entity.js';
import { type RepositoryRecord, componentOfRepository } from './repository-component.js';

const API_SOURCE = 'api';
const API_LOCATION_KEY = 'paved:api';

export interface EntitiesQuery {
  filter: EntityFilter;
  fields: string[];
  fullText?: FullTextFilter;
  orderFields: OrderField[];
  limit: number;
  offset?: number;
}

export interface EntitiesPage {
  items: Partial<Entity>[];
  totalItems: number;
  pageInfo: { nextCursor?: string; prevCursor?: string };
}

export interface AppliedEntity {
  entityRef: string;
  status: 'created' | 'updated' | 'unchanged';
  entity: Entity;
}

/** Reading and writing entities. Reads are open to every authenticated principal. */
export interface EntityService {
  /** A page of entities; see `queryEntities` for ordering and cursors. */
  query(request: EntitiesQuery | { cursor: string; limit: number; fields: string[] }): Promise<EntitiesPage>;
  /** Entities for the refs, in the same order; `null` where a ref does not exist. */
  getByRefs(refs: string[], fields: string[]): Promise<(Partial<Entity> | null)[]>;
  getByRef(ref: string): Promise<Entity>;
  getByUid(uid: string): Promise<Entity>;
  /** Facet counts; unfiltered counts are cached until the catalog next changes. */
  facets(facets: string[], filter: EntityFilter): Promise<Record<string, FacetValue[]>>;
  /**
   * Removes an entity. If a location still describes it, the next refresh of that location
   * brings it back, as in Backstage: to remove it for good, remove it from its source.
   */
  deleteByUid(principal: Principal, uid: string): Promise<void>;
  /**
   * Stores descriptors sent directly (the push model), all or nothing: if any descriptor is
   * invalid, not owned by the caller, or provided by a location, nothing is stored.
   */
  apply(principal: Principal, body: unknown): Promise<AppliedEntity[]>;
  /** Checks a descriptor without storing it; returns the problems (empty when valid). */
  validate(raw: unknown): Promise<{ message: string; path?: string }[]>;
  userExists(userRef: string): Promise<boolean>;
  groupsOf(userRef: string): Promise<string[]>;
  ownersOf(ref: string): Promise<string[]>;
  /**
   * The component whose code a repository holds: one annotated with `paved.dev/git-repository`
   * and owned by the repository's owner (from git's records), so an annotation alone claims nothing.
   */
  componentOfRepository(repository: RepositoryRecord): Promise<string | undefined>;
}

const FACET_CACHE_SIZE = 200;

export function createEntityService(deps: { db: Kysely<Database> }): EntityService {
  const { db } = deps;
  // Facets over the whole catalog are asked for on every catalog page view but change only when
  // the catalog does; the version row tells every replica when its cached counts went stale.
  const facetCache = new Map<string, { version: number; values: FacetValue[] }>();

  async function ownersOf(ref: string): Promise<string[]> {
    const rows = await db.selectFrom('catalog_relations').select('target_ref').distinct().where('source_ref', '=', ref).where('type', '=', 'ownedBy').execute();
    return rows.map((row) => row.target_ref);
  }

  async function getOne(row: Awaited<ReturnType<typeof findEntityById>>, what: string): Promise<Entity> {
    if (!row) throw new NotFoundError('catalog.entity_not_found', `No entity ${what}`);
    const [entity] = await hydrateEntities(db, [row]);
    return entity!;
  }

  return {
    async query(request) {
      const withRelations = request.fields.length === 0 || request.fields.some((field) => field === 'relations' || field.startsWith('relations.'));
      const page = await queryEntities(db, 'cursor' in request ? { cursor: request.cursor, limit: request.limit } : request);
      const entities = await hydrateEntities(db, page.rows, withRelations);
      return {
        items: entities.map((entity) => projectFields(entity, request.fields)),
        totalItems: page.totalItems,
        pageInfo: {
          ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
          ...(page.prevCursor ? { prevCursor: page.prevCursor } : {}),
        },
      };
    },

    async getByRefs(refs, fields) {
      const normalized = refs.map((ref) => {
        try {
          return stringifyEntityRef(parseEntityRef(ref));
        } catch {
          return undefined;
        }
      });
      const rows = await findEntitiesByRefs(db, normalized.filter((ref): ref is string => ref !== undefined));
      const withRelations = fields.length === 0 || fields.some((field) => field.startsWith('relations'));
      const entities = await hydrateEntities(db, rows, withRelations);
      const byRef = new Map(rows.map((row, index) => [row.ref, entities[index]!]));
      return normalized.map((ref) => {
        const entity = ref ? byRef.get(ref) : undefined;
        return entity ? projectFields(entity, fields) : null;
      });
    },

    async getByRef(ref) {
      const [row] = await findEntitiesByRefs(db, [ref.toLowerCase()]);
      return getOne(row, ref);
    },

    async getByUid(uid) {
      return getOne(await findEntityById(db, uid), `with uid ${uid}`);
    },

    async facets(facets, filter) {
      const result: Record<string, FacetValue[]> = {};
      const version = filter.length === 0 ? await readCatalogVersion(db) : undefined;
      for (const facet of facets) {
        const cached = version !== undefined ? facetCache.get(facet) : undefined;
        if (cached && cached.version === version) {
          result[facet] = cached.values;
          continue;
        }
        const values = await countFacet(db, facet, filter);
        result[facet] = values;
        if (version !== undefined) {
          if (facetCache.size >= FACET_CACHE_SIZE) facetCache.delete(facetCache.keys().next().value!);
          facetCache.set(facet, { version, values });
        }
      }
      return result;
    },

    async deleteByUid(principal, uid) {
      const row = await findEntityById(db, uid);
      if (!row) throw new NotFoundError('catalog.entity_not_found', `No entity with uid ${uid}`);
      authorize(principal, 'catalog.entity.delete', { ref: row.ref, ownerRefs: await ownersOf(row.ref) });
      await db.transaction().execute(async (trx) => {
        await deleteEntities(trx, [uid]);
        await recordAuditEvents(trx, [{ actor: principal.userRef, action: 'catalog.entity.delete', target: row.ref, details: { uid, source: row.source } }]);
      });
    },

    async apply(principal, body) {
      const documents = parseDescriptorText(body);
      const processed: ProcessedEntity[] = [];
      const problems: (EntityProblem & { document: number; line: number })[] = [];
      for (const document of documents) {
        const result = await processEntity(document.entity, { locationKey: API_LOCATION_KEY, originKey: API_LOCATION_KEY });
        if (result.ok) processed.push(result.processed);
        else problems.push({ document: document.document, line: document.lineOf(jsonPathSegments(result.problem.path)) ?? document.line, ...result.problem });
      }
      if (problems.length > 0) {
        throw new InvalidInputError('catalog.entity_invalid', `Invalid entity: ${problems.map((p) => `document ${p.document}: ${p.message}`).join('; ')}`, { problems });
      }
      const refs = processed.map((item) => item.ref);
      const duplicate = refs.find((ref, index) => refs.indexOf(ref) !== index);
      if (duplicate) throw new InvalidInputError('catalog.entity_duplicate', `${duplicate} appears twice in the request`);
      const existing = new Map((await findEntitiesByRefs(db, refs)).map((row) => [row.ref, row]));
      for (const item of processed) {
        const current = existing.get(item.ref);
        if (current && current.source !== API_SOURCE) {
          throw new ConflictError('catalog.entity_conflict', `${item.ref} is provided by ${current.source}; change it there, or delete that location first`, {
            entityRef: item.ref,
          });
        }
        const newOwners = item.relations.filter((r) => r.sourceRef === item.ref && r.type === 'ownedBy').map((r) => r.targetRef);
        if (current) authorize(principal, 'catalog.entity.update', { ref: item.ref, ownerRefs: await ownersOf(item.ref) });
        authorize(principal, current ? 'catalog.entity.update' : 'catalog.entity.create', { ref: item.ref, ownerRefs: newOwners });
      }
      const outcome = await db.transaction().execute(async (trx) => {
        const written = await writeEntities(trx, API_SOURCE, processed);
        await recordAuditEvents(trx, [
          ...written.added.map((ref) => ({ actor: principal.userRef, action: 'catalog.entity.create', target: ref })),
          ...written.updated.map((ref) => ({ actor: principal.userRef, action: 'catalog.entity.update', target: ref })),
        ]);
        return written;
      });
      const stored = await hydrateEntities(db, await findEntitiesByRefs(db, refs));
      const byRef = new Map(stored.map((entity) => [stringifyEntityRef(entity), entity]));
      return refs.map((ref) => ({
        entityRef: ref,
        status: outcome.added.includes(ref) ? 'created' : outcome.updated.includes(ref) ? 'updated' : 'unchanged',
        entity: byRef.get(ref)!,
      }));
    },

    async validate(raw) {
      const result = await processEntity(raw as Record<string, unknown>, { locationKey: API_LOCATION_KEY, originKey: API_LOCATION_KEY });
      return result.ok ? [] : [result.problem];
    },

    async userExists(userRef) {
      return (await findEntitiesByRefs(db, [userRef.toLowerCase()])).length > 0;
    },

    groupsOf: (userRef) => groupsOfUser(db, userRef),
    ownersOf,
    componentOfRepository: (repository) => componentOfRepository(db, repository, ownersOf),
  };
}
