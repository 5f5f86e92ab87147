import type { Kysely } from 'kysely';
import { authorize } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import { recordAuditEvents } from '../audit/audit-log.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { timeOrderedId } from '../db/time-ordered-id.js';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors.js';
import type { GitService, Repository } from '../git/index.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import { DEPLOY_TASK_KIND, checkRouteHosts } from './deployments/deploy-task.js';
import type { RouteScope } from './provisioning/route-hosts.js';
import { type Deployment, type DeploymentRow, currentDeployment, toDeployment } from './deployments/deployment-records.js';
import type { BuildStore } from './deployments/build-store.js';
import { claimWorkloadName, isSameRepository, workloadOwner } from './deployments/workload-names.js';
import { type EnvironmentService, REMOVE_WORKLOAD_TASK_KIND } from './environments/environment-service.js';
import { createDeliveryViews } from './delivery-views.js';
import type { Runtime } from './runtime/runtime.js';
import { parseScore } from './score/parse-score.js';
import { resolveResourceParams } from './score/placeholders.js';

export interface DeliveryServiceDeps {
  db: Kysely<Database>;
  git: GitService;
  tasks: TaskEngine;
  builds: BuildStore;
  environments: EnvironmentService;
  runtimes: Readonly<Record<'local' | 'kubernetes', Runtime>>;
  config: Config['delivery'];
  /** The catalog component whose code a repository holds (its `paved.dev/git-repository` annotation). */
  componentOf(repository: string): Promise<string | undefined>;
  ownersOf(ref: string): Promise<string[]>;
  unseal(sealed: string, context: string): string;
  routes: Pick<RouteScope, 'routeDomain' | 'ownHosts'>;
}

export interface DeployRequest {
  repository: string;
  environment: string;
  /** A commit or branch; the default branch's tip when absent. */
  ref?: string;
  /** Where the workload's Score file is in the repository. */
  scorePath?: string;
}

const SCORE_PATH = 'score.yaml';

