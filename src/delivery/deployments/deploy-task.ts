import { isUtf8 } from 'node:buffer';
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { GitService } from '../../git/index.js';
import { InvalidInputError } from '../../errors.js';
import type { StepContext, TaskDefinition } from '../../tasks/task-definition.js';
import { stoppedToResume } from '../../tasks/task-engine.js';
import { type EnvironmentRef, type ProvisionedResource, type ProvisioningDeps, provisionResources } from '../provisioning/provision-resources.js';
import { type RouteScope, routeHostProblem } from '../provisioning/route-hosts.js';
import { adoptUnownedSharedResources } from '../provisioning/shared-resources.js';
import type { ReleaseRequest, Runtime } from '../runtime/runtime.js';
import { parseScore } from '../score/parse-score.js';
import type { ScoreWorkload } from '../score/score-workload.js';
import { resolveResourceParams, resolveWorkload } from '../score/placeholders.js';
import type { BuildStore } from './build-store.js';
import { type DeploymentResource, type DeploymentRow, SECRET_PLACEHOLDER, currentDeployment, recordEvent } from './deployment-records.js';

export const DEPLOY_TASK_KIND = 'delivery.deploy';

export interface DeployTaskInput {
  deploymentId: string;
}

export interface DeployTaskDeps {
  db: Kysely<Database>;
  git: GitService;
  builds: BuildStore;
  provisioning: ProvisioningDeps;
  runtimes: Readonly<Record<EnvironmentRef['runtime'], Runtime>>;
  environmentRef(name: string): Promise<EnvironmentRef>;
  /** The owner Paved's git records for a repository (`<namespace>/<name>`). */
  ownerOf(repository: string): Promise<string | undefined>;
  routes: Pick<RouteScope, 'routeDomain' | 'ownHosts'>;
}

/**
 * Refuses route resources whose `host` is not the workload's own (checked when a deployment is
 * asked for, and again before anything is provisioned or routed).
 */
export function checkRouteHosts(workload: ScoreWorkload, params: Record<string, Record<string, unknown>>, scope: RouteScope): void {
  for (const [name, resource] of Object.entries(workload.resources ?? {})) {
    if (resource.type !== 'route' || params[name]?.host === undefined) continue;
    const problem = routeHostProblem(params[name].host, scope);
    if (problem) throw new InvalidInputError('delivery.route_host_not_allowed', `resources.${name}.params.host: ${problem}`, { file: 'score.yaml', path: `resources.${name}.params.host` });
  }
}

const WAIT_POLL_MS = 250;

/**
 * A deployment as a durable task: `provision` (wait for the workload's earlier deployments to
 * this environment, then create or reuse every resource), then `release` (resolve placeholders,
 * hand the build to the runtime, record the new desired state). Either step failing marks the
 * deployment failed; the runtime leaves the previous version serving, so it is rolled back. A
 * Paved that stops mid-deploy resumes the step in its next life.
 */
export function deployTaskDefinition(deps: DeployTaskDeps): TaskDefinition {
  return {
    kind: DEPLOY_TASK_KIND,
    steps(rawInput) {
      const { deploymentId } = rawInput as DeployTaskInput;
      return [
        { id: 'provision', run: (context: StepContext) => recordingFailure(deps, deploymentId, context, () => provision(deps, deploymentId, context)) },
        { id: 'release', run: (context: StepContext) => recordingFailure(deps, deploymentId, context, () => release(deps, deploymentId, context)) },
      ];
    },
  };
}

