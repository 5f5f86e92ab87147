import type { Kysely } from 'kysely';
import picomatch from 'picomatch';
import type { Logger } from 'pino';
import { authorize } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import type { Database } from '../db/database.js';
import { timeOrderedId } from '../db/time-ordered-id.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import type { GitService, PushEvent, Repository } from '../git/index.js';
import type { Task, TaskEngine } from '../tasks/task-engine.js';
import { type ParsedPipeline, nextCronTime, parsePipelineFile } from './pipeline-file.js';
import { type JobResult, PIPELINE_TASK_KIND, type PipelineTaskInput } from './pipeline-task.js';

export const PIPELINE_FILE = '.paved/pipeline.yaml';
/** Schedules are read from this branch's file, and run its head. */
export const SCHEDULE_BRANCH = 'main';
/** How many earlier runs of a branch a queued run checks before it starts. */
const UNFINISHED_LOOKBACK = 20;
const NO_COMMIT = '0'.repeat(40);

/** A run as the API shows it: what triggered it, and its task's progress. */
export interface PipelineRun {
  id: string;
  repository: string;
  number: number;
  branch: string;
  commit: string;
  event: 'push' | 'manual' | 'schedule';
  status: Task['status'];
  createdBy: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  failedJob: string | null;
  jobs: JobResult[];
}

export interface PipelinesServiceDeps {
  db: Kysely<Database>;
  git: GitService;
  tasks: TaskEngine;
  logger: Logger;
}

