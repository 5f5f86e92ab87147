import http from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AccessService } from '../access/access-service.js';
import { ForbiddenError } from '../errors.js';
import { registerAuthentication } from './authentication.js';
import { registerBodyParsers } from './body-parsers.js';
import { handleError, handleNotFound } from './error-handler.js';
import { checkRouteParams } from './path-params.js';
import { isPortalPath, registerPortal } from './portal.js';
import { type HttpMetrics, registerMetrics } from './metrics.js';
import { principalOf } from './request-principal.js';
import { registerSecurityHeaders } from './security-headers.js';

export interface MountedRoutes {
  /** URL prefix, e.g. `/api/catalog`. */
  prefix: string;
  routes: FastifyPluginAsync;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: Record<string, { ok: boolean; message?: string }>;
}

export interface AppDeps {
  logger: FastifyBaseLogger;
  access: AccessService;
  bodyLimit: number;
  mounts: MountedRoutes[];
  health(): Promise<HealthReport>;
  /** Failed authentications one client address may make per minute (then 429). */
  failedAuthPerMinute?: number;
  /** The reverse proxies whose X-Forwarded-For names the client (addresses or CIDR ranges). */
  trustedProxies?: readonly string[];
  /** How often open event streams re-check their token, in milliseconds. */
  streamRecheckMs?: number;
  metrics: HttpMetrics;
  /** Where the built portal is (dist/web); without a build, only the API is served. */
  portalDir?: string;
  /** Sees every request first and may answer it (the delivery router: `<workload>.<environment>.localhost`). */
  hostRouter?: { handle(request: http.IncomingMessage, response: http.ServerResponse): boolean };
}

/**
 * Builds the HTTP app without listening, so tests drive it with `inject`. Global concerns live
 * here and nowhere else: authentication, the error format, OpenAPI, metrics, body limits.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimit,
    // request.ip (what failed logins are counted by) is the client's only behind a proxy named here.
    trustProxy: deps.trustedProxies?.length ? [...deps.trustedProxies] : false,
    // Catalog refs contain ':' and '/', which clients percent-encode inside path segments.
    routerOptions: { maxParamLength: 1000 },
    // Fastify's own refusals (a malformed URL) in the one error format.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
    // Workloads' hosts are routed before Fastify sees the request: no auth, body parsing or
    // limits of Paved's API apply to a workload's own traffic.
    serverFactory: (handler) =>
      http.createServer((request, response) => {
        if (!deps.hostRouter?.handle(request, response)) handler(request, response);
      }),
  });
  // Every path parameter is validated by the shared schemas, or the route is not started.
  app.addHook('onRoute', (route) => checkRouteParams(route));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  const portal = deps.portalDir ? await registerPortal(app, deps.portalDir) : undefined;
  app.setNotFoundHandler((request, reply) => (portal && isPortalPath(request) ? portal(request, reply) : handleNotFound(request, reply)));
  registerBodyParsers(app);
  await registerSecurityHeaders(app);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Paved API', version: '1', description: 'The HTTP API of Paved, the internal developer platform.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  await registerAuthentication(app, { access: deps.access, failedAuthPerMinute: deps.failedAuthPerMinute ?? 20, streamRecheckMs: deps.streamRecheckMs ?? 5_000 });
  registerMetrics(app, deps.metrics);

  // Anyone may ask whether Paved is up; why it is not (a database host, an error) is for administrators.
  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const report = await deps.health();
    const checks = Object.fromEntries(Object.entries(report.checks).map(([name, check]) => [name, { ok: check.ok }]));
    return reply.status(report.status === 'ok' ? 200 : 503).send({ status: report.status, checks });
  });
  app.get('/api/health', { schema: { summary: 'Health with the details of each check (administrators)' } }, async (request, reply) => {
    if (!principalOf(request).isAdmin) throw new ForbiddenError('access.admin_only', 'The details of the health checks are for administrators; /healthz says whether Paved is up');
    const report = await deps.health();
    return reply.status(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  for (const mount of deps.mounts) await app.register(mount.routes, { prefix: mount.prefix });
  return app;
}
