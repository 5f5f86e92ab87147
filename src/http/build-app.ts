import http from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AccessService } from '../access/access-service.js';
import { handleError, handleNotFound } from './error-handler.js';
import { checkRouteParams } from './path-params.js';
import { isPortalPath, registerPortal } from './portal.js';
import { type HttpMetrics, registerMetrics } from './metrics.js';
import './request-principal.js';

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
    // Catalog refs contain ':' and '/', which clients percent-encode inside path segments.
    routerOptions: { maxParamLength: 1000 },
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
  app.decorateRequest('principal', null);

  // Backstage's client sends `content-type: application/json` with an empty body on DELETE;
  // that is no body, not malformed JSON.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, undefined) : parseJson(request, body.toString(), done),
  );

  // YAML bodies are kept as text: the module that reads them parses with its own limits and
  // reports line numbers.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  await app.register(swagger, {
    openapi: {
      info: { title: 'Paved API', version: '1', description: 'The HTTP API of Paved, the internal developer platform.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config.public || request.is404) return;
    request.principal = await deps.access.authenticate(request.headers.authorization);
  });
  registerMetrics(app, deps.metrics);

  app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    const report = await deps.health();
    return reply.status(report.status === 'ok' ? 200 : 503).send(report);
  });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  for (const mount of deps.mounts) await app.register(mount.routes, { prefix: mount.prefix });
  return app;
}
