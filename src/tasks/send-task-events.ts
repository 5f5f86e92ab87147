import type { FastifyReply, FastifyRequest } from 'fastify';
import { accessLostEvent, whileAuthenticated } from '../http/request-principal.js';
import { followTask } from './follow-task.js';
import type { LogLine, Task, TaskEngine } from './task-engine.js';

/** One server-sent event. */
export interface SseEvent {
  id?: number;
  event: string;
  data: unknown;
}

/**
 * Streams a task as server-sent events from `afterSeq` (the `Last-Event-ID` a reconnecting
 * client sends, or `?after=`): each log line as it comes, then one closing event, then the end.
 * Each API shapes the events its clients expect. The stream ends, with an `error` event, when
 * the caller's token is revoked or expires or its user leaves the catalog.
 */
export async function sendTaskEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  engine: TaskEngine,
  id: string,
  afterSeq: number | undefined,
  shape: { log(line: LogLine): SseEvent; end(task: Task, lastSeq: number): SseEvent | Promise<SseEvent> },
): Promise<void> {
  let lastSeq = afterSeq ?? (Number(request.headers['last-event-id']) || 0);
  let open = true;
  request.raw.on('close', () => (open = false));
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const access = whileAuthenticated(request);
  try {
    for await (const progress of followTask(engine, id, lastSeq, { signal: access.signal })) {
      if (!open) break;
      const event = progress.type === 'log' ? shape.log(progress.line) : await shape.end(progress.task, lastSeq);
      if (progress.type === 'log') lastSeq = progress.line.seq;
      reply.raw.write(`${event.id === undefined ? '' : `id: ${event.id}\n`}event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
    }
  } catch (error) {
    // The client reconnects with Last-Event-ID and carries on from there.
    request.log.warn({ err: error, task: id }, 'task event stream interrupted');
  }
  access.stop();
  if (access.signal.aborted && open) reply.raw.write(accessLostEvent(access.signal.reason));
  reply.raw.end();
}
