import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { StepContext, TaskDefinition } from '../../tasks/task-definition.js';
import { recordEvent } from '../deployments/deployment-records.js';
import { releaseWorkloadNames } from '../deployments/workload-names.js';
import { type ProvisioningDeps, deprovisionResources } from '../provisioning/provision-resources.js';
import type { Runtime } from '../runtime/runtime.js';
import { REMOVE_ENVIRONMENT_TASK_KIND, REMOVE_WORKLOAD_TASK_KIND } from './environment-service.js';

interface RemovalDeps {
  db: Kysely<Database>;
  provisioning: ProvisioningDeps;
  runtimes: Readonly<Record<'local' | 'kubernetes', Runtime>>;
}

/**
 * Removals as tasks. An environment: stop its workloads, deprovision everything it owns, then
 * forget it. A workload in an environment: stop it and deprovision the resources that are its
 * own (shared ones stay for the others). A resource that cannot be removed fails the task with
 * its reason and stays recorded (an environment stays, marked `deleting`), so nothing is left
 * behind unknown; a retry takes it up again.
 */
export function removalTaskDefinitions(deps: RemovalDeps): TaskDefinition[] {
  return [
    {
      kind: REMOVE_ENVIRONMENT_TASK_KIND,
      steps(rawInput) {
        const { environment } = rawInput as { environment: string };
        return [{ id: 'remove', run: (context: StepContext) => removeEnvironment(deps, environment, context) }];
      },
    },
    {
      kind: REMOVE_WORKLOAD_TASK_KIND,
      steps(rawInput) {
        const { environment, workload } = rawInput as { environment: string; workload: string };
        return [{ id: 'remove', run: (context: StepContext) => removeWorkload(deps, environment, workload, context) }];
      },
    },
  ];
}

async function stopWorkload(deps: RemovalDeps, environment: string, workload: string, context: StepContext): Promise<void> {
  for (const runtime of Object.values(deps.runtimes)) await runtime.stop(environment, workload);
  await deps.db.deleteFrom('delivery_workloads').where('environment', '=', environment).where('workload', '=', workload).execute();
  await context.log(`stopped ${workload}`);
}

async function removeEnvironment(deps: RemovalDeps, environment: string, context: StepContext): Promise<{ removedResources: number }> {
  const workloads = await deps.db.selectFrom('delivery_workloads').select('workload').where('environment', '=', environment).execute();
  for (const { workload } of workloads) await stopWorkload(deps, environment, workload, context);
  const { removed, failed } = await deprovisionResources(deps.provisioning, environment, { log: (message, level) => context.log(message, level) });
  if (failed.length > 0) throw new Error(`environment ${environment} keeps ${failed.length} resource(s) it could not remove: ${failed.join('; ')}`);
  await releaseWorkloadNames(deps.db, environment);
  await deps.db.deleteFrom('delivery_environments').where('name', '=', environment).execute();
  await recordEvent(deps.db, { type: 'environment.deleted', environment, detail: { removedResources: removed } });
  await context.log(`environment ${environment} removed (${removed} resource(s) deprovisioned)`);
  return { removedResources: removed };
}

async function removeWorkload(deps: RemovalDeps, environment: string, workload: string, context: StepContext): Promise<{ removedResources: number }> {
  await stopWorkload(deps, environment, workload, context);
  const { removed, failed } = await deprovisionResources(deps.provisioning, environment, { workload, log: (message, level) => context.log(message, level) });
  if (failed.length > 0) throw new Error(`${workload} in ${environment} keeps ${failed.length} resource(s) that could not be removed: ${failed.join('; ')}`);
  // Only now, with nothing of it left, may another repository take the name.
  await releaseWorkloadNames(deps.db, environment, workload);
  await recordEvent(deps.db, { type: 'workload.removed', environment, workload, detail: { removedResources: removed } });
  await context.log(`${workload} removed from ${environment} (${removed} resource(s) deprovisioned)`);
  return { removedResources: removed };
}
