import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { idParam, nameParam } from '../http/path-params.js';
import { principalOf } from '../http/request-principal.js';
import { isFinished } from '../tasks/follow-task.js';
import { sendTaskEvents } from '../tasks/send-task-events.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import type { ScaffolderEvent, ScaffolderService } from './scaffolder-service.js';

const idParams = z.object({ id: idParam });
const statusSchema = z.enum(['open', 'processing', 'completed', 'failed', 'cancelled']);
const stringRecord = z.record(z.string(), z.string());
const directoryEntry = z.object({ path: z.string().min(1), base64Content: z.string(), executable: z.boolean().default(false) });

/** `/api/scaffolder`: Backstage's scaffolder API (v2), so its clients and UI work unchanged. */
export function scaffolderRoutes(scaffolder: ScaffolderService, engine: TaskEngine): FastifyPluginAsync {
  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();

    app.get('/v2/actions', { schema: { summary: 'The actions templates may use, with the JSON Schemas of their input and output' } }, async (request) => {
      principalOf(request);
      return scaffolder.actions().map(({ id, description, schema, examples }) => ({ id, description, schema, examples: examples ?? [] }));
    });

    app.get(
      '/v2/templates/:namespace/:kind/:name/parameter-schema',
      { schema: { summary: "A template's form: its parameter pages", params: z.object({ namespace: nameParam, kind: nameParam, name: nameParam }) } },
      async (request) => {
        principalOf(request);
        const { namespace, kind, name } = request.params;
        return scaffolder.parameterSchema(`${kind}:${namespace}/${name}`);
      },
    );

    app.post(
      '/v2/tasks',
      {
        schema: {
          summary: 'Run a template',
          body: z.object({ templateRef: z.string().min(1), values: z.record(z.string(), z.unknown()).default({}), secrets: stringRecord.optional() }),
          response: { 201: z.object({ id: z.string() }) },
        },
      },
      async (request, reply) => {
        reply.code(201);
        return scaffolder.start(principalOf(request), request.body);
      },
    );

    app.get(
      '/v2/tasks',
      {
        schema: {
          summary: "Template runs: the caller's own (administrators: everyone's, or createdBy's)",
          querystring: z.object({
            createdBy: z.string().optional(),
            status: statusSchema.optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
            offset: z.coerce.number().int().min(0).default(0),
          }),
        },
      },
      async (request) => scaffolder.list(principalOf(request), request.query),
    );

    app.get('/v2/tasks/:id', { schema: { summary: 'A template run', params: idParams } }, async (request) => scaffolder.get(principalOf(request), request.params.id));

    app.get(
      '/v2/tasks/:id/events',
      { schema: { summary: "A run's events after an event id", params: idParams, querystring: z.object({ after: z.coerce.number().int().min(0).default(0) }) } },
      async (request) => {
        const task = await scaffolder.authorizedTask(principalOf(request), request.params.id);
        const lines = await engine.logs(task.id, request.query.after);
        const events = lines.map((line) => scaffolder.toEvent(task, line));
        const finished = await engine.get(task.id);
        if (isFinished(finished)) {
          const lastSeq = lines.at(-1)?.seq ?? request.query.after;
          if ((await engine.logs(task.id, lastSeq)).length === 0) events.push(scaffolder.completionEvent(finished, lastSeq));
        }
        return events;
      },
    );

    app.get(
      '/v2/tasks/:id/eventstream',
      { schema: { summary: "Server-sent events: a run's log from Last-Event-ID (or ?after=), live, then its completion", params: idParams, querystring: z.object({ after: z.coerce.number().int().min(0).optional() }) } },
      async (request, reply) => {
        const task = await scaffolder.authorizedTask(principalOf(request), request.params.id);
        // Backstage's clients read the event's type from its data, and its id from both.
        const asSse = (event: ScaffolderEvent) => ({ id: event.id, event: event.type, data: event });
        await sendTaskEvents(request, reply, engine, task.id, request.query.after, {
          log: (line) => asSse(scaffolder.toEvent(task, line)),
          end: (finished, lastSeq) => asSse(scaffolder.completionEvent(finished, lastSeq)),
        });
      },
    );

    app.post('/v2/tasks/:id/cancel', { schema: { summary: 'Cancel a run', params: idParams } }, async (request) => scaffolder.cancel(principalOf(request), request.params.id));

    app.post(
      '/v2/tasks/:id/retry',
      {
        schema: {
          summary: 'Retry a failed or cancelled run from the step that failed; `secrets` again when the run kept them past their retention',
          params: idParams,
          body: z.object({ secrets: stringRecord.optional() }).nullish(),
        },
      },
      async (request, reply) => {
        reply.code(201);
        return scaffolder.retry(principalOf(request), request.params.id, request.body?.secrets);
      },
    );

    app.post(
      '/v2/dry-run',
      {
        schema: {
          summary: 'Run a template given inline without side effects; returns the files it would create',
          body: z.object({
            template: z.record(z.string(), z.unknown()),
            values: z.record(z.string(), z.unknown()).default({}),
            secrets: stringRecord.optional(),
            directoryContents: z.array(directoryEntry).default([]),
          }),
        },
      },
      async (request) => scaffolder.dryRun(principalOf(request), request.body),
    );
  };
}
