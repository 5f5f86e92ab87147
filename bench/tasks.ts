/**
 * Task throughput: how many trivial tasks per second two worker processes drain from one
 * PostgreSQL queue, and whether each ran exactly once.
 *
 *   npx tsx bench/tasks.ts [--tasks 2000] [--processes 2]
 *
 * Each worker is `test/support/task-worker-process.ts` (a task engine with concurrency 8) as its
 * own OS process; the tasks are enqueued before the workers start, so the figure is pure drain
 * rate: claims with leases, a step, its output, logs and the finish, all in PostgreSQL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { pino } from 'pino';
import { createDatabase } from '../src/db/create-database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { tasksMigrations } from '../src/tasks/migrations.js';
import { createTaskEngine } from '../src/tasks/task-engine.js';
import { POSTGRES_URL } from '../test/support/test-paved.js';

const { values } = parseArgs({ options: { tasks: { type: 'string', default: '2000' }, processes: { type: 'string', default: '2' } } });
const taskCount = Number(values.tasks);
const processCount = Number(values.processes);
const schema = 'bench_tasks';
const worker = path.resolve(import.meta.dirname, '../test/support/task-worker-process.ts');

const setup = await createDatabase({ url: POSTGRES_URL });
await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(setup.db);
await setup.close();
const database = await createDatabase({ url: POSTGRES_URL, schema });
await migrateToLatest(database.db, [tasksMigrations], schema);
await sql`create table task_runs (task_id text not null, worker text not null)`.execute(database.db);
const producer = createTaskEngine({ db: database.db, logger: pino({ level: 'silent' }), definitions: [{ kind: 'trivial', steps: () => [] }] });
for (let i = 0; i < taskCount; i++) await producer.enqueue('trivial', { i }, { createdBy: 'bench' });

const children: ChildProcess[] = [];
for (let i = 0; i < processCount; i++) {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, schema, `process-${i}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  children.push(child);
}
const started = performance.now();
let left = taskCount;
while (left > 0) {
  left = Number((await sql<{ n: number }>`select count(*) as n from tasks where status <> 'succeeded'`.execute(database.db)).rows[0]!.n);
  if (left > 0) await new Promise((resolve) => setTimeout(resolve, 50));
}
const seconds = (performance.now() - started) / 1000;
for (const child of children) child.kill('SIGTERM');
const runs = (await sql<{ task_id: string }>`select task_id from task_runs`.execute(database.db)).rows;
const exactlyOnce = runs.length === taskCount && new Set(runs.map((run) => run.task_id)).size === taskCount;
await database.close();

console.log(`tasks: ${taskCount} trivial tasks, ${processCount} worker processes (concurrency 8 each), PostgreSQL`);
console.log(`  drained in ${seconds.toFixed(2)} s: ${(taskCount / seconds).toFixed(0)} tasks/s (target ≥ 200)`);
console.log(`  each ran exactly once: ${exactlyOnce ? 'yes' : `NO (${runs.length} runs)`}`);
process.exit(exactlyOnce ? 0 : 1);
