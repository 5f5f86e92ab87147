import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { systemPrincipal } from '../access/principal.js';
import { ConfigError } from '../config.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { GitService, Repository } from '../git/index.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { SecretsService } from '../secrets/index.js';
import type { TaskDefinition } from '../tasks/task-definition.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import { type DeliveryService, createDeliveryService, findRepository } from './delivery-service.js';
import { createBuildStore } from './deployments/build-store.js';
import { type DeployTaskDeps, deployTaskDefinition } from './deployments/deploy-task.js';
import { createReconciler } from './reconcile.js';
import { createEnvironmentService } from './environments/environment-service.js';
import { removalTaskDefinitions } from './environments/removal-tasks.js';
import { createDirectoryDriver } from './provisioning/drivers/directory-driver.js';
import type { ResourceDriver } from './provisioning/drivers/driver.js';
import { createPortDriver } from './provisioning/drivers/port-driver.js';
import { createPostgresDriver } from './provisioning/drivers/postgres-driver.js';
import { createRedisDriver } from './provisioning/drivers/redis-driver.js';
import type { TemplateRenderer } from '../expressions/index.js';
import type { ProvisioningDeps } from './provisioning/provision-resources.js';
import { type Provisioner, loadProvisioners } from './provisioning/provisioner-file.js';
import { type RouteScope, isPavedsHost } from './provisioning/route-hosts.js';
import { createKubernetesRuntime } from './runtime/kubernetes-runtime.js';
import { type LocalRuntimeDeps, createLocalRuntime } from './runtime/local/local-runtime.js';
import { HostRouter } from './runtime/local/router.js';
import { deliveryRoutes } from './routes.js';

export { deliveryMigrations } from './migrations.js';
export type { DeliveryService } from './delivery-service.js';
export type { Deployment } from './deployments/deployment-records.js';
export { HostRouter } from './runtime/local/router.js';
export { isPavedsHost } from './provisioning/route-hosts.js';

/** Paved's built-in provisioners (postgres, redis, volume, service-port, route). */
const BUILT_IN_PROVISIONERS = path.join(PACKAGE_ROOT, 'provisioners');
const PREVIEW_SWEEP_MS = 60_000;
const RECONCILE_MS = 30_000;

export interface DeliveryModule {
  taskDefinitions: TaskDefinition[];
  /** Paved's HTTP server hands it requests first: `<workload>.<environment>.localhost` goes to workloads. */
  router: HostRouter;
  attach(tasks: TaskEngine): {
    service: DeliveryService;
    routes: FastifyPluginAsync;
    /** Creates the configured environments that are missing. */
    prepare(): Promise<void>;
    /** Brings workloads back to their recorded deployments (in the background) and sweeps expired previews. */
    start(): void;
    stop(): Promise<void>;
  };
}

