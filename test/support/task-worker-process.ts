/**
 * A separate OS process running one task engine on a shared PostgreSQL schema, for tests and the
 * task benchmark: `node --import tsx test/support/task-worker-process.ts <schema> <workerId>`.
 * Every run of a `trivial` task is recorded in `task_runs` (one row per run, never deduplicated),
 * so the caller can check that each task ran exactly once. A `two-steps` task records each step
 * (`<id>:first`, `<id>:second`), the second after a pause, for kill -9 tests. Stops on SIGTERM;
 * `TASK_LEASE_MS` shortens the lease.
 */
import { sql } from 'kysely';
import { pino } from 'pino';
import { createDatabase } from '../../src/db/create-database.js';
import { createTaskEngine } from '../../src/tasks/task-engine.js';
import { POSTGRES_URL } from './test-paved.js';

const [schema, workerId] = process.argv.slice(2);
if (!schema || !workerId) throw new Error('usage: task-worker-process.ts <schema> <workerId>');

const database = await createDatabase({ url: POSTGRES_URL, schema });
const engine = createTaskEngine({
  db: database.db,
  logger: pino({ level: 'warn' }),
  workerId,
  concurrency: 8,
  pollMs: 10,
  leaseMs: Number(process.env.TASK_LEASE_MS ?? 30_000),
  definitions: [
    {
      kind: 'trivial',
      steps: () => [{ id: 'run', run: async ({ taskId }) => void (await sql`insert into task_runs (task_id, worker) values (${taskId}, ${workerId})`.execute(database.db)) }],
    },
    {
      kind: 'two-steps',
      steps: () => [
        { id: 'first', run: async ({ taskId }) => void (await sql`insert into task_runs (task_id, worker) values (${`${taskId}:first`}, ${workerId})`.execute(database.db)) },
        {
          id: 'second',
          run: async ({ taskId, signal }) => {
            await new Promise((resolve) => setTimeout(resolve, 1_500));
            if (!signal.aborted) await sql`insert into task_runs (task_id, worker) values (${`${taskId}:second`}, ${workerId})`.execute(database.db);
          },
        },
      ],
    },
  ],
});
engine.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void engine.stop().then(() => database.close()).then(() => process.exit(0));
});
