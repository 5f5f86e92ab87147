import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { type EntityService, createEntityService } from './entity-service.js';
import type { ReaderOptions } from './ingestion/types.js';
import { type LocationService, type LocationTrust, createLocationService } from './location-service.js';
import { catalogRoutes } from './routes.js';

export { catalogMigrations } from './migrations.js';
export type { EntityService } from './entity-service.js';
export type { LocationService, LocationTrust } from './location-service.js';
export type { RepositoryRecord } from './repository-component.js';

export interface CatalogDeps {
  db: Kysely<Database>;
  logger: Logger;
  reader: ReaderOptions;
  /** Who may describe what through a location: administrators' groups and trusted roots. */
  trust: LocationTrust;
  /** Seconds between background re-reads of every location; 0 turns the refresh off. */
  refreshIntervalSeconds: number;
}

export interface CatalogModule {
  entities: EntityService;
  locations: LocationService;
  routes: FastifyPluginAsync;
  /** Starts the background refresh of locations. */
  start(): void;
  /** Stops the refresh and waits for a read in progress to finish. */
  stop(): Promise<void>;
}

/** The software catalog: entities, relations, locations, and the Backstage-compatible API. */
export function createCatalog(deps: CatalogDeps): CatalogModule {
  const entities = createEntityService({ db: deps.db });
  const locations = createLocationService({ db: deps.db, logger: deps.logger, reader: deps.reader, trust: deps.trust });
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let stopped = false;

  const scheduleNext = () => {
    if (stopped || deps.refreshIntervalSeconds <= 0) return;
    timer = setTimeout(() => {
      current = locations.refreshAll().finally(() => {
        current = undefined;
        scheduleNext();
      });
    }, deps.refreshIntervalSeconds * 1000);
    timer.unref();
  };

  return {
    entities,
    locations,
    routes: catalogRoutes(entities, locations),
    start: scheduleNext,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
