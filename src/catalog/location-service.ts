import crypto from 'node:crypto';
import path from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { authorize } from '../access/authorize.js';
import { BOOTSTRAP_ADMIN_REF, type Principal, bootstrapAdminPrincipal, systemPrincipal, userPrincipal } from '../access/principal.js';
import { recordAuditEvents } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import type { LocationSpec, ReaderOptions } from './ingestion/types.js';
import { type Registrant, insideTrustedRoot } from './processing/entity-admission.js';
import { locationKeyOf } from './processing/process-files.js';
import { type LocationReadSummary, processLocation } from './processing/process-location.js';
import { deleteEntities } from './store/write-entities.js';
import {
  type CatalogLocation,
  type LocationStatus,
  findLocation,
  findLocationByTarget,
  listLocations,
  locationStatusFromRow,
} from './store/location-store.js';
import { findEntitiesByRefs, groupsOfUser } from './store/read-entities.js';
import type { LocationRow } from './tables.js';

export interface AddLocationResult {
  location: CatalogLocation;
  /** The entities the location describes; filled for dry runs, as in Backstage. */
  entities: Entity[];
  exists?: boolean;
  /** What the read did (Paved's addition): counts and every problem found. */
  processing?: Omit<LocationReadSummary, 'entities'>;
}

/** Registered locations: the pull model of the catalog. */
export interface LocationService {
  /**
   * Registers a location and reads it before returning, so its entities are queryable, with
   * relations, as soon as the call returns. A dry run reads and validates without storing.
   */
  add(principal: Principal, spec: LocationSpec, options: { dryRun: boolean }): Promise<AddLocationResult>;
  list(): Promise<LocationStatus[]>;
  get(id: string): Promise<LocationStatus>;
  /** Unregisters a location and removes every entity it provided. */
  remove(principal: Principal, id: string): Promise<void>;
  /** The location that provides an entity. */
  byEntity(ref: string): Promise<LocationStatus>;
  /** Re-reads the location that provides an entity now; entities pushed through the API have none. */
  refreshEntity(principal: Principal, ref: string): Promise<void>;
  /** Re-reads every location once; what the background refresh runs on its interval. */
  refreshAll(): Promise<void>;
}

export interface LocationServiceDeps {
  db: Kysely<Database>;
  logger: Logger;
  reader: ReaderOptions;
  trust: LocationTrust;
}

/** What decides which content a location may provide (see `admissionProblem`). */
export interface LocationTrust {
  /** Groups whose members are administrators (`PAVED_ADMIN_GROUPS`). */
  adminGroups: readonly string[];
  /** Directories, files and URL prefixes whose locations may describe users and groups whoever registered them. */
  trustedLocations: readonly string[];
}

