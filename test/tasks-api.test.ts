import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDefinition } from '../src/tasks/task-definition.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';

const definitions: TaskDefinition[] = [
  {
    kind: 'test.greet',
    steps: (input) => [
      { id: 'hello', run: async ({ log }) => void (await log(`hello ${(input as { name: string }).name}`)) },
      { id: 'bye', run: async ({ log }) => void (await log('bye')) },
    ],
  },
  {
    kind: 'test.forever',
    steps: () => [{ id: 'wait', run: ({ signal }) => new Promise((_, reject) => (signal.aborted ? reject(signal.reason) : signal.addEventListener('abort', () => reject(signal.reason)))) }],
  },
];

const people = `apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { memberOf: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: eve }
spec: { memberOf: [] }
`;

function events(body: string): { id?: string; event: string; data: any }[] {
  return body
    .trim()
    .split('\n\n')
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      return { id: fields.id, event: fields.event!, data: JSON.parse(fields.data!) };
    });
}

describe.each(DIALECTS)('the tasks API on %s', (dialect) => {
  let paved: TestPaved;
  let ada: string;
  let eve: string;
  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, {}, definitions);
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: people });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    eve = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/eve' } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('streams the log over SSE until the task ends, and replays from any sequence number', async () => {
    const task = await paved.tasks.enqueue('test.greet', { name: 'Ada' }, { createdBy: 'user:default/ada' });
    const stream = await paved.call('GET', `/api/tasks/${task.id}/events`, { token: ada });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    const received = events(stream.body);
    expect(received.at(-1)).toEqual({ event: 'completion', data: { status: 'succeeded', error: null, failedStep: null } });
    const logs = received.filter((event) => event.event === 'log');
    expect(logs.map((event) => event.data.message)).toContain('hello Ada');
    expect(logs.map((event) => Number(event.id))).toEqual(logs.map((_, index) => index + 1));

    const replay = await paved.call('GET', `/api/tasks/${task.id}/events`, { token: ada, headers: { 'last-event-id': '3' } });
    expect(events(replay.body).filter((event) => event.event === 'log').map((event) => Number(event.id))).toEqual(logs.slice(3).map((event) => Number(event.id)));
    const page = await paved.call('GET', `/api/tasks/${task.id}/logs?after=2`, { token: ada });
    expect(page.body.items[0].seq).toBe(3);
  });

  it("keeps a task to its creator: someone else gets 404, without a token 401", async () => {
    const task = await paved.tasks.enqueue('test.greet', { name: 'Ada' }, { createdBy: 'user:default/ada' });
    expect((await paved.call('GET', `/api/tasks/${task.id}`, { token: ada })).body.createdBy).toBe('user:default/ada');
    expect((await paved.call('GET', `/api/tasks/${task.id}`, { token: eve })).status).toBe(404);
    expect((await paved.call('POST', `/api/tasks/${task.id}/cancel`, { token: eve })).status).toBe(404);
    expect((await paved.call('GET', `/api/tasks/${task.id}/events`, { token: null })).status).toBe(401);
    expect((await paved.call('GET', `/api/tasks/${task.id}`)).status).toBe(200);
  });

  it('cancels a running task and retries it', async () => {
    const task = await paved.tasks.enqueue('test.forever', {}, { createdBy: 'user:default/ada' });
    const cancelled = await paved.call('POST', `/api/tasks/${task.id}/cancel`, { token: ada });
    expect(cancelled.status).toBe(200);
    const stream = await paved.call('GET', `/api/tasks/${task.id}/events`, { token: ada });
    expect(events(stream.body).at(-1)?.data.status).toBe('cancelled');
    const retried = await paved.call('POST', `/api/tasks/${task.id}/retry`, { token: ada });
    expect(retried.body).toMatchObject({ status: 'queued', attempts: 2 });
    await paved.call('POST', `/api/tasks/${task.id}/cancel`, { token: ada });
    const again = await paved.call('POST', `/api/tasks/${task.id}/cancel`, { token: ada });
    expect(['running', 'cancelled']).toContain(again.body.status);
  });
});
