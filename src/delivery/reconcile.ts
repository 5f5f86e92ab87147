import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { type DeployTaskDeps, prepareRelease } from './deployments/deploy-task.js';
import type { EnvironmentService } from './environments/environment-service.js';
import type { LocalRuntime } from './runtime/local/local-runtime.js';

/**
 * Brings the local runtime to the recorded desired state: every workload of a local environment
 * runs its current deployment. Run at start (a restarted Paved has nothing running) and then
 * now and again. A workload with a deployment in flight is left to it, and a crash-looping one to
 * its supervisor; one that cannot come back is logged and tried again on the next pass.
 */
export function createReconciler(deps: { db: Kysely<Database>; environments: EnvironmentService; local: LocalRuntime; deploy: DeployTaskDeps; logger: Logger }) {
  let running = false;
  return async function reconcile(): Promise<void> {
    if (running) return;
    running = true;
    try {
      const desired = await deps.db.selectFrom('delivery_workloads as w').innerJoin('delivery_deployments as d', 'd.id', 'w.deployment_id').selectAll('d').execute();
      for (const row of desired) {
        const environment = await deps.environments.ref(row.environment).catch(() => undefined);
        if (environment?.runtime !== 'local') continue;
        if (deps.local.status(row.environment).some((instance) => instance.workload === row.workload && instance.deploymentId === row.id)) continue;
        const inFlight = await deps.db
          .selectFrom('delivery_deployments')
          .select('id')
          .where('workload', '=', row.workload)
          .where('environment', '=', row.environment)
          .where('status', 'in', ['queued', 'deploying'])
          .executeTakeFirst();
        if (inFlight) continue;
        const context = { environment: row.environment, workload: row.workload, deployment: row.id };
        try {
          const prepared = await prepareRelease(deps.deploy, row, { log: async (message, level = 'info') => deps.logger[level](context, message) });
          await deps.local.release(prepared.request);
          deps.logger.info(context, 'brought a workload back to its recorded deployment');
        } catch (error) {
          deps.logger.error({ ...context, err: error }, 'could not bring a workload back to its recorded deployment');
        }
      }
    } finally {
      running = false;
    }
  };
}
