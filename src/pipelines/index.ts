import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { GitService } from '../git/index.js';
import type { LimitCeilings, Sandbox, SandboxLimits } from '../sandbox/index.js';
import type { SecretsService } from '../secrets/index.js';
import type { TaskDefinition } from '../tasks/task-definition.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import { createArtifactStore } from './artifacts.js';
import { type Executor, createLocalExecutor } from './local-executor.js';
import { type PipelineDeployer, pipelineTaskDefinition } from './pipeline-task.js';
import { type PipelinesService, createPipelinesService } from './pipelines-service.js';
import { pipelineRoutes } from './routes.js';
import { webhookRoutes } from './webhooks.js';
import type { Config } from '../config.js';

export { pipelinesMigrations } from './migrations.js';
export type { PipelineDeployer } from './pipeline-task.js';

export interface PipelinesModule {
  taskDefinition: TaskDefinition;
  /** Once the task engine exists: starts runs on pushes and mounts the API; `start` runs the schedules. */
  attach(tasks: TaskEngine): { service: PipelinesService; routes: FastifyPluginAsync; start(): void; stop(): void };
}

/** CI: `.paved/pipeline.yaml` of a repository in Paved's git runs on push, as durable tasks. */
export function createPipelines(deps: {
  db: Kysely<Database>;
  git: GitService;
  secrets: SecretsService;
  dataDir: string;
  logger: Logger;
  integrations: Config['integrations'];
  /** How often due schedules are looked for. */
  scheduleCheckMs: number;
  /** Where steps run (`createSandbox`): a run is refused while it is unavailable. */
  sandbox: Sandbox;
  /** A job's sandbox limits where its pipeline file sets none. */
  defaultLimits: SandboxLimits;
  /** The most a pipeline file may ask for. */
  limitCeilings: LimitCeilings;
  executor?: Executor;
  /** Who `deploy:` steps deploy with; known once the delivery module is. */
  deployer?: () => PipelineDeployer | undefined;
  /** The component a repository holds, as the catalog vouches for it (see `componentOfRepository`); none: only the owner's secrets. */
  componentOf?: (repository: string) => Promise<string | undefined>;
}): PipelinesModule {
  let service: PipelinesService | undefined;
  const artifacts = createArtifactStore(path.join(deps.dataDir, 'pipelines', 'artifacts'));
  const taskDefinition = pipelineTaskDefinition({
    artifacts,
    git: deps.git,
    secrets: deps.secrets,
    executor: deps.executor ?? createLocalExecutor(deps.sandbox),
    sandbox: deps.sandbox,
    defaultLimits: deps.defaultLimits,
    limitCeilings: deps.limitCeilings,
    workRoot: path.join(deps.dataDir, 'pipelines', 'work'),
    async secretScopesOf(repository) {
      const component = await deps.componentOf?.(`${repository.namespace}/${repository.name}`);
      return [...(component ? [component] : []), repository.ownerRef];
    },
    unfinishedBefore: (input) => service!.unfinishedBefore(input),
    deployer: deps.deployer ?? (() => undefined),
  });
  return {
    taskDefinition,
    attach(tasks) {
      service = createPipelinesService({ db: deps.db, git: deps.git, tasks, logger: deps.logger });
      const attached = service;
      deps.git.onPush((repository, events) => {
        attached.onPush(repository, events).catch((error: unknown) => deps.logger.error({ err: error, repository: `${repository.namespace}/${repository.name}` }, 'could not start pipeline runs'));
      });
      const api = pipelineRoutes(attached, tasks, artifacts);
      const webhooks = webhookRoutes({ git: deps.git, integrations: deps.integrations, logger: deps.logger });
      let timer: NodeJS.Timeout | undefined;
      return {
        service: attached,
        start() {
          timer ??= setInterval(() => {
            attached.runDueSchedules().catch((error: unknown) => deps.logger.error({ err: error }, 'could not start scheduled pipeline runs'));
          }, deps.scheduleCheckMs);
          timer.unref();
        },
        stop() {
          clearInterval(timer);
          timer = undefined;
        },
        routes: async (app) => {
          await app.register(api);
          await app.register(webhooks, { prefix: '/webhooks' });
        },
      };
    },
  };
}
