import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TaskEngine, createTaskEngine } from '../src/tasks/task-engine.js';
import type { TaskDefinition } from '../src/tasks/task-definition.js';
import { claimTask, recordStepOutput } from '../src/tasks/task-store.js';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { createDatabase } from '../src/db/create-database.js';
import type { Database } from '../src/db/database.js';
import { until } from './support/until.js';
import { DIALECTS, POSTGRES_URL, type TestPaved, startTestPaved } from './support/test-paved.js';

const logger = pino({ level: 'silent' });


function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.each(DIALECTS)('durable tasks on %s', (dialect) => {
  let paved: TestPaved;
  const engines: TaskEngine[] = [];
  const runs: string[] = [];
  let failSecondStepOnce = true;
  let concurrent = 0;
  let maxConcurrent = 0;

  const definitions: TaskDefinition[] = [
    {
      kind: 'test.two-steps',
      steps: () => [
        { id: 'first', run: async ({ taskId, log }) => (runs.push(`${taskId}:first`), await log('hello from first'), { value: 1 }) },
        { id: 'second', run: async ({ taskId, outputs }) => (runs.push(`${taskId}:second`), { sum: (outputs.first as { value: number }).value + 1 }) },
      ],
    },
    {
      kind: 'test.flaky',
      steps: () => [
        { id: 'first', run: async ({ taskId }) => void runs.push(`${taskId}:first`) },
        {
          id: 'second',
          run: async ({ taskId }) => {
            runs.push(`${taskId}:second`);
            if (failSecondStepOnce) {
              failSecondStepOnce = false;
              throw new Error('the disk is full');
            }
          },
        },
      ],
    },
    {
      kind: 'test.child-process',
      steps: () => [
        {
          id: 'sleep',
          run: ({ signal, log }) =>
            new Promise((resolve, reject) => {
              const child = spawn('sleep', ['30'], { signal });
              void log(`pid ${child.pid}`);
              child.on('error', reject);
              child.on('exit', resolve);
            }),
        },
      ],
    },
    {
      kind: 'test.slow',
      steps: () => [
        {
          id: 'wait',
          run: async ({ signal }) => {
            concurrent++;
            maxConcurrent = Math.max(maxConcurrent, concurrent);
            await new Promise((resolve) => setTimeout(resolve, 150));
            concurrent--;
            if (signal.aborted) throw signal.reason;
          },
        },
      ],
    },
    { kind: 'test.count', steps: () => [{ id: 'count', run: async ({ taskId }) => void runs.push(taskId) }] },
    {
      kind: 'test.interruptible',
      steps: () => [
        { id: 'first', run: async ({ taskId }) => void runs.push(`${taskId}:first`) },
        {
          id: 'second',
          run: async ({ taskId, signal }) => {
            runs.push(`${taskId}:second`);
            if (runs.filter((run) => run === `${taskId}:second`).length > 1) return 'done';
            return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
          },
        },
      ],
    },
  ];

  function engine(options: { concurrency?: number; leaseMs?: number; workerId?: string } = {}) {
    const created = createTaskEngine({ db: paved.database.db, logger, definitions, pollMs: 20, leaseMs: 1_000, ...options });
    engines.push(created);
    return created;
  }

  beforeAll(async () => {
    paved = await startTestPaved(dialect);
  });
  afterAll(async () => {
    await Promise.all(engines.map((created) => created.stop()));
    await paved?.close();
  });

  it('runs the steps in order, passes outputs along and keeps numbered logs', async () => {
    const tasks = engine();
    tasks.start();
    const queued = await tasks.enqueue('test.two-steps', { name: 'x' }, { createdBy: 'user:default/ada' });
    const done = await until(() => tasks.get(queued.id), (task) => task.status === 'succeeded');
    expect(done.stepOutputs).toEqual({ first: { value: 1 }, second: { sum: 2 } });
    const logs = await tasks.logs(queued.id);
    expect(logs.map((line) => line.seq)).toEqual(logs.map((_, index) => index + 1));
    expect(logs.map((line) => line.message)).toContain('hello from first');
    expect((await tasks.logs(queued.id, 2)).every((line) => line.seq > 2)).toBe(true);
    await tasks.stop();
  });

  it('takes over a task whose worker died, resuming after its last finished step', async () => {
    const tasks = engine();
    const queued = await tasks.enqueue('test.two-steps', {}, { createdBy: 'user:default/ada' });
    // A worker claims it, finishes the first step, and dies (no more heartbeats) with its lease expiring.
    const claimed = await claimTask(paved.database.db, 'dead-worker', new Date(), new Date(Date.now() + 200));
    expect(claimed?.id).toBe(queued.id);
    await recordStepOutput(paved.database.db, claimed!, 'dead-worker', { first: { value: 41 } });
    tasks.start();
    const done = await until(() => tasks.get(queued.id), (task) => task.status === 'succeeded');
    expect(done.stepOutputs).toEqual({ first: { value: 41 }, second: { sum: 42 } });
    expect(runs.filter((run) => run.startsWith(queued.id))).toEqual([`${queued.id}:second`]);
    await tasks.stop();
  });

  it('leaves a task it was running when stopped for the next worker, which resumes it at that step', async () => {
    const first = engine({ leaseMs: 300 });
    first.start();
    const queued = await first.enqueue('test.interruptible', {}, { createdBy: 'user:default/ada' });
    await until(async () => runs.includes(`${queued.id}:second`), (started) => started);
    await first.stop();
    expect((await first.get(queued.id)).status).toBe('running');
    const second = engine({ leaseMs: 300 });
    second.start();
    const done = await until(() => second.get(queued.id), (task) => task.status === 'succeeded');
    expect(done.stepOutputs).toEqual({ first: null, second: 'done' });
    expect(runs.filter((run) => run.startsWith(queued.id))).toEqual([`${queued.id}:first`, `${queued.id}:second`, `${queued.id}:second`]);
    await second.stop();
  });

  it('retries a failed task from the step that failed', async () => {
    const tasks = engine();
    tasks.start();
    const queued = await tasks.enqueue('test.flaky', {}, { createdBy: 'user:default/ada' });
    const failed = await until(() => tasks.get(queued.id), (task) => task.status === 'failed');
    expect(failed).toMatchObject({ failedStep: 'second', error: 'the disk is full' });
    await tasks.retry(queued.id);
    const done = await until(() => tasks.get(queued.id), (task) => task.status === 'succeeded');
    expect(done.attempts).toBe(2);
    expect(runs.filter((run) => run.startsWith(queued.id))).toEqual([`${queued.id}:first`, `${queued.id}:second`, `${queued.id}:second`]);
    await expect(tasks.retry(queued.id)).rejects.toThrow(/only failed or cancelled/);
    await tasks.stop();
  });

  it('cancels a running task and kills its child process', async () => {
    const tasks = engine({ leaseMs: 300 });
    tasks.start();
    const queued = await tasks.enqueue('test.child-process', {}, { createdBy: 'user:default/ada' });
    const started = await until(() => tasks.logs(queued.id), (lines) => lines.some((line) => line.message.startsWith('pid ')));
    const pid = Number(started.find((line) => line.message.startsWith('pid '))!.message.slice(4));
    expect(isAlive(pid)).toBe(true);
    await tasks.cancel(queued.id);
    const cancelled = await until(() => tasks.get(queued.id), (task) => task.status === 'cancelled');
    expect(cancelled.status).toBe('cancelled');
    expect(await until(async () => isAlive(pid), (alive) => !alive)).toBe(false);
    await tasks.stop();
  });

  it('fails a task that runs past its timeout', async () => {
    const tasks = engine();
    tasks.start();
    const queued = await tasks.enqueue('test.child-process', {}, { createdBy: 'user:default/ada', timeoutMs: 200 });
    const failed = await until(() => tasks.get(queued.id), (task) => task.status === 'failed');
    expect(failed).toMatchObject({ failedStep: 'sleep', error: 'timed out after 200 ms' });
    await tasks.stop();
  });

  it('runs no more tasks at once than its concurrency', async () => {
    const tasks = engine({ concurrency: 2 });
    const queued = await Promise.all(Array.from({ length: 6 }, () => tasks.enqueue('test.slow', {}, { createdBy: 'user:default/ada' })));
    tasks.start();
    for (const task of queued) await until(() => tasks.get(task.id), (current) => current.status === 'succeeded');
    expect(maxConcurrent).toBe(2);
    await tasks.stop();
  });

  it('lets several workers share one queue, running each task exactly once', async () => {
    const count = 200;
    const before = runs.length;
    const first = engine({ concurrency: 4, workerId: 'worker-a' });
    const queued = await Promise.all(Array.from({ length: count }, () => first.enqueue('test.count', {}, { createdBy: 'system' })));
    const second = engine({ concurrency: 4, workerId: 'worker-b' });
    first.start();
    second.start();
    for (const task of queued) await until(() => first.get(task.id), (current) => current.status === 'succeeded');
    const ran = runs.slice(before);
    expect(ran).toHaveLength(count);
    expect(new Set(ran).size).toBe(count);
    await Promise.all([first.stop(), second.stop()]);
  });
});