export function createDeliveryService(deps: DeliveryServiceDeps) {
  const { db } = deps;

  async function ownersOfRepository(repository: string): Promise<{ owners: string[]; componentRef: string | undefined }> {
    const [namespace, name] = splitRepository(repository);
    const stored = await deps.git.get(namespace, name);
    const componentRef = await deps.componentOf(repository);
    const owners = new Set([stored.ownerRef, ...(componentRef ? await deps.ownersOf(componentRef) : [])]);
    return { owners: [...owners], componentRef };
  }

  async function readScore(repository: string, commit: string, scorePath: string): Promise<string> {
    const [namespace, name] = splitRepository(repository);
    try {
      return (await deps.git.file(namespace, name, commit, scorePath)).toString('utf8');
    } catch {
      throw new InvalidInputError('delivery.no_score_file', `${repository} has no ${scorePath} at ${commit.slice(0, 12)}: a workload is described by a Score file (score.dev)`, {
        path: 'scorePath',
        hint: 'Add a score.yaml to the repository root, or pass scorePath.',
      });
    }
  }

  /** Commits the environment gets for the first time with this commit: since what it runs now. */
  async function commitsSince(repository: string, commit: string, environment: string, workload: string): Promise<{ sha: string; at: string }[]> {
    const [namespace, name] = splitRepository(repository);
    const serving = await currentDeployment(db, environment, workload);
    const log = await deps.git.log(namespace, name, commit, 200).catch(() => []);
    const carried: { sha: string; at: string }[] = [];
    for (const entry of log) {
      if (serving && entry.id === serving.commit) break;
      carried.push({ sha: entry.id, at: entry.time });
    }
    return carried;
  }

  /**
   * `requestedBy`: the person who caused the deployment when the principal acts for someone (a
   * pipeline run for whoever pushed); they may not approve it.
   */
  async function create(
    actor: { principal: Principal; reason: Deployment['reason']; sourceDeploymentId?: string; requestedBy?: string },
    input: { repository: string; commit: string; scoreYaml: string; environment: string; componentRef: string | undefined },
  ): Promise<Deployment> {
    const parsed = parseScore(input.scoreYaml);
    if (!parsed.ok) {
      throw new InvalidInputError('delivery.invalid_score', `score.yaml is invalid: ${parsed.problems.map((problem) => `line ${problem.line ?? '?'}: ${problem.message}`).join('; ')}`, {
        file: 'score.yaml',
        problems: parsed.problems.map((problem) => ({ path: problem.path, message: problem.message, ...(problem.line ? { line: problem.line } : {}) })),
      });
    }
    const environment = await deps.environments.get(input.environment);
    const type = deps.config.environmentTypes[environment.type]!;
    const stored = await deps.git.get(...splitRepository(input.repository));
    const workload = parsed.workload.metadata.name;
    const params = resolveResourceParams(parsed.workload);
    if (params.ok) checkRouteHosts(parsed.workload, params.params, { ...deps.routes, workload, environment: environment.name });
    const commits = await commitsSince(input.repository, input.commit, environment.name, workload);
    const id = timeOrderedId();
    const now = new Date().toISOString();
    const status = type.requiresApproval ? 'awaiting_approval' : 'queued';
    await db.transaction().execute(async (trx) => {
      // The workload's identity is its repository's, from Paved's records: the score's name only
      // picks which of the repository's workloads this is.
      await claimWorkloadName(trx, { environment: environment.name, workload, repository: { repository: input.repository, createdAt: stored.createdAt } });
      const last = await trx.selectFrom('delivery_deployments').select('number').where('workload', '=', workload).where('environment', '=', environment.name).orderBy('number', 'desc').limit(1).executeTakeFirst();
      await trx
        .insertInto('delivery_deployments')
        .values({
          id,
          number: Number(last?.number ?? 0) + 1,
          workload,
          environment: environment.name,
          component_ref: input.componentRef ?? null,
          repository: input.repository,
          commit: input.commit,
          score_yaml: input.scoreYaml,
          config_hash: null,
          resources: null,
          reason: actor.reason,
          source_deployment_id: actor.sourceDeploymentId ?? null,
          commits: JSON.stringify(commits),
          status,
          error: null,
          rolled_back: 0,
          created_by: actor.principal.userRef,
          requested_by: actor.requestedBy ?? actor.principal.userRef,
          created_at: now,
          approved_by: null,
          started_at: null,
          resources_ready_at: null,
          finished_at: null,
          task_id: status === 'queued' ? id : null,
        })
        .execute();
      await recordAuditEvents(trx, [
        { actor: actor.principal.userRef, action: `delivery.${actor.reason}`, target: `deployment:${environment.name}/${workload}`, details: { deploymentId: id, commit: input.commit } },
      ]);
    });
    if (status === 'queued') await deps.tasks.enqueue(DEPLOY_TASK_KIND, { deploymentId: id }, { createdBy: actor.principal.userRef, id });
    return getDeployment(id);
  }

  async function getDeployment(id: string): Promise<Deployment> {
    const row = await db.selectFrom('delivery_deployments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new NotFoundError('delivery.deployment_not_found', `No deployment ${id}`);
    return toDeployment(row);
  }

  async function authorizeDeploy(principal: Principal, repository: string, environment: string): Promise<string | undefined> {
    const { owners, componentRef } = await ownersOfRepository(repository);
    authorize(principal, 'delivery.deploy', { ref: `${environment}/${repository}`, ownerRefs: owners });
    return componentRef;
  }

  async function resolveCommit(repository: string, ref: string | undefined): Promise<string> {
    const [namespace, name] = splitRepository(repository);
    const [latest] = await deps.git.log(namespace, name, ref ?? 'HEAD', 1).catch(() => []);
    if (!latest) throw new InvalidInputError('delivery.unknown_revision', `${repository} has no commit ${ref ?? '(empty repository)'}`, { path: 'ref' });
    return latest.id;
  }

  return {
    ...createDeliveryViews({ db, runtimes: deps.runtimes, unseal: deps.unseal }),

    /** Deploys a revision of a repository (API, CLI). */
    async deploy(principal: Principal, request: DeployRequest): Promise<Deployment> {
      await deps.environments.get(request.environment);
      const componentRef = await authorizeDeploy(principal, request.repository, request.environment);
      const commit = await resolveCommit(request.repository, request.ref);
      const scoreYaml = await readScore(request.repository, commit, request.scorePath ?? SCORE_PATH);
      return create({ principal, reason: 'deploy' }, { repository: request.repository, commit, scoreYaml, environment: request.environment, componentRef });
    },

    /**
     * A pipeline's deploy step: the job's folder becomes the build of the commit. The pipeline
     * acts for whoever pushed; a preview environment is made for the branch when asked for.
     */
    async deployFromPipeline(principal: Principal, input: { repository: string; commit: string; branch: string; environment: string; buildDir: string; scorePath?: string; requestedBy: string }): Promise<Deployment> {
      const environment = input.environment === 'preview' ? await deps.environments.ensurePreview(principal, input.repository, input.branch) : input.environment;
      await deps.environments.get(environment);
      const componentRef = await authorizeDeploy(principal, input.repository, environment);
      const scoreYaml = await readScore(input.repository, input.commit, input.scorePath ?? SCORE_PATH);
      await deps.builds.saveFrom(input.repository, input.commit, input.buildDir);
      return create({ principal, reason: 'deploy', requestedBy: input.requestedBy }, { repository: input.repository, commit: input.commit, scoreYaml, environment, componentRef });
    },

    /** The same revision, score and all, to the next environment (or the one named). */
    async promote(principal: Principal, deploymentId: string, to?: string): Promise<Deployment> {
      const source = await getDeployment(deploymentId);
      if (source.status !== 'succeeded') throw new ConflictError('delivery.not_promotable', `deployment ${deploymentId} is ${source.status}; only a succeeded deployment can be promoted`);
      const target = to ?? deps.environments.nextAfter(source.environment);
      if (!target) throw new InvalidInputError('delivery.no_next_environment', `${source.environment} is the last environment; name one with "to"`, { path: 'to' });
      const componentRef = await authorizeDeploy(principal, source.repository, target);
      const row = await db.selectFrom('delivery_deployments').select('score_yaml').where('id', '=', deploymentId).executeTakeFirstOrThrow();
      return create({ principal, reason: 'promote', sourceDeploymentId: deploymentId }, { repository: source.repository, commit: source.commit, scoreYaml: row.score_yaml, environment: target, componentRef });
    },

    /** Deploys an earlier deployment's revision again: the one named, or the one before what runs now. */
    async rollback(principal: Principal, input: { environment: string; workload: string; to?: string }): Promise<Deployment> {
      const serving = await currentDeployment(db, input.environment, input.workload);
      if (!serving) throw new NotFoundError('delivery.workload_not_deployed', `${input.workload} is not deployed in ${input.environment}`);
      let target: DeploymentRow | undefined;
      if (input.to) {
        target = await db.selectFrom('delivery_deployments').selectAll().where('id', '=', input.to).executeTakeFirst();
        if (!target || target.workload !== input.workload || target.environment !== input.environment || target.status !== 'succeeded') {
          throw new InvalidInputError('delivery.not_a_rollback_target', `deployment ${input.to} is not a succeeded deployment of ${input.workload} in ${input.environment}`, { path: 'to' });
        }
      } else {
        target = await db
          .selectFrom('delivery_deployments')
          .selectAll()
          .where('workload', '=', input.workload)
          .where('environment', '=', input.environment)
          .where('status', '=', 'succeeded')
          .where('number', '<', serving.number)
          .where('commit', '!=', serving.commit)
          .orderBy('number', 'desc')
          .limit(1)
          .executeTakeFirst();
        if (!target) throw new ConflictError('delivery.nothing_to_roll_back_to', `${input.workload} in ${input.environment} has no earlier succeeded deployment of another commit`);
      }
      const componentRef = await authorizeDeploy(principal, target.repository, input.environment);
      return create({ principal, reason: 'rollback', sourceDeploymentId: target.id }, { repository: target.repository, commit: target.commit, scoreYaml: target.score_yaml, environment: input.environment, componentRef });
    },

    /** An owner (not the one who asked, unless an administrator) lets a deployment to a protected environment go. */
    async approve(principal: Principal, deploymentId: string, decision: 'approve' | 'reject'): Promise<Deployment> {
      const deployment = await getDeployment(deploymentId);
      if (deployment.status !== 'awaiting_approval') throw new ConflictError('delivery.not_awaiting_approval', `deployment ${deploymentId} is ${deployment.status}, not awaiting approval`);
      const { owners } = await ownersOfRepository(deployment.repository);
      authorize(principal, 'delivery.approve', { ref: `${deployment.environment}/${deployment.repository}`, ownerRefs: owners });
      if ((deployment.createdBy === principal.userRef || deployment.requestedBy === principal.userRef) && !principal.isAdmin) {
        throw new ForbiddenError('delivery.self_approval', `${principal.userRef} ${deployment.createdBy === principal.userRef ? 'asked for' : `caused ${deployment.createdBy}, which asked for`} deployment ${deploymentId}; another owner of ${deployment.repository} must approve it`, {
          hint: 'Ask a teammate who owns the repository to approve it.',
        });
      }
      const now = new Date().toISOString();
      const updated = await db
        .updateTable('delivery_deployments')
        .set(decision === 'approve' ? { status: 'queued', approved_by: principal.userRef, task_id: deploymentId } : { status: 'rejected', approved_by: principal.userRef, finished_at: now })
        .where('id', '=', deploymentId)
        .where('status', '=', 'awaiting_approval')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new ConflictError('delivery.not_awaiting_approval', `deployment ${deploymentId} was decided meanwhile`);
      await recordAuditEvents(db, [{ actor: principal.userRef, action: `delivery.${decision}`, target: `deployment:${deployment.environment}/${deployment.workload}`, details: { deploymentId } }]);
      if (decision === 'approve') await deps.tasks.enqueue(DEPLOY_TASK_KIND, { deploymentId }, { createdBy: deployment.createdBy, id: deploymentId });
      return getDeployment(deploymentId);
    },

    /** Takes a workload out of an environment: it stops, and the resources that are its own are deprovisioned (a task). */
    async removeWorkload(principal: Principal, environment: string, workload: string): Promise<{ taskId: string }> {
      const serving = await currentDeployment(db, environment, workload);
      if (!serving) throw new NotFoundError('delivery.workload_not_deployed', `${workload} is not deployed in ${environment}`);
      // Whoever owns the repository that owns the name may remove it (not whoever deployed last);
      // when that repository is gone, or another was made under its name, only administrators.
      const claim = (await workloadOwner(db, environment, workload)) ?? { repository: serving.repository, createdAt: null };
      const stored = await findRepository(deps.git, claim.repository);
      const owners = stored && isSameRepository(claim, { repository: claim.repository, createdAt: stored.createdAt }) ? (await ownersOfRepository(claim.repository)).owners : [];
      authorize(principal, 'delivery.deploy', { ref: `${environment}/${claim.repository}`, ownerRefs: owners });
      await recordAuditEvents(db, [{ actor: principal.userRef, action: 'delivery.workload.remove', target: `deployment:${environment}/${workload}` }]);
      const task = await deps.tasks.enqueue(REMOVE_WORKLOAD_TASK_KIND, { environment, workload }, { createdBy: principal.userRef });
      return { taskId: task.id };
    },

    /** Stops a deployment that has not finished; what served before keeps serving. */
    async cancel(principal: Principal, deploymentId: string): Promise<Deployment> {
      const deployment = await getDeployment(deploymentId);
      // Whoever asked for a deployment may call it off, as may anyone who may deploy it.
      if (deployment.createdBy !== principal.userRef) {
        const { owners } = await ownersOfRepository(deployment.repository);
        authorize(principal, 'delivery.deploy', { ref: `${deployment.environment}/${deployment.repository}`, ownerRefs: owners });
      }
      if (!['awaiting_approval', 'queued', 'deploying'].includes(deployment.status)) throw new ConflictError('delivery.deployment_finished', `deployment ${deploymentId} is ${deployment.status}`);
      if (deployment.taskId) await deps.tasks.cancel(deployment.taskId).catch(() => undefined);
      await db
        .updateTable('delivery_deployments')
        .set({ status: 'failed', error: `cancelled by ${principal.userRef}`, finished_at: new Date().toISOString() })
        .where('id', '=', deploymentId)
        .where('status', 'in', ['awaiting_approval', 'queued'])
        .execute();
      await recordAuditEvents(db, [{ actor: principal.userRef, action: 'delivery.cancel', target: `deployment:${deployment.environment}/${deployment.workload}`, details: { deploymentId } }]);
      return getDeployment(deploymentId);
    },

    getDeployment,

    /** Checks a score.yaml without deploying it. */
    validateScore(text: string) {
      const parsed = parseScore(text);
      return parsed.ok ? { valid: true as const, workload: parsed.workload.metadata.name, problems: [] } : { valid: false as const, problems: parsed.problems };
    },


  };
}

export type DeliveryService = ReturnType<typeof createDeliveryService>;

/** The repository as Paved's git records it, or undefined when there is none of that name (any other failure is thrown). */
export async function findRepository(git: Pick<GitService, 'get'>, repository: string): Promise<Repository | undefined> {
  return git.get(...splitRepository(repository)).catch((error: unknown) => {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  });
}

export function splitRepository(repository: string): [string, string] {
  const match = /^([a-z0-9][a-z0-9._-]*)\/([a-z0-9][a-z0-9._-]*)$/i.exec(repository);
  if (!match) throw new InvalidInputError('delivery.invalid_repository', `"${repository}" is not a repository of Paved's git: use <namespace>/<name>`, { path: 'repository' });
  return [match[1]!, match[2]!];
}
