import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam, nameParam, relativePathParam } from '../http/path-params.js';
import { principalOf } from '../http/request-principal.js';
import { sendTaskEvents } from '../tasks/send-task-events.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import { createReadStream } from 'node:fs';
import type { ArtifactStore } from './artifacts.js';
import { parsePipelineFile, pipelineFileSchema } from './pipeline-file.js';
import type { PipelinesService } from './pipelines-service.js';

const repoParams = z.object({ namespace: nameParam, name: nameParam });
const idParams = z.object({ id: idParam });

/** `/api/pipelines`: runs per repository, their live logs, cancel and re-run, and the file's schema. */
export function pipelineRoutes(pipelines: PipelinesService, engine: TaskEngine, artifacts: ArtifactStore): FastifyPluginAsync {
  const jsonSchema = z.toJSONSchema(pipelineFileSchema, { io: 'input', unrepresentable: 'any' });
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();

    app.get('/schema', { schema: { summary: 'The JSON Schema of .paved/pipeline.yaml' } }, async (request) => {
      principalOf(request);
      return jsonSchema;
    });

    app.post('/validate', { schema: { summary: 'Check a pipeline file (YAML text): its problems, with lines', body: z.string() } }, async (request) => {
      principalOf(request);
      const parsed = parsePipelineFile(request.body);
      return parsed.ok ? { valid: true, problems: [], jobs: parsed.jobs.map((job) => job.id) } : { valid: false, problems: parsed.problems };
    });

    app.get(
      '/repositories/:namespace/:name/runs',
      { schema: { summary: "A repository's runs, newest first", params: repoParams, querystring: z.object({ branch: z.string().optional(), limit: z.coerce.number().int().min(1).max(200).default(50) }) } },
      async (request) => {
        principalOf(request);
        return { items: await pipelines.list(request.params.namespace, request.params.name, request.query) };
      },
    );

    app.post(
      '/repositories/:namespace/:name/runs',
      { schema: { summary: "Run a branch's pipeline now (for those who may push)", params: repoParams, body: z.object({ branch: z.string().min(1).default('main') }) } },
      async (request, reply) => {
        reply.code(201);
        return pipelines.startManually(principalOf(request), request.params.namespace, request.params.name, request.body.branch);
      },
    );

    app.get('/repositories/:namespace/:name/status', { schema: { summary: 'The latest run of each branch', params: repoParams } }, async (request) => {
      principalOf(request);
      return { branches: await pipelines.latestByBranch(request.params.namespace, request.params.name) };
    });

    app.get('/repositories/:namespace/:name/schedules', { schema: { summary: "The repository's cron triggers and when each fires next", params: repoParams } }, async (request) => {
      principalOf(request);
      return { items: await pipelines.schedules(request.params.namespace, request.params.name) };
    });

    app.get(
      '/runs',
      {
        schema: {
          summary: "Every repository's runs, newest first",
          querystring: z.object({
            repository: z.string().optional(),
            status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']).optional(),
            branch: z.string().optional(),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          }),
        },
      },
      async (request) => {
        principalOf(request);
        return { items: await pipelines.listAll(request.query) };
      },
    );

    app.get('/runs/:id', { schema: { summary: 'One run: status, jobs, steps, exit codes', params: idParams } }, async (request) => {
      principalOf(request);
      return pipelines.get(request.params.id);
    });

    app.get('/runs/:id/logs', { schema: { summary: "A run's log lines after a sequence number", params: idParams, querystring: z.object({ after: z.coerce.number().int().min(0).default(0) }) } }, async (request) => {
      principalOf(request);
      await pipelines.get(request.params.id);
      return { items: await engine.logs(request.params.id, request.query.after) };
    });

    app.get(
      '/runs/:id/events',
      { schema: { summary: "Server-sent events: a run's log from Last-Event-ID (or ?after=), live, then its outcome", params: idParams, querystring: z.object({ after: z.coerce.number().int().min(0).optional() }) } },
      async (request, reply) => {
        principalOf(request);
        const { id } = await pipelines.get(request.params.id);
        await sendTaskEvents(request, reply, engine, id, request.query.after, {
          log: (line) => ({ id: line.seq, event: 'log', data: line }),
          end: async () => ({ event: 'completion', data: await pipelines.get(id) }),
        });
      },
    );

    app.get('/runs/:id/artifacts', { schema: { summary: "The files a run's jobs kept", params: idParams } }, async (request) => {
      principalOf(request);
      await pipelines.get(request.params.id);
      return { items: await artifacts.list(request.params.id) };
    });

    app.get('/runs/:id/artifacts/:job/*', { schema: { summary: 'Download one kept file', params: idParams.extend({ job: nameParam, '*': relativePathParam }) } }, async (request, reply) => {
      principalOf(request);
      await pipelines.get(request.params.id);
      const file = await artifacts.file(request.params.id, request.params.job, request.params['*']);
      reply.header('content-type', 'application/octet-stream');
      reply.header('content-disposition', `attachment; filename="${encodeURIComponent(file.split('/').pop()!)}"`);
      return reply.send(createReadStream(file));
    });

    app.post('/runs/:id/cancel', { schema: { summary: 'Cancel a run: its running step is stopped', params: idParams } }, async (request) => pipelines.cancel(principalOf(request), request.params.id));
    app.post('/runs/:id/rerun', { schema: { summary: 'Run a failed or cancelled run again from the job that did not finish', params: idParams } }, async (request) =>
      pipelines.rerun(principalOf(request), request.params.id),
    );
  };
}
