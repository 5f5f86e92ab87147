import type { Principal } from '../access/principal.js';
import type { PipelineDeployer } from '../pipelines/index.js';
import { followTask } from '../tasks/follow-task.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import type { DeliveryService } from './delivery-service.js';

/**
 * How a pipeline's `deploy:` step deploys: as the pipeline run, with the rights of the
 * repository's owner (who may push, and so may have the pipeline deploy), asked for by whoever
 * caused the run (its task's creator: the pusher git recorded, or who started it), so that they
 * cannot approve it themselves.
 */
export function createPipelineDeployer(delivery: DeliveryService, tasks: TaskEngine): PipelineDeployer {
  return {
    async deploy(input) {
      const principal: Principal = { userRef: input.run, isAdmin: false, ownershipRefs: [input.repository.ownerRef] };
      const { createdBy: requestedBy } = await tasks.get(input.runTaskId);
      const deployment = await delivery.deployFromPipeline(principal, {
        repository: `${input.repository.namespace}/${input.repository.name}`,
        commit: input.commit,
        branch: input.branch,
        environment: input.environment,
        buildDir: input.buildDir,
        requestedBy,
        ...(input.scorePath ? { scorePath: input.scorePath } : {}),
      });
      return { id: deployment.id, environment: deployment.environment, status: deployment.status };
    },

    async follow(id, onLine, signal) {
      for await (const progress of followTask(tasks, id, 0)) {
        if (progress.type === 'log') await onLine(progress.line.message);
        else break;
        if (signal.aborted) throw signal.reason;
      }
      const deployment = await delivery.getDeployment(id);
      return { status: deployment.status, error: deployment.error };
    },
  };
}