async function load(deps: DeployTaskDeps, id: string): Promise<DeploymentRow> {
  return deps.db.selectFrom('delivery_deployments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function recordingFailure(deps: DeployTaskDeps, id: string, context: StepContext, work: () => Promise<unknown>): Promise<unknown> {
  try {
    return await work();
  } catch (error) {
    if (stoppedToResume(context.signal)) throw error;
    const row = await load(deps, id);
    const serving = await currentDeployment(deps.db, row.environment, row.workload);
    const message = context.signal.aborted ? `the deployment was stopped: ${(context.signal.reason as Error | undefined)?.message ?? 'cancelled'}` : (error as Error).message;
    await deps.db
      .updateTable('delivery_deployments')
      .set({ status: 'failed', error: message, rolled_back: serving && serving.id !== id ? 1 : 0, finished_at: new Date().toISOString() })
      .where('id', '=', id)
      .execute();
    await recordEvent(deps.db, { type: 'deployment.failed', environment: row.environment, workload: row.workload, deploymentId: id, commit: row.commit, detail: { error: message } });
    if (serving && serving.id !== id) {
      await context.log(`rolled back: deployment #${serving.number} (${serving.commit.slice(0, 12)}) keeps serving ${row.workload} in ${row.environment}`, 'warn');
      await recordEvent(deps.db, { type: 'deployment.rolled_back', environment: row.environment, workload: row.workload, deploymentId: id, commit: serving.commit, detail: { servingDeploymentId: serving.id } });
    }
    throw error;
  }
}

async function provision(deps: DeployTaskDeps, id: string, context: StepContext): Promise<{ resources: string[] }> {
  let row = await load(deps, id);
  await waitForEarlierDeployments(deps, row, context);
  if (!row.started_at) {
    await deps.db.updateTable('delivery_deployments').set({ status: 'deploying', started_at: new Date().toISOString() }).where('id', '=', id).execute();
    await recordEvent(deps.db, { type: 'deployment.started', environment: row.environment, workload: row.workload, deploymentId: id, commit: row.commit, detail: { reason: row.reason } });
    row = await load(deps, id);
  }
  await context.log(`deploying ${row.workload} ${row.commit.slice(0, 12)} to ${row.environment} (deployment #${row.number})`);
  const provisioned = await provisionAll(deps, row, context);
  const shown: Record<string, DeploymentResource> = Object.fromEntries(
    Object.values(provisioned).map((resource) => [
      resource.name,
      {
        type: resource.type,
        class: resource.class,
        key: resource.key,
        provisioner: resource.provisioner,
        outputs: Object.fromEntries(Object.entries(resource.outputs).map(([name, value]) => [name, resource.secretOutputs.includes(name) ? SECRET_PLACEHOLDER : value])),
        provisionMs: resource.provisionMs,
      },
    ]),
  );
  await deps.db.updateTable('delivery_deployments').set({ resources: JSON.stringify(shown), resources_ready_at: new Date().toISOString() }).where('id', '=', id).execute();
  return { resources: Object.keys(provisioned) };
}

type ReleaseLog = Pick<StepContext, 'log'> & { signal?: AbortSignal };

async function provisionAll(deps: DeployTaskDeps, row: DeploymentRow, context: ReleaseLog): Promise<Record<string, ProvisionedResource>> {
  const parsed = parseScore(row.score_yaml);
  if (!parsed.ok) throw new Error(`score.yaml is invalid: ${parsed.problems.map((problem) => problem.message).join('; ')}`);
  const params = resolveResourceParams(parsed.workload);
  if (!params.ok) throw new Error(params.problems.map((problem) => problem.message).join('; '));
  const environment = await deps.environmentRef(row.environment);
  checkRouteHosts(parsed.workload, params.params, { ...deps.routes, workload: row.workload, environment: row.environment });
  const owner = await deps.ownerOf(row.repository);
  if (!owner) throw new Error(`${row.repository} is not a repository of Paved's git any more: its workload cannot be provisioned`);
  await adoptUnownedSharedResources(deps.db, { environment: row.environment, workload: parsed.workload, owner, ownerOf: deps.ownerOf });
  return provisionResources(deps.provisioning, { environment, workload: parsed.workload, owner, params: params.params, log: (message, level) => context.log(message, level), ...(context.signal ? { signal: context.signal } : {}) });
}

async function release(deps: DeployTaskDeps, id: string, context: StepContext): Promise<{ url?: string }> {
  const row = await load(deps, id);
  const environment = await deps.environmentRef(row.environment);
  const prepared = await prepareRelease(deps, row, { log: (message, level) => context.log(message, level), signal: context.signal });
  const result = await deps.runtimes[environment.runtime].release(prepared.request);
  const configHash = prepared.configHash;
  const finishedAt = new Date().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('delivery_deployments').set({ status: 'succeeded', config_hash: configHash, finished_at: finishedAt, error: null }).where('id', '=', id).execute();
    await trx.deleteFrom('delivery_workloads').where('environment', '=', row.environment).where('workload', '=', row.workload).execute();
    await trx.insertInto('delivery_workloads').values({ environment: row.environment, workload: row.workload, deployment_id: id, updated_at: finishedAt }).execute();
  });
  const startedFrom = row.approved_by && row.started_at ? row.started_at : row.created_at;
  await recordEvent(deps.db, {
    type: 'deployment.succeeded',
    environment: row.environment,
    workload: row.workload,
    deploymentId: id,
    commit: row.commit,
    detail: { commits: JSON.parse(row.commits) as unknown, timeToReadyMs: Date.parse(finishedAt) - Date.parse(startedFrom), reason: row.reason },
  });
  await context.log(`deployment #${row.number} succeeded${result.url ? `: ${result.url}` : ''}`);
  return result;
}

