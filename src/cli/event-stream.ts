import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { ApiClient } from './api-client.js';
import { CliError, type Output } from './output.js';
import { readEventStream } from './sse.js';

/** A log entry of a scaffolder task: what its events carry, and what a dry run's log holds. */
export const logBodySchema = z.looseObject({ message: z.string(), stepId: z.string().optional(), status: z.string().optional() });
const eventSchema = z.looseObject({ id: z.number(), type: z.enum(['log', 'completion']), body: logBodySchema });
export type RunEvent = z.infer<typeof eventSchema>;

/** Where the CLI reads a task's events from, and the run it reports on when they cannot be had. */
export interface TaskEvents {
  /** The API path of the task (`/api/scaffolder/v2/tasks/<id>`); its events are under it. */
  path: string;
  id: string;
}

/**
 * Follows a run's events until its completion: the event stream, reconnecting from the last
 * event seen when it drops; polling `/events` when the stream cannot be had at all (a proxy
 * that buffers or refuses it).
 */
export async function followEvents(
  client: ApiClient,
  stream: { baseUrl: string; token: string },
  task: TaskEvents,
  out: Output,
  onEvent: (event: RunEvent) => void,
): Promise<void> {
  const { path: eventsPath, id } = task;
  let lastId = 0;
  // Events carry increasing ids; after a reconnection, anything already shown is skipped.
  const take = (event: RunEvent): boolean => {
    if (event.type === 'completion') return true;
    if (event.id > lastId) {
      lastId = event.id;
      onEvent(event);
    }
    return false;
  };
  const streamed = await readEventStream({
    url: `${stream.baseUrl}${eventsPath}/eventstream`,
    token: stream.token,
    out,
    unit: 'event',
    lastEventId: () => lastId,
    onMessage: ({ data }) => take(parseEvent(data)),
    lost: () => new CliError(`Lost the connection to ${stream.baseUrl} while following task ${id}`, 1, ['The task goes on running on the server.'], { code: 'cli.unreachable', taskId: id }),
  });
  if (streamed) return;
  for (;;) {
    const events = z.array(eventSchema).parse(await client.request<unknown>('GET', `${eventsPath}/events`, { query: { after: lastId } }));
    if (events.some(take)) return;
    await sleep(500);
  }
}

function parseEvent(data: string): RunEvent {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    json = undefined;
  }
  const event = eventSchema.safeParse(json);
  if (!event.success) throw new CliError('The server sent an event the CLI cannot read', 1, [data.slice(0, 200)], { code: 'cli.bad_answer' });
  return event.data;
}
