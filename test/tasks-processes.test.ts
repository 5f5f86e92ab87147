import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createTaskEngine } from '../src/tasks/task-engine.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';

const WORKER = path.resolve(import.meta.dirname, 'support/task-worker-process.ts');

function startWorker(schema: string, workerId: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, schema, workerId], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${workerId} exited with ${code}`)));
  });
}

/** Several Paved processes on one PostgreSQL share one queue; each task runs exactly once. */
describe.runIf(DIALECTS.includes('postgres'))('tasks across processes on PostgreSQL', () => {
  let paved: TestPaved;
  const workers: ChildProcess[] = [];
  async function stopWorkers() {
    const running = workers.splice(0).filter((worker) => worker.exitCode === null && worker.signalCode === null);
    for (const worker of running) worker.kill('SIGTERM');
    await Promise.all(running.map((worker) => new Promise((resolve) => worker.once('exit', resolve))));
  }
  afterAll(async () => {
    await stopWorkers();
    await paved?.close();
  });

  it('drains 1,000 tasks with two processes, running each exactly once', async () => {
    paved = await startTestPaved('postgres');
    const { db } = paved.database;
    await sql`create table task_runs (task_id text not null, worker text not null)`.execute(db);
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s;
    // Only the enqueueing side: this engine is never started, it just writes tasks.
    const producer = createTaskEngine({ db, logger: pino({ level: 'silent' }), definitions: [{ kind: 'trivial', steps: () => [] }] });
    for (let i = 0; i < 1000; i++) await producer.enqueue('trivial', { i }, { createdBy: 'system' });
    workers.push(await startWorker(schema, 'process-a'), await startWorker(schema, 'process-b'));

    const deadline = Date.now() + 90_000;
    let left = 1000;
    while (left > 0 && Date.now() < deadline) {
      left = Number((await sql<{ n: number }>`select count(*) as n from tasks where status <> 'succeeded'`.execute(db)).rows[0]!.n);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(left).toBe(0);
    const runs = (await sql<{ task_id: string; worker: string }>`select task_id, worker from task_runs`.execute(db)).rows;
    expect(runs).toHaveLength(1000);
    expect(new Set(runs.map((run) => run.task_id)).size).toBe(1000);
    const byWorker = new Set(runs.map((run) => run.worker));
    expect(byWorker).toEqual(new Set(['process-a', 'process-b']));
  }, 120_000);

  it('resumes a task whose process was killed with SIGKILL, after its last finished step', async () => {
    const { db } = paved.database;
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s;
    const producer = createTaskEngine({ db, logger: pino({ level: 'silent' }), definitions: [{ kind: 'two-steps', steps: () => [] }] });
    await stopWorkers();
    const task = await producer.enqueue('two-steps', {}, { createdBy: 'system' });
    const doomed = await startWorker(schema, 'doomed', { TASK_LEASE_MS: '1000' });
    workers.push(doomed);
    const deadline = Date.now() + 30_000;
    const runsOf = async () => (await sql<{ task_id: string; worker: string }>`select task_id, worker from task_runs where task_id like ${`${task.id}:%`}`.execute(db)).rows;
    // Kill it once the first step is recorded as finished, while the second is under way.
    while (!('first' in (await producer.get(task.id)).stepOutputs) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    doomed.kill('SIGKILL');
    await new Promise((resolve) => doomed.once('exit', resolve));
    expect((await producer.get(task.id)).status).toBe('running');

    workers.push(await startWorker(schema, 'rescuer', { TASK_LEASE_MS: '1000' }));
    let status = 'running';
    while (status !== 'succeeded' && Date.now() < deadline) {
      status = (await producer.get(task.id)).status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe('succeeded');
    expect((await runsOf()).map((run) => `${run.task_id.split(':')[1]} by ${run.worker}`).sort()).toEqual(['first by doomed', 'second by rescuer']);
  }, 60_000);
});
