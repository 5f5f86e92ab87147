import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam, nameParam } from '../http/path-params.js';
import { accessLostEvent, principalOf, whileAuthenticated } from '../http/request-principal.js';
import { sendTaskEvents } from '../tasks/send-task-events.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import type { DeliveryService } from './delivery-service.js';
import type { EnvironmentService } from './environments/environment-service.js';
import type { Provisioner } from './provisioning/provisioner-file.js';
import type { LocalRuntime } from './runtime/local/local-runtime.js';

const idParams = z.object({ id: idParam });
const environmentParams = z.object({ environment: nameParam });

/** `/api/delivery`: environments, deployments (deploy, promote, roll back, approve), workloads, their logs, events. */
export function deliveryRoutes(deps: { delivery: DeliveryService; environments: EnvironmentService; tasks: TaskEngine; local: LocalRuntime; provisioners: readonly Provisioner[] }): FastifyPluginAsync {
  const { delivery, environments } = deps;
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();

    app.get('/environments', { schema: { summary: 'Every environment, long-lived first (in promotion order), then previews and ad hoc ones' } }, async (request) => {
      principalOf(request);
      return { items: await environments.list() };
    });

    app.post(
      '/environments',
      { schema: { summary: 'Create an environment on demand', body: z.object({ name: z.string(), type: z.string(), ttlHours: z.number().positive().max(24 * 90).optional() }) } },
      async (request, reply) => {
        reply.code(201);
        return environments.create(principalOf(request), request.body);
      },
    );

    app.get('/environments/:environment', { schema: { summary: 'An environment with its workloads (health, deployment, time to provision) and resources', params: environmentParams } }, async (request) => {
      principalOf(request);
      const environment = await environments.get(request.params.environment);
      return { ...environment, workloads: await delivery.workloads({ environment: environment.name }), resources: await delivery.resources(environment.name) };
    });

    app.delete('/environments/:environment', { schema: { summary: 'Remove an environment: stop its workloads, deprovision its resources (a task)', params: environmentParams } }, async (request, reply) => {
      reply.code(202);
      return environments.remove(principalOf(request), request.params.environment);
    });

    app.get(
      '/workloads',
      { schema: { summary: 'What runs where: each workload’s current deployment and health', querystring: z.object({ environment: z.string().optional(), component: z.string().optional() }) } },
      async (request) => {
        principalOf(request);
        return { items: await delivery.workloads({ ...(request.query.environment ? { environment: request.query.environment } : {}), ...(request.query.component ? { componentRef: request.query.component } : {}) }) };
      },
    );

    app.get(
      '/environments/:environment/workloads/:workload/logs',
      { schema: { summary: "A running workload's output (stdout, stderr, restarts); ?follow=true streams it", params: environmentParams.extend({ workload: nameParam }), querystring: z.object({ follow: z.coerce.boolean().default(false) }) } },
      async (request, reply) => {
        principalOf(request);
        const logs = deps.local.logs(request.params.environment, request.params.workload);
        if (!logs) return reply.code(404).send({ error: { name: 'NotFoundError', code: 'delivery.workload_not_running', message: `${request.params.workload} is not running in ${request.params.environment} on this Paved` } });
        if (!request.query.follow) return { items: logs.lines };
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        for (const line of logs.lines) reply.raw.write(`event: line\ndata: ${JSON.stringify(line)}\n\n`);
        const unsubscribe = logs.follow((line) => reply.raw.write(`event: line\ndata: ${JSON.stringify(line)}\n\n`));
        // The stream ends when its caller loses access (token revoked or expired, user gone).
        const access = whileAuthenticated(request);
        access.signal.addEventListener('abort', () => {
          unsubscribe();
          reply.raw.end(accessLostEvent(access.signal.reason));
        });
        request.raw.on('close', () => {
          unsubscribe();
          access.stop();
        });
      },
    );

    app.delete(
      '/environments/:environment/workloads/:workload',
      { schema: { summary: "Take a workload out of an environment: stop it, deprovision its own resources (a task)", params: environmentParams.extend({ workload: nameParam }) } },
      async (request, reply) => {
        reply.code(202);
        return delivery.removeWorkload(principalOf(request), request.params.environment, request.params.workload);
      },
    );

    app.get(
      '/deployments',
      {
        schema: {
          summary: 'Deployments, newest first',
          querystring: z.object({ workload: z.string().optional(), environment: z.string().optional(), component: z.string().optional(), status: z.string().optional(), limit: z.coerce.number().int().min(1).max(500).default(50) }),
        },
      },
      async (request) => {
        principalOf(request);
        const { component, ...query } = request.query;
        return { items: await delivery.listDeployments({ ...query, ...(component ? { componentRef: component } : {}) }) };
      },
    );

    app.post(
      '/deployments',
      { schema: { summary: 'Deploy a revision of a repository (its score.yaml) to an environment', body: z.object({ repository: z.string(), environment: z.string(), ref: z.string().optional(), scorePath: z.string().optional() }) } },
      async (request, reply) => {
        reply.code(201);
        return delivery.deploy(principalOf(request), request.body);
      },
    );

    app.get('/deployments/:id', { schema: { summary: 'One deployment: revision, resources (no secrets), status, timings', params: idParams } }, async (request) => {
      principalOf(request);
      return delivery.getDeployment(request.params.id);
    });

    app.get('/deployments/:id/logs', { schema: { summary: "A deployment's log lines after a sequence number", params: idParams, querystring: z.object({ after: z.coerce.number().int().min(0).default(0) }) } }, async (request) => {
      principalOf(request);
      const deployment = await delivery.getDeployment(request.params.id);
      return { items: deployment.taskId ? await deps.tasks.logs(deployment.taskId, request.query.after) : [] };
    });

    app.get(
      '/deployments/:id/events',
      { schema: { summary: "Server-sent events: a deployment's log, live, then the deployment", params: idParams, querystring: z.object({ after: z.coerce.number().int().min(0).optional() }) } },
      async (request, reply) => {
        principalOf(request);
        const deployment = await delivery.getDeployment(request.params.id);
        if (!deployment.taskId) return deployment;
        await sendTaskEvents(request, reply, deps.tasks, deployment.taskId, request.query.after, {
          log: (line) => ({ id: line.seq, event: 'log', data: line }),
          end: async () => ({ event: 'completion', data: await delivery.getDeployment(deployment.id) }),
        });
      },
    );

    app.post('/deployments/:id/promote', { schema: { summary: 'Deploy the same revision to the next environment (or `to`)', params: idParams, body: z.object({ to: z.string().optional() }).default({}) } }, async (request, reply) => {
      reply.code(201);
      return delivery.promote(principalOf(request), request.params.id, request.body.to);
    });

    app.post('/deployments/:id/approve', { schema: { summary: 'Approve a deployment waiting for an owner', params: idParams } }, async (request) => delivery.approve(principalOf(request), request.params.id, 'approve'));
    app.post('/deployments/:id/reject', { schema: { summary: 'Reject a deployment waiting for an owner', params: idParams } }, async (request) => delivery.approve(principalOf(request), request.params.id, 'reject'));
    app.post('/deployments/:id/cancel', { schema: { summary: 'Stop a deployment that has not finished', params: idParams } }, async (request) => delivery.cancel(principalOf(request), request.params.id));

    app.post(
      '/rollback',
      { schema: { summary: 'Deploy an earlier revision again: the deployment `to`, or the one before the current', body: z.object({ environment: z.string(), workload: z.string(), to: z.string().optional() }) } },
      async (request, reply) => {
        reply.code(201);
        return delivery.rollback(principalOf(request), request.body);
      },
    );

    app.get('/events', { schema: { summary: 'Delivery events in time order (deployments started, succeeded, failed, rolled back): what DORA is computed from', querystring: z.object({ since: z.string().optional(), limit: z.coerce.number().int().min(1).max(5000).default(500) }) } }, async (request) => {
      principalOf(request);
      return { items: await delivery.events(request.query) };
    });

    app.post('/score/validate', { schema: { summary: 'Check a score.yaml (YAML text): its problems, with fields and lines', body: z.string() } }, async (request) => {
      principalOf(request);
      return delivery.validateScore(request.body);
    });

    app.get('/provisioners', { schema: { summary: 'The provisioners, in the order they are consulted' } }, async (request) => {
      principalOf(request);
      return {
        items: deps.provisioners.map((provisioner) => ({
          name: provisioner.metadata.name,
          description: provisioner.metadata.description ?? null,
          type: provisioner.spec.type,
          class: provisioner.spec.class ?? null,
          id: provisioner.spec.id ?? null,
          runtimes: provisioner.spec.runtimes ?? ['local', 'kubernetes'],
          driver: provisioner.spec.create?.driver ?? null,
          source: provisioner.source,
        })),
      };
    });
  };
}