/** Deployments of one workload to one environment go one at a time, in the order they were asked for. */
async function waitForEarlierDeployments(deps: DeployTaskDeps, row: DeploymentRow, context: StepContext): Promise<void> {
  let announced = false;
  for (;;) {
    const earlier = await deps.db
      .selectFrom('delivery_deployments')
      .select('number')
      .where('workload', '=', row.workload)
      .where('environment', '=', row.environment)
      .where('number', '<', row.number)
      .where('status', 'in', ['queued', 'deploying'])
      .where('task_id', 'is not', null)
      .execute();
    if (earlier.length === 0) return;
    if (!announced) {
      await context.log(`waiting for deployment${earlier.length > 1 ? 's' : ''} ${earlier.map((item) => `#${item.number}`).join(', ')} to finish`);
      announced = true;
    }
    context.signal.throwIfAborted();
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}

/**
 * What a runtime needs to run a deployment: its resources' outputs (provisioning what is
 * missing), the placeholders resolved, and the build of its commit. Deploys and the reconcile
 * after a restart both start from here, so they run the same thing.
 */
export async function prepareRelease(deps: DeployTaskDeps, row: DeploymentRow, context: ReleaseLog): Promise<{ request: ReleaseRequest; configHash: string }> {
  const environment = await deps.environmentRef(row.environment);
  const parsed = parseScore(row.score_yaml);
  if (!parsed.ok) throw new Error('score.yaml is invalid');
  const provisioned = await provisionAll(deps, row, context);
  const resolved = resolveWorkload(parsed.workload, { metadata: parsed.workload.metadata, resources: provisioned });
  if (!resolved.ok) throw new Error(`score.yaml: ${resolved.problems.map((problem) => problem.message).join('; ')}`);
  if (environment.runtime === 'kubernetes') await readFileSources(deps, row, resolved.resolved.workload);
  const needsBuild = Object.values(parsed.workload.containers).some((container) => container.image === '.');
  let buildDir: string | undefined;
  if (needsBuild && environment.runtime === 'local') {
    if (!(await deps.builds.has(row.repository, row.commit))) {
      await context.log(`no pipeline build of ${row.commit.slice(0, 12)}: deploying its source as it is in git`, 'warn');
      const [namespace, name] = row.repository.split('/') as [string, string];
      await deps.builds.exportSource(row.repository, row.commit, deps.git.directoryOf(await deps.git.get(namespace, name)), context.signal);
    }
    buildDir = deps.builds.folderOf(row.repository, row.commit);
  }
  const configHash = crypto
    .createHash('sha256')
    .update(JSON.stringify({ score: row.score_yaml, commit: row.commit, resources: Object.values(provisioned).map((resource) => [resource.key, resource.outputs]) }))
    .digest('hex');
  const routes = Object.values(provisioned).flatMap((resource) => (resource.type === 'route' && resource.outputs.host !== undefined ? [resource.outputs.host] : []));
  // Whatever a provisioner computed, the router gets only the workload's own names.
  for (const host of routes) {
    const problem = routeHostProblem(host, { ...deps.routes, workload: row.workload, environment: row.environment });
    if (problem) throw new Error(`a route resource's host: ${problem}`);
  }
  return {
    configHash,
    request: {
      deploymentId: row.id,
      environment: row.environment,
      workload: row.workload,
      resolved: resolved.resolved,
      buildDir,
      repository: row.repository,
      commit: row.commit,
      extraHosts: routes.map((host) => String(host).toLowerCase()).filter((host) => host !== `${row.workload}.${row.environment}.localhost`),
      manifests: Object.values(provisioned).flatMap((resource) => resource.manifests),
      secretValues: Object.values(provisioned).flatMap((resource) => resource.secretOutputs.map((name) => String(resource.outputs[name]))),
      endpoints: Object.values(provisioned).flatMap((resource) => {
        const { port } = resource.outputs;
        const host = resource.outputs.host ?? resource.outputs.hostname;
        return typeof host === 'string' && Number.isInteger(Number(port)) ? [{ resource: resource.name, type: resource.type, host, port: Number(port) }] : [];
      }),
      log: (message, level) => context.log(message, level),
      ...(context.signal ? { signal: context.signal } : {}),
    },
  };
}

/**
 * Score `files` with a `source` are read from the repository at the deployed commit (relative to
 * the root), for runtimes that carry file contents in their manifests.
 */
async function readFileSources(deps: DeployTaskDeps, row: DeploymentRow, workload: ScoreWorkload): Promise<void> {
  const [namespace, name] = row.repository.split('/') as [string, string];
  for (const [containerName, container] of Object.entries(workload.containers)) {
    for (const [target, file] of Object.entries(container.files ?? {})) {
      if (file.source === undefined || file.content !== undefined || file.binaryContent !== undefined) continue;
      const content = await deps.git.file(namespace, name, row.commit, file.source.replace(/^\.\//, '')).catch(() => {
        throw new Error(`containers.${containerName}.files.${target}.source: ${file.source} is not in ${row.repository} at ${row.commit.slice(0, 12)}`);
      });
      delete file.source;
      if (isUtf8(content)) file.content = content.toString('utf8');
      else file.binaryContent = content.toString('base64');
    }
  }
}
