import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { authorize } from '../access/authorize.js';
import type { Database } from '../db/database.js';
import { principalOf } from '../http/request-principal.js';
import { queryAuditEvents } from './audit-log.js';

const eventSchema = z.object({
  id: z.number(),
  occurredAt: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
});

/** `GET /api/audit`: the audit log, newest first, for administrators. */
export function auditRoutes(db: Kysely<Database>): FastifyPluginAsync {
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/',
      {
        schema: {
          summary: 'Audit events, newest first; filter by actor, action, target (a trailing * matches a prefix) and time',
          querystring: z.object({
            actor: z.string().optional(),
            action: z.string().optional(),
            target: z.string().optional(),
            since: z.iso.datetime({ offset: true }).optional(),
            until: z.iso.datetime({ offset: true }).optional(),
            before: z.coerce.number().int().positive().optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
          response: { 200: z.object({ items: z.array(eventSchema), nextCursor: z.number().optional() }) },
        },
      },
      async (request) => {
        authorize(principalOf(request), 'audit.read', { ref: 'the audit log' });
        const items = await queryAuditEvents(db, request.query);
        const last = items.at(-1);
        return { items, ...(items.length === request.query.limit && last ? { nextCursor: last.id } : {}) };
      },
    );
  };
}
