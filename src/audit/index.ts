import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { auditRoutes } from './routes.js';

export { auditMigrations } from './migrations.js';
export { recordAuditEvents, type NewAuditEvent } from './audit-log.js';

export interface AuditModule {
  routes: FastifyPluginAsync;
}

/** The audit log: other modules append with `recordAuditEvents` inside their transactions. */
export function createAudit(deps: { db: Kysely<Database> }): AuditModule {
  return { routes: auditRoutes(deps.db) };
}