export function createLocationService(deps: LocationServiceDeps): LocationService {
  const { db, logger } = deps;
  // One read per location at a time: a refresh arriving while one runs waits for it and then
  // reads again, so the last read always reflects the source as of after the request.
  const running = new Map<string, Promise<LocationReadSummary>>();

  /**
   * The registrant's rights as of now, not as of registration: a user who left the team that owns
   * an entity, or an administrator who is one no longer, stops providing what they may not.
   */
  async function registrantOf(row: Pick<LocationRow, 'created_by' | 'registered_as' | 'type' | 'target'>): Promise<Registrant> {
    const spec = { type: row.type as LocationSpec['type'], target: row.target };
    if (row.registered_as === 'system') return { principal: systemPrincipal, trusted: true };
    if (row.registered_as === 'administrator-token') return { principal: bootstrapAdminPrincipal, trusted: true };
    const principal = userPrincipal(row.created_by, await groupsOfUser(db, row.created_by), deps.trust.adminGroups);
    return { principal, trusted: principal.isAdmin || insideTrustedRoot(spec, deps.trust.trustedLocations) };
  }

  async function read(location: { id: string } & LocationSpec, actor: string): Promise<LocationReadSummary> {
    const previous = running.get(location.id);
    const next = (previous ?? Promise.resolve())
      .catch(() => undefined)
      .then(async () => {
        // Read from the row each time: who registered the location is Paved's record, not the caller's word.
        const row = await getRow(location.id);
        const summary = await processLocation(db, location, deps.reader, await registrantOf(row));
        await db
          .updateTable('catalog_locations')
          .set({
            status: summary.problems.length > 0 ? 'error' : 'ok',
            errors: JSON.stringify(summary.problems),
            last_read_at: new Date().toISOString(),
            entity_count: summary.entityCount,
          })
          .where('id', '=', location.id)
          .execute();
        if (summary.added + summary.updated + summary.removed > 0 && actor === systemPrincipal.userRef) {
          await recordAuditEvents(db, [
            { actor, action: 'catalog.location.refresh', target: `location:${location.id}`, details: countsOf(summary) },
          ]);
        }
        return summary;
      });
    running.set(location.id, next);
    try {
      return await next;
    } finally {
      if (running.get(location.id) === next) running.delete(location.id);
    }
  }

  async function getRow(id: string) {
    const row = await findLocation(db, id);
    if (!row) throw new NotFoundError('catalog.location_unknown', `No location with id ${id}`, { path: 'id' });
    return row;
  }

  return {
    async add(principal, rawSpec, options) {
      const spec = normalizeSpec(rawSpec);
      authorize(principal, 'catalog.location.create', { ref: locationKeyOf(spec) });
      const existing = await findLocationByTarget(db, spec.type, spec.target);
      if (options.dryRun) {
        const registrant = await registrantOf({ created_by: principal.userRef, registered_as: registeredAs(principal), ...spec });
        const { entities = [], ...summary } = await processLocation(db, { id: 'dry-run', ...spec }, deps.reader, registrant, { dryRun: true });
        return { location: { id: '', ...spec }, entities, exists: existing !== undefined, processing: summary };
      }
      if (existing) {
        throw new ConflictError('catalog.location_exists', `Location ${locationKeyOf(spec)} is already registered (id ${existing.id})`, {
          locationId: existing.id,
          hint: 'Refresh it instead: POST /api/catalog/refresh with one of its entities, or delete and register again.',
        });
      }
      const id = crypto.randomUUID();
      await db
        .insertInto('catalog_locations')
        .values({ id, type: spec.type, target: spec.target, created_by: principal.userRef, registered_as: registeredAs(principal), created_at: new Date().toISOString(), status: 'pending', errors: '[]', last_read_at: null, entity_count: 0 })
        .execute();
      const summary = await read({ id, ...spec }, principal.userRef);
      if (summary.rootUnreadable) {
        // A target that cannot be read at all would only ever be a dead location.
        await db.deleteFrom('catalog_locations').where('id', '=', id).execute();
        const { code, message } = summary.rootUnreadable;
        throw new InvalidInputError(code, `Location ${locationKeyOf(spec)} cannot be read: ${message}`, { path: 'target', file: locationKeyOf(spec) });
      }
      await recordAuditEvents(db, [
        { actor: principal.userRef, action: 'catalog.location.create', target: `location:${id}`, details: { ...spec, ...countsOf(summary) } },
      ]);
      return { location: { id, ...spec }, entities: [], processing: summary };
    },

    async list() {
      return (await listLocations(db)).map(locationStatusFromRow);
    },

    async get(id) {
      return locationStatusFromRow(await getRow(id));
    },

    async remove(principal, id) {
      const row = await getRow(id);
      authorize(principal, 'catalog.location.delete', { ref: `location:${id}`, createdBy: row.created_by });
      await db.transaction().execute(async (trx) => {
        const entities = await trx.selectFrom('catalog_entities').select('entity_id').where('source', '=', `location:${id}`).execute();
        await deleteEntities(trx, entities.map((entity) => entity.entity_id));
        await trx.deleteFrom('catalog_locations').where('id', '=', id).execute();
        await recordAuditEvents(trx, [
          { actor: principal.userRef, action: 'catalog.location.delete', target: `location:${id}`, details: { type: row.type, target: row.target, removedEntities: entities.length } },
        ]);
      });
    },

    async byEntity(ref) {
      const [entity] = await findEntitiesByRefs(db, [ref.toLowerCase()]);
      if (!entity) throw new NotFoundError('catalog.entity_not_found', `No entity ${ref}`);
      if (!entity.source.startsWith('location:')) {
        throw new NotFoundError('catalog.location_unknown', `${ref} was pushed through the API and has no location`);
      }
      return locationStatusFromRow(await getRow(entity.source.slice('location:'.length)));
    },

    async refreshEntity(principal, ref) {
      authorize(principal, 'catalog.entity.refresh', { ref });
      const [entity] = await findEntitiesByRefs(db, [ref.toLowerCase()]);
      if (!entity) throw new NotFoundError('catalog.entity_not_found', `No entity ${ref}`);
      if (!entity.source.startsWith('location:')) return;
      const row = await getRow(entity.source.slice('location:'.length));
      await read({ id: row.id, type: row.type as LocationSpec['type'], target: row.target }, principal.userRef);
    },

    async refreshAll() {
      for (const row of await listLocations(db)) {
        try {
          const summary = await read({ id: row.id, type: row.type as LocationSpec['type'], target: row.target }, systemPrincipal.userRef);
          logger.debug({ location: row.id, ...countsOf(summary) }, 'location refreshed');
        } catch (error) {
          logger.error({ err: error, location: row.id }, 'location refresh failed');
        }
      }
    },
  };
}

/** How a location's registrant is recorded; only Paved itself and the bootstrap token are trusted without a User entity. */
function registeredAs(principal: Principal): LocationRow['registered_as'] {
  if (principal === systemPrincipal || (principal.userRef === systemPrincipal.userRef && principal.isAdmin)) return 'system';
  // The bootstrap token's principal has no token id and no groups; a real user:default/admin has an admin group.
  if (principal.userRef === BOOTSTRAP_ADMIN_REF && principal.isAdmin && principal.tokenId === undefined && principal.ownershipRefs.length <= 1) return 'administrator-token';
  return 'user';
}

function countsOf(summary: LocationReadSummary) {
  return { added: summary.added, updated: summary.updated, removed: summary.removed, problems: summary.problems.length };
}

function normalizeSpec(spec: LocationSpec): LocationSpec {
  if (spec.type === 'file') {
    const target = spec.target.startsWith('file://') ? new URL(spec.target).pathname : spec.target;
    return { type: 'file', target: path.resolve(target) };
  }
  let url: URL;
  try {
    url = new URL(spec.target);
  } catch {
    throw new InvalidInputError('catalog.location_invalid', `"${spec.target}" is not an absolute URL`, { path: 'target', hint: 'Use https://host/path/catalog-info.yaml' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidInputError('catalog.location_invalid', `URL locations must be http or https, not ${url.protocol}`, { path: 'target' });
  }
  return { type: 'url', target: url.toString() };
}
