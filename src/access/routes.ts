import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam } from '../http/path-params.js';
import { principalOf } from '../http/request-principal.js';
import type { AccessService } from './access-service.js';

const tokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  userRef: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

/** Routes under `/api/access`: who am I, and API tokens. */
export function accessRoutes(service: AccessService): FastifyPluginAsync {
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/me',
      {
        schema: {
          summary: 'The caller: user ref, groups, administrator or not',
          response: { 200: z.object({ userRef: z.string(), isAdmin: z.boolean(), ownershipRefs: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        return { userRef: principal.userRef, isAdmin: principal.isAdmin, ownershipRefs: [...principal.ownershipRefs] };
      },
    );

    app.post(
      '/tokens',
      {
        schema: {
          summary: 'Create an API token; the secret is in the response and never shown again',
          body: z.object({
            name: z.string().trim().min(1).max(100),
            userRef: z.string().optional(),
            // The service checks it against the configured most (PAVED_TOKEN_MAX_TTL_DAYS), with a clear error.
            expiresInDays: z.number().int().positive().optional(),
          }),
          response: { 201: tokenSchema.extend({ token: z.string() }) },
        },
      },
      async (request, reply) => reply.status(201).send(await service.createToken(principalOf(request), request.body)),
    );

    app.get(
      '/tokens',
      {
        schema: {
          summary: "List a user's tokens (default: the caller's)",
          querystring: z.object({ userRef: z.string().optional() }),
          response: { 200: z.object({ items: z.array(tokenSchema) }) },
        },
      },
      async (request) => ({ items: await service.listTokens(principalOf(request), request.query.userRef) }),
    );

    app.delete(
      '/tokens/:id',
      {
        schema: { summary: 'Revoke a token', params: z.object({ id: idParam }), response: { 200: tokenSchema } },
      },
      async (request) => service.revokeToken(principalOf(request), request.params.id),
    );
  };
}