describe('the task worker and an unreachable database', () => {
  it('keeps going through terminated PostgreSQL connections', async () => {
    if (!DIALECTS.includes('postgres')) return;
    const paved = await startTestPaved('postgres');
    const runs: string[] = [];
    const tasks = createTaskEngine({
      db: paved.database.db,
      logger,
      pollMs: 20,
      definitions: [{ kind: 'test.count', steps: () => [{ id: 'count', run: async ({ taskId }) => void runs.push(taskId) }] }],
    });
    tasks.start();
    try {
      const first = await tasks.enqueue('test.count', {}, { createdBy: 'system' });
      await until(() => tasks.get(first.id), (task) => task.status === 'succeeded');
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(paved.database.db)).rows[0]!.s;
      const admin = new pg.Client({ connectionString: POSTGRES_URL });
      await admin.connect();
      const terminated = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [`paved:${schema}`]);
      await admin.end();
      expect(terminated.rowCount).toBeGreaterThan(0);
      const second = await until(
        () => tasks.enqueue('test.count', {}, { createdBy: 'system' }).catch(() => undefined),
        (task) => task !== undefined,
      );
      const done = await until(() => tasks.get(second!.id).catch(() => undefined), (task) => task?.status === 'succeeded');
      expect(done?.status).toBe('succeeded');
      expect(tasks.healthy()).toBe(true);
    } finally {
      await tasks.stop();
      await paved.close();
    }
  });

  it('reports itself unhealthy while it cannot reach the database, without crashing', async () => {
    const unreachable = await createDatabase({ url: 'postgres://postgres@127.0.0.1:1/none' }).catch((error: Error) => error);
    expect(unreachable).toBeInstanceOf(Error);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', connectionTimeoutMillis: 200 }) }) });
    const tasks = createTaskEngine({ db, logger, pollMs: 20, definitions: [] });
    tasks.start();
    try {
      expect(await until(async () => tasks.healthy(), (healthy) => !healthy)).toBe(false);
    } finally {
      await tasks.stop();
      await db.destroy();
    }
  });
});
