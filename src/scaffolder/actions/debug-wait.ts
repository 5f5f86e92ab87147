import { setTimeout as sleep } from 'node:timers/promises';
import { defineAction } from './action.js';

const MAX_WAIT_MS = 10 * 60_000;

export const debugWait = defineAction<{ minutes?: number; seconds?: number; milliseconds?: number }>({
  id: 'debug:wait',
  description: 'Waits, up to 10 minutes; cancelling the task ends the wait.',
  supportsDryRun: true,
  schema: {
    input: {
      type: 'object',
      additionalProperties: false,
      properties: { minutes: { type: 'number', minimum: 0 }, seconds: { type: 'number', minimum: 0 }, milliseconds: { type: 'number', minimum: 0 } },
    },
  },
  async handler(context) {
    const { minutes = 0, seconds = 0, milliseconds = 0 } = context.input;
    const waitMs = minutes * 60_000 + seconds * 1000 + milliseconds;
    if (waitMs > MAX_WAIT_MS) throw new Error(`debug:wait: ${waitMs} ms is longer than the ${MAX_WAIT_MS} ms allowed`);
    await context.log(`Waiting ${waitMs} ms`);
    await sleep(waitMs, undefined, { signal: context.signal });
  },
});
