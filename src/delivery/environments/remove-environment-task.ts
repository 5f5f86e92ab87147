import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { StepContext, TaskDefinition } from '../../tasks/task-definition.js';
import { recordEvent } from '../deployments/deployment-records.js';
import { type ProvisioningDeps, deprovisionResources } from '../provisioning/provision-resources.js';
import type { Runtime } from '../runtime/runtime.js';
import { REMOVE_ENVIRONMENT_TASK_KIND } from './environment-service.js';

/**
 * Removing an environment as a task: stop its workloads, deprovision everything it owns, then
 * forget it. A resource that cannot be removed fails the task with its reason and keeps the
 * environment (marked `deleting`), so nothing is left behind unknown; a retry takes it up again.
 */
export function removeEnvironmentTaskDefinition(deps: { db: Kysely<Database>; provisioning: ProvisioningDeps; runtimes: Readonly<Record<'local' | 'kubernetes', Runtime>> }): TaskDefinition {
  return {
    kind: REMOVE_ENVIRONMENT_TASK_KIND,
    steps(rawInput) {
      const { environment } = rawInput as { environment: string };
      return [{ id: 'remove', run: (context: StepContext) => remove(deps, environment, context) }];
    },
  };
}

async function remove(deps: Parameters<typeof removeEnvironmentTaskDefinition>[0], environment: string, context: StepContext): Promise<{ removedResources: number }> {
  const workloads = await deps.db.selectFrom('delivery_workloads').select('workload').where('environment', '=', environment).execute();
  for (const { workload } of workloads) {
    for (const runtime of Object.values(deps.runtimes)) await runtime.stop(environment, workload);
    await context.log(`stopped ${workload}`);
  }
  await deps.db.deleteFrom('delivery_workloads').where('environment', '=', environment).execute();
  const { removed, failed } = await deprovisionResources(deps.provisioning, environment, { log: (message, level) => context.log(message, level) });
  if (failed.length > 0) throw new Error(`environment ${environment} keeps ${failed.length} resource(s) it could not remove: ${failed.join('; ')}`);
  await deps.db.deleteFrom('delivery_environments').where('name', '=', environment).execute();
  await recordEvent(deps.db, { type: 'environment.deleted', environment, detail: { removedResources: removed } });
  await context.log(`environment ${environment} removed (${removed} resource(s) deprovisioned)`);
  return { removedResources: removed };
}