/** Delivery (CD): environments, resources from provisioners, deployments as tasks, the local and kubernetes runtimes. */
export function createDelivery(deps: {
  db: Kysely<Database>;
  git: GitService;
  secrets: SecretsService;
  dataDir: string;
  config: Config['delivery'];
  logger: Logger;
  componentOf(repository: string): Promise<string | undefined>;
  ownersOf(ref: string): Promise<string[]>;
  routerPort(): number;
  cloneUrl(repository: Repository): string;
  adminOwner: string;
  /** Renders provisioner files off the server's thread (Paved's one rendering pool). */
  renderer: TemplateRenderer;
  /** Paved's own host names (its base URL's, where it listens): the router never hands them to a workload. */
  ownHosts(): string[];
  /** Where the local runtime's workloads run (Paved's sandbox), their default limits, and whether they get egress. */
  workloadSandbox: Pick<LocalRuntimeDeps, 'sandbox' | 'defaultLimits' | 'egress'>;
}): DeliveryModule {
  for (const environment of deps.config.environments) {
    if (!deps.config.environmentTypes[environment.type]) throw new ConfigError(`delivery.environments: ${environment.name} has type "${environment.type}", which delivery.environmentTypes does not define`);
  }
  const provisioners = [...loadProvisioners(deps.config.provisionerFolders), ...loadProvisioners([BUILT_IN_PROVISIONERS])];
  const drivers = new Map<string, ResourceDriver>();
  const addDriver = (driver: ResourceDriver) => drivers.set(driver.name, driver);
  if (deps.config.postgresUrl) addDriver(createPostgresDriver({ adminUrl: deps.config.postgresUrl }));
  if (deps.config.redisUrl) addDriver(createRedisDriver({ url: deps.config.redisUrl }));
  addDriver(createDirectoryDriver({ root: path.join(deps.dataDir, 'delivery', 'volumes') }));
  addDriver(createPortDriver({ range: [20_000, 29_999], taken: () => portsHeld(deps.db, provisioners, (sealed, context) => deps.secrets.unseal(sealed, context)) }));
  const provisioning: ProvisioningDeps = {
    db: deps.db,
    provisioners,
    drivers,
    seal: (text, context) => deps.secrets.seal(text, context),
    unseal: (sealed, context) => deps.secrets.unseal(sealed, context),
    router: () => ({ host: 'localhost', port: deps.routerPort() }),
    renderer: deps.renderer,
  };

  const ownHosts = () => ['localhost', ...deps.ownHosts().map((host) => host.toLowerCase())];
  const routes: Pick<RouteScope, 'routeDomain' | 'ownHosts'> = {
    routeDomain: deps.config.routeDomain,
    get ownHosts() {
      return ownHosts();
    },
  };
  const router = new HostRouter((host) => isPavedsHost(host, ownHosts(), deps.config.routeDomain));
  const ownerOf = async (repository: string) => (await findRepository(deps.git, repository))?.ownerRef;
  const local = createLocalRuntime({
    dataDir: deps.dataDir,
    router,
    readinessTimeoutMs: deps.config.readinessTimeoutSeconds * 1000,
    restartBackoffMs: deps.config.restartBackoffMs,
    routerPort: deps.routerPort,
    logger: deps.logger,
    ...deps.workloadSandbox,
  });
  const kubernetes = createKubernetesRuntime({ git: deps.git, registry: deps.config.registry, ingressDomain: deps.config.ingressDomain, owner: deps.adminOwner, cloneUrl: deps.cloneUrl });
  const runtimes = { local, kubernetes };
  const builds = createBuildStore(path.join(deps.dataDir, 'delivery', 'builds'));
  let engine: TaskEngine | undefined;
  const environments = createEnvironmentService({ db: deps.db, config: deps.config, tasks: () => engine! });
  const deployDeps: DeployTaskDeps = { db: deps.db, git: deps.git, builds, provisioning, runtimes, environmentRef: (name) => environments.ref(name), ownerOf, routes };

  return {
    router,
    taskDefinitions: [deployTaskDefinition(deployDeps), ...removalTaskDefinitions({ db: deps.db, provisioning, runtimes })],
    attach(tasks) {
      engine = tasks;
      const service = createDeliveryService({
        db: deps.db,
        git: deps.git,
        tasks,
        builds,
        environments,
        runtimes,
        config: deps.config,
        componentOf: deps.componentOf,
        ownersOf: deps.ownersOf,
        unseal: provisioning.unseal,
        routes,
      });
      let sweeper: NodeJS.Timeout | undefined;
      let reconciler: NodeJS.Timeout | undefined;
      const reconcile = createReconciler({ db: deps.db, environments, local, deploy: deployDeps, logger: deps.logger });
      const sweep = async (names: string[], why: string) => {
        for (const name of names) {
          await environments.remove(systemPrincipal, name).catch((error: unknown) => deps.logger.warn({ err: error, environment: name }, `could not remove a preview (${why})`));
        }
      };
      deps.git.onPush((repository, events) => {
        for (const event of events) {
          if (!event.ref.startsWith('refs/heads/') || !/^0+$/.test(event.after)) continue;
          environments
            .previewsOf(`${repository.namespace}/${repository.name}`, event.ref.slice('refs/heads/'.length))
            .then((names) => sweep(names, 'its branch was deleted'))
            .catch((error: unknown) => deps.logger.error({ err: error }, 'could not look up previews of a deleted branch'));
        }
      });
      return {
        service,
        routes: deliveryRoutes({ delivery: service, environments, tasks, local, provisioners }),
        prepare: () => environments.ensureConfigured(),
        start() {
          local.reapOrphans();
          // No instance runs yet: builds replaced while one ran from them can go now.
          void builds.sweepRetired().catch((error: unknown) => deps.logger.warn({ err: error }, 'could not remove replaced builds'));
          // In the background: a workload that cannot come back must not hold up Paved's start.
          const reconcileInBackground = () => void reconcile().catch((error: unknown) => deps.logger.error({ err: error }, 'reconcile failed'));
          reconcileInBackground();
          reconciler ??= setInterval(reconcileInBackground, RECONCILE_MS);
          reconciler.unref();
          sweeper ??= setInterval(() => {
            environments
              .expired(new Date())
              .then((names) => sweep(names, 'it expired'))
              .catch((error: unknown) => deps.logger.error({ err: error }, 'could not sweep expired previews'));
          }, PREVIEW_SWEEP_MS);
          sweeper.unref();
        },
        async stop() {
          clearInterval(sweeper);
          clearInterval(reconciler);
          sweeper = undefined;
          reconciler = undefined;
          await local.close();
          await kubernetes.close();
          await Promise.all([...drivers.values()].map((driver) => driver.close()));
        },
      };
    },
  };
}

/** Ports that resources made by the port driver hold, so that a restarted Paved hands out none of them again. */
async function portsHeld(db: Kysely<Database>, provisioners: readonly Provisioner[], unseal: (sealed: string, context: string) => string): Promise<Set<number>> {
  const names = provisioners.filter((provisioner) => provisioner.spec.create?.driver === 'port').map((provisioner) => provisioner.metadata.name);
  if (names.length === 0) return new Set();
  const rows = await db.selectFrom('delivery_resources').select(['id', 'state_sealed']).where('provisioner', 'in', names).execute();
  const ports = rows.flatMap((row) => {
    if (!row.state_sealed) return [];
    const state = JSON.parse(unseal(row.state_sealed, `${row.id}/state`)) as { port?: number };
    return typeof state.port === 'number' ? [state.port] : [];
  });
  return new Set(ports);
}
