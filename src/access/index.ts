import type { FastifyPluginAsync } from 'fastify';
import { type AccessService, type AccessServiceDeps, createAccessService } from './access-service.js';
import { accessRoutes } from './routes.js';

export { accessMigrations } from './migrations.js';
export type { AccessService, Directory } from './access-service.js';

export interface AccessModule {
  service: AccessService;
  routes: FastifyPluginAsync;
}

/** Principals, API tokens and the `/api/access` routes. */
export function createAccess(deps: AccessServiceDeps): AccessModule {
  const service = createAccessService(deps);
  return { service, routes: accessRoutes(service) };
}