export function createPipelinesService(deps: PipelinesServiceDeps) {
  const { db, git, tasks } = deps;

  async function readPipeline(repository: Repository, commit: string): Promise<ParsedPipeline | undefined> {
    const text = await git.file(repository.namespace, repository.name, commit, PIPELINE_FILE).catch(() => undefined);
    return text === undefined ? undefined : parsePipelineFile(text.toString('utf8'));
  }

  async function start(repository: Repository, trigger: { branch: string; commit: string; event: PipelineRun['event']; createdBy: string }, parsed: ParsedPipeline): Promise<PipelineRun> {
    for (let attempt = 0; ; attempt++) {
      const last = await db.selectFrom('pipeline_runs').select((eb) => eb.fn.max('number').as('number')).where('namespace', '=', repository.namespace).where('name', '=', repository.name).executeTakeFirst();
      const number = Number(last?.number ?? 0) + 1;
      const input: PipelineTaskInput = {
        repository: { namespace: repository.namespace, name: repository.name, ownerRef: repository.ownerRef },
        number,
        branch: trigger.branch,
        commit: trigger.commit,
        event: trigger.event,
        concurrency: parsed.ok ? (parsed.pipeline.spec.concurrency ?? 'queue') : 'parallel',
        secrets: parsed.ok ? (parsed.pipeline.spec.secrets ?? []) : [],
        jobs: parsed.ok ? parsed.jobs : [],
        problems: parsed.ok ? [] : parsed.problems,
      };
      const id = timeOrderedId();
      try {
        // The row first: its unique number is taken before the task can start and look for runs ahead of it.
        await db
          .insertInto('pipeline_runs')
          .values({ id, namespace: repository.namespace, name: repository.name, number, branch: trigger.branch, commit: trigger.commit, event: trigger.event, created_by: trigger.createdBy, created_at: new Date().toISOString() })
          .execute();
      } catch (error) {
        // Two pushes took the same number at once: take the next.
        if (attempt >= 5) throw error;
        continue;
      }
      try {
        await tasks.enqueue(PIPELINE_TASK_KIND, input, { createdBy: trigger.createdBy, id });
      } catch (error) {
        await db.deleteFrom('pipeline_runs').where('id', '=', id).execute();
        throw error;
      }
      return get(id);
    }
  }

  async function get(id: string): Promise<PipelineRun> {
    const row = await db.selectFrom('pipeline_runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('pipelines.run_not_found', `No pipeline run ${id}`, { path: 'id' });
    // The row is written just before its task is queued: in between, the run is simply queued.
    const task = await tasks.get(id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    return {
      id,
      repository: `${row.namespace}/${row.name}`,
      number: Number(row.number),
      branch: row.branch,
      commit: row.commit,
      event: row.event,
      status: task?.status ?? 'queued',
      createdBy: row.created_by,
      createdAt: row.created_at,
      startedAt: task?.startedAt ?? null,
      finishedAt: task?.finishedAt ?? null,
      error: task?.error ?? null,
      failedJob: task?.failedStep?.startsWith('job:') ? task.failedStep.slice(4) : (task?.failedStep ?? null),
      jobs: Object.entries(task?.stepOutputs ?? {})
        .filter(([step]) => step.startsWith('job:'))
        .map(([, output]) => output as JobResult),
    };
  }

  /** Replaces a repository's schedules with those its default branch's file declares now. */
  async function keepSchedules(repository: Repository, parsed: ParsedPipeline | undefined): Promise<void> {
    const now = new Date();
    const crons = parsed?.ok ? (parsed.pipeline.spec.on.schedule ?? []).map((entry) => entry.cron) : [];
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('pipeline_schedules').where('namespace', '=', repository.namespace).where('name', '=', repository.name).execute();
      for (const cron of new Set(crons)) {
        const next = nextCronTime(cron, now);
        if (next) await trx.insertInto('pipeline_schedules').values({ namespace: repository.namespace, name: repository.name, branch: SCHEDULE_BRANCH, cron, next_at: next.toISOString() }).execute();
      }
    });
  }

  return {
    /** Starts the pipeline of each pushed branch whose file asks for it (an invalid file starts a run that fails, saying why). */
    async onPush(repository: Repository, events: PushEvent[]): Promise<void> {
      for (const event of events) {
        if (!event.ref.startsWith('refs/heads/')) continue;
        const branch = event.ref.slice('refs/heads/'.length);
        if (event.after === NO_COMMIT) {
          if (branch === SCHEDULE_BRANCH) await keepSchedules(repository, undefined);
          continue;
        }
        const parsed = await readPipeline(repository, event.after);
        if (branch === SCHEDULE_BRANCH) await keepSchedules(repository, parsed);
        if (!parsed) continue;
        if (parsed.ok) {
          const push = parsed.pipeline.spec.on.push;
          if (push === undefined) continue;
          if (push?.branches && !picomatch.isMatch(branch, push.branches)) continue;
        }
        const started = await start(repository, { branch, commit: event.after, event: 'push', createdBy: event.pusher }, parsed);
        deps.logger.info({ run: started.id, repository: started.repository, branch, number: started.number }, 'pipeline run started by a push');
      }
    },

    /** A run of a branch's head, asked for by someone who may push to the repository. */
    async startManually(principal: Principal, namespace: string, name: string, branch: string): Promise<PipelineRun> {
      const repository = await git.get(namespace, name);
      authorize(principal, 'git.repository.push', { ref: repository.path, ownerRefs: [repository.ownerRef] });
      const head = (await git.branches(namespace, name)).find((candidate) => candidate.name === branch);
      if (!head) throw new NotFoundError('pipelines.branch_not_found', `No branch ${branch} in ${namespace}/${name}`, { path: 'branch' });
      const parsed = await readPipeline(repository, head.commit);
      if (!parsed) throw new InvalidInputError('pipelines.no_pipeline', `${namespace}/${name} has no ${PIPELINE_FILE} on ${branch}`, { path: 'branch' });
      if (parsed.ok && parsed.pipeline.spec.on.manual === undefined) {
        throw new InvalidInputError('pipelines.not_manual', `The pipeline of ${namespace}/${name} has no manual trigger; add \`manual: {}\` under spec.on`, { file: PIPELINE_FILE });
      }
      return start(repository, { branch, commit: head.commit, event: 'manual', createdBy: principal.userRef }, parsed);
    },

    get,

    /**
     * Starts the runs whose schedule is due. Each firing is claimed by moving its `next_at`
     * forward with a conditional update, so of several replicas only one starts it; a firing
     * missed while Paved was down runs once, not once per missed time.
     */
    async runDueSchedules(now = new Date()): Promise<PipelineRun[]> {
      const due = await db.selectFrom('pipeline_schedules').selectAll().where('next_at', '<=', now.toISOString()).execute();
      const started: PipelineRun[] = [];
      for (const schedule of due) {
        const next = nextCronTime(schedule.cron, now);
        if (!next) continue;
        const claimed = await db
          .updateTable('pipeline_schedules')
          .set({ next_at: next.toISOString() })
          .where('namespace', '=', schedule.namespace)
          .where('name', '=', schedule.name)
          .where('cron', '=', schedule.cron)
          .where('next_at', '=', schedule.next_at)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) continue;
        const repository = await git.get(schedule.namespace, schedule.name).catch(() => undefined);
        const head = repository && (await git.branches(schedule.namespace, schedule.name)).find((branch) => branch.name === schedule.branch);
        if (!repository || !head) continue;
        const parsed = await readPipeline(repository, head.commit);
        if (!parsed) continue;
        started.push(await start(repository, { branch: schedule.branch, commit: head.commit, event: 'schedule', createdBy: `schedule:${schedule.cron}` }, parsed));
      }
      return started;
    },

    async schedules(namespace: string, name: string) {
      await git.get(namespace, name);
      const rows = await db.selectFrom('pipeline_schedules').selectAll().where('namespace', '=', namespace).where('name', '=', name).orderBy('cron').execute();
      return rows.map((row) => ({ cron: row.cron, branch: row.branch, nextAt: row.next_at }));
    },

    async list(namespace: string, name: string, query: { branch?: string; limit: number }): Promise<PipelineRun[]> {
      await git.get(namespace, name);
      let select = db.selectFrom('pipeline_runs').select('id').where('namespace', '=', namespace).where('name', '=', name);
      if (query.branch) select = select.where('branch', '=', query.branch);
      const rows = await select.orderBy('number', 'desc').limit(query.limit).execute();
      return Promise.all(rows.map((row) => get(row.id)));
    },

    /**
     * Every repository's runs, newest first: what the portal's Runs page lists. A run's status is
     * its task's, so a status filter asks the task engine for the latest tasks in that status
     * (at most 1,000) and keeps the runs among them; it does not check that repositories exist.
     */
    async listAll(query: { repository?: string; status?: PipelineRun['status']; branch?: string; limit: number }): Promise<PipelineRun[]> {
      let select = db.selectFrom('pipeline_runs').select('id');
      if (query.repository) {
        const [namespace, name] = query.repository.split('/');
        if (!namespace || !name) throw new InvalidInputError('pipelines.repository_invalid', `"${query.repository}" is not a repository; use <namespace>/<name>`, { path: 'repository' });
        select = select.where('namespace', '=', namespace).where('name', '=', name);
      }
      if (query.branch) select = select.where('branch', '=', query.branch);
      if (query.status) {
        const { tasks: inStatus } = await tasks.list({ kind: PIPELINE_TASK_KIND, status: query.status, limit: 1_000, offset: 0 });
        if (inStatus.length === 0) return [];
        select = select.where('id', 'in', inStatus.map((task) => task.id));
      }
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      return Promise.all(rows.map((row) => get(row.id)));
    },

    /** The latest run of each branch: what a repository's page (and its catalog entity) shows. */
    async latestByBranch(namespace: string, name: string): Promise<Record<string, PipelineRun>> {
      await git.get(namespace, name);
      const rows = await db.selectFrom('pipeline_runs').select(['id', 'branch', 'number']).where('namespace', '=', namespace).where('name', '=', name).orderBy('number', 'desc').execute();
      const latest = new Map<string, string>();
      for (const row of rows) if (!latest.has(row.branch)) latest.set(row.branch, row.id);
      return Object.fromEntries(await Promise.all([...latest].map(async ([branch, id]) => [branch, await get(id)] as const)));
    },

    async cancel(principal: Principal, id: string): Promise<PipelineRun> {
      const run = await get(id);
      const repository = await git.get(...(run.repository.split('/') as [string, string]));
      authorize(principal, 'git.repository.push', { ref: repository.path, ownerRefs: [repository.ownerRef] });
      await tasks.cancel(id);
      return get(id);
    },

    /** Runs a failed or cancelled run again from the job that did not finish. */
    async rerun(principal: Principal, id: string): Promise<PipelineRun> {
      const run = await get(id);
      const repository = await git.get(...(run.repository.split('/') as [string, string]));
      authorize(principal, 'git.repository.push', { ref: repository.path, ownerRefs: [repository.ownerRef] });
      await tasks.retry(id);
      return get(id);
    },

    /** Runs of the same branch, numbered before this one, that have not finished. */
    async unfinishedBefore(input: PipelineTaskInput): Promise<string[]> {
      const rows = await db
        .selectFrom('pipeline_runs')
        .select('id')
        .where('namespace', '=', input.repository.namespace)
        .where('name', '=', input.repository.name)
        .where('branch', '=', input.branch)
        .where('number', '<', input.number)
        // Queued runs wait for the one before them, so the latest few earlier runs are enough:
        // looking at the branch's whole history on every poll would grow with it.
        .orderBy('number', 'desc')
        .limit(UNFINISHED_LOOKBACK)
        .execute();
      const unfinished: string[] = [];
      for (const row of rows) {
        const run = await get(row.id);
        if (run.status === 'queued' || run.status === 'running') unfinished.push(row.id);
      }
      return unfinished;
    },
  };
}

export type PipelinesService = ReturnType<typeof createPipelinesService>;
