import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Action, authorize } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import { NotFoundError } from '../errors.js';
import { idParam } from '../http/path-params.js';
import { principalOf } from '../http/request-principal.js';
import { sendTaskEvents } from './send-task-events.js';
import type { Task, TaskEngine } from './task-engine.js';


const taskSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']),
  input: z.unknown(),
  stepOutputs: z.record(z.string(), z.unknown()),
  failedStep: z.string().nullable(),
  error: z.string().nullable(),
  attempts: z.number(),
  createdBy: z.string(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
const logLineSchema = z.object({ seq: z.number(), at: z.string(), level: z.enum(['info', 'warn', 'error']), stepId: z.string().nullable(),
  stepStatus: z.enum(['processing', 'completed', 'failed', 'cancelled', 'skipped']).nullable(),
  message: z.string(),
});
const idParams = z.object({ id: idParam });

/** `/api/tasks`: a task's state and logs (also live, over SSE), cancel and retry, for its creator. */
export function taskRoutes(engine: TaskEngine): FastifyPluginAsync {
  async function authorizedTask(principal: Principal, id: string, action: Action): Promise<Task> {
    const task = await engine.get(id);
    try {
      authorize(principal, 'tasks.task.read', { ref: `task:${id}`, createdBy: task.createdBy });
    } catch {
      // Someone else's task is not even said to exist.
      throw new NotFoundError('tasks.task_not_found', `No task with id ${id}`, { path: 'id' });
    }
    authorize(principal, action, { ref: `task:${id}`, createdBy: task.createdBy });
    return task;
  }

  return async (plainApp) => {
    const app = plainApp.withTypeProvider<ZodTypeProvider>();

    app.get('/:id', { schema: { summary: 'A task: status, step outputs, error', params: idParams, response: { 200: taskSchema } } }, async (request) =>
      authorizedTask(principalOf(request), request.params.id, 'tasks.task.read'),
    );

    app.get(
      '/:id/logs',
      {
        schema: {
          summary: "A task's log lines after a sequence number",
          params: idParams,
          querystring: z.object({ after: z.coerce.number().int().min(0).default(0) }),
          response: { 200: z.object({ items: z.array(logLineSchema) }) },
        },
      },
      async (request) => {
        await authorizedTask(principalOf(request), request.params.id, 'tasks.task.read');
        return { items: await engine.logs(request.params.id, request.query.after) };
      },
    );

    app.get(
      '/:id/events',
      {
        schema: {
          summary: 'Server-sent events: the log from a sequence number (Last-Event-ID or ?after=), live, then the outcome',
          params: idParams,
          querystring: z.object({ after: z.coerce.number().int().min(0).optional() }),
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        await authorizedTask(principalOf(request), id, 'tasks.task.read');
        await sendTaskEvents(request, reply, engine, id, request.query.after, {
          log: (line) => ({ id: line.seq, event: 'log', data: line }),
          end: ({ status, error, failedStep }) => ({ event: 'completion', data: { status, error, failedStep } }),
        });
      },
    );

    app.post('/:id/cancel', { schema: { summary: 'Cancel a task', params: idParams, response: { 200: taskSchema } } }, async (request) => {
      await authorizedTask(principalOf(request), request.params.id, 'tasks.task.cancel');
      return engine.cancel(request.params.id);
    });

    app.post('/:id/retry', { schema: { summary: 'Retry a failed or cancelled task from its failed step', params: idParams, response: { 200: taskSchema } } }, async (request) => {
      await authorizedTask(principalOf(request), request.params.id, 'tasks.task.retry');
      return engine.retry(request.params.id);
    });
  };
}
