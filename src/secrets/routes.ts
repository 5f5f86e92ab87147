import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { nameParam } from '../http/path-params.js';
import { principalOf } from '../http/request-principal.js';
import { type ScopeKind, scopeOf } from './secret-scope.js';
import type { SecretsService } from './secrets-service.js';

const summarySchema = z.object({ name: z.string(), scope: z.string(), version: z.number(), updatedBy: z.string(), updatedAt: z.string() });
const SCOPES: { path: string; kind: ScopeKind; namespaced: boolean }[] = [
  { path: 'groups', kind: 'group', namespaced: true },
  { path: 'components', kind: 'component', namespaced: true },
  { path: 'environments', kind: 'environment', namespaced: false },
];

/**
 * `/api/secrets/{groups|components}/:namespace/:name[/:secret]` and
 * `/api/secrets/environments/:name[/:secret]`. Values go in, never out.
 */
export function secretRoutes(secrets: SecretsService): FastifyPluginAsync {
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();
    for (const { path, kind, namespaced } of SCOPES) {
      const base = namespaced ? `/${path}/:namespace/:name` : `/${path}/:name`;
      const scopeParams = namespaced ? z.object({ namespace: nameParam, name: nameParam }) : z.object({ name: nameParam });
      const secretParams = scopeParams.extend({ secret: nameParam });
      const scopeFrom = (params: { namespace?: string; name: string }) => scopeOf(kind, params.namespace, params.name);

      app.get(base, { schema: { summary: `The secrets of a ${kind}: names and versions, never values`, params: scopeParams, response: { 200: z.object({ items: z.array(summarySchema) }) } } }, async (request) => ({
        items: await secrets.list(principalOf(request), scopeFrom(request.params)),
      }));

      app.put(
        `${base}/:secret`,
        { schema: { summary: `Set a ${kind} secret (a new version)`, params: secretParams, body: z.object({ value: z.string() }), response: { 200: summarySchema } } },
        async (request) => secrets.set(principalOf(request), scopeFrom(request.params), request.params.secret, request.body.value),
      );

      app.get(`${base}/:secret`, { schema: { summary: "A secret's versions: who changed it and when", params: secretParams, response: { 200: z.object({ items: z.array(summarySchema) }) } } }, async (request) => ({
        items: await secrets.versions(principalOf(request), scopeFrom(request.params), request.params.secret),
      }));

      app.delete(`${base}/:secret`, { schema: { summary: 'Delete a secret and all its versions', params: secretParams } }, async (request, reply) => {
        await secrets.remove(principalOf(request), scopeFrom(request.params), request.params.secret);
        reply.code(204);
      });
    }
  };
}
