import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { accessMigrations, createAccess } from './access/index.js';
import { resolveAdminToken } from './access/bootstrap-admin-token.js';
import { systemPrincipal } from './access/principal.js';
import { auditMigrations, createAudit } from './audit/index.js';
import { catalogMigrations, createCatalog } from './catalog/index.js';
import type { Config } from './config.js';
import { type DatabaseConnection, createDatabase } from './db/create-database.js';
import { createDelivery, deliveryMigrations } from './delivery/index.js';
import { NotFoundError } from './errors.js';
import { createPipelineDeployer } from './delivery/pipeline-deployer.js';
import { migrateToLatest } from './db/migrate.js';
import { buildApp } from './http/build-app.js';
import { PACKAGE_ROOT } from './package-root.js';
import { createGit, gitMigrations } from './git/index.js';
import { type PipelineDeployer, createPipelines, pipelinesMigrations } from './pipelines/index.js';
import { type Sandbox, createSandbox, defaultLimits, limitCeilings, parseMemoryQuantity } from './sandbox/index.js';
import { createScaffolder } from './scaffolder/index.js';
import { createTemplateRenderer } from './expressions/index.js';
import { createSecrets, secretsMigrations } from './secrets/index.js';
import { createHttpMetrics } from './http/metrics.js';
import { tasksMigrations } from './tasks/migrations.js';
import { taskRoutes } from './tasks/routes.js';
import type { TaskDefinition } from './tasks/task-definition.js';
import { type TaskEngine, createTaskEngine } from './tasks/task-engine.js';

/** Where the demo organization's descriptors ship inside the package. */
const DEMO_DIR = path.join(PACKAGE_ROOT, 'demo');
/** The portal, as `npm install` builds it (web/ → dist/web). */
const PORTAL_DIR = path.join(PACKAGE_ROOT, 'dist', 'web');
/** Paved's own golden-path templates. */
const GOLDEN_PATHS_DIR = path.join(PACKAGE_ROOT, 'golden-paths');

export interface Paved {
  app: FastifyInstance;
  database: DatabaseConnection;
  logger: Logger;
  tasks: TaskEngine;
  /** Where user code runs (pipeline steps, local workloads). */
  sandbox: Sandbox;
  /** Set when this start generated the administrator token (first start without PAVED_ADMIN_TOKEN). */
  generatedAdminToken?: string;
  /** Starts background work (location refresh). `listen` is the caller's. */
  start(): void;
  close(): Promise<void>;
}

/**
 * The one place the modules are wired together. Order matters: the database and its migrations
 * come first; the catalog before access, because access asks the catalog who belongs to which
 * group; the HTTP app last, since it mounts every module's routes.
 */
export async function createPaved(config: Config, options: { logger?: Logger; taskDefinitions?: readonly TaskDefinition[] } = {}): Promise<Paved> {
  const logger =
    options.logger ??
    pino({ level: config.logLevel, redact: { paths: ['req.headers.authorization', '*.token', '*.password'], censor: '[redacted]' } });
  const database = await createDatabase({
    url: config.databaseUrl,
    schema: config.databaseSchema,
    sqliteFile: path.join(config.dataDir, 'paved.sqlite'),
  });
  const { db } = database;
  await migrateToLatest(db, [auditMigrations, accessMigrations, catalogMigrations, deliveryMigrations, gitMigrations, pipelinesMigrations, secretsMigrations, tasksMigrations], database.dialect === 'postgres' ? (config.databaseSchema ?? 'public') : undefined);

  const audit = createAudit({ db });
  const fileRoots = [...config.catalog.fileRoots, ...(config.demo ? [DEMO_DIR] : []), ...(config.goldenPaths ? [GOLDEN_PATHS_DIR] : [])];
  const catalog = createCatalog({
    db,
    logger: logger.child({ module: 'catalog' }),
    reader: {
      fileRoots,
      urlAllow: config.catalog.urlAllow,
      maxFileBytes: config.catalog.maxFileBytes,
      fetchTimeoutMs: config.catalog.fetchTimeoutMs,
    },
    // Users and groups (hence every right, administrators' included) only from trusted locations.
    trust: { adminGroups: config.adminGroups, trustedLocations: config.catalog.trustedLocations },
    refreshIntervalSeconds: config.catalog.refreshIntervalSeconds,
  });
  const git = createGit({ db, dataDir: config.dataDir });
  // User code runs only in the sandbox. What a previous Paved left running in it (a crash) is
  // killed before the task engine can retry its jobs, so no step runs twice at once.
  const sandbox = await createSandbox({ config, logger: logger.child({ module: 'sandbox' }) });
  await sandbox.reapLeftovers();
  const secrets = await createSecrets({ db, dataDir: config.dataDir, masterKey: config.masterKey, ownersOf: (ref) => catalog.entities.ownersOf(ref) }).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  // A repository's component counts only if the repository's owner (git's records) owns it.
  const componentOf = async (repository: string): Promise<string | undefined> => {
    const [namespace = '', name = ''] = repository.split('/');
    // Only "no such repository" means no component; a failing database fails the run's lookup.
    const stored = await git.service.get(namespace, name).catch((error: unknown) => {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    });
    return stored ? catalog.entities.componentOfRepository({ path: `${stored.namespace}/${stored.name}`, ownerRef: stored.ownerRef }) : undefined;
  };
  // One pool of rendering workers for every user template (template runs, provisioner files).
  const renderer = createTemplateRenderer(config.rendering);
  let app: FastifyInstance | undefined;
  let pipelineDeployer: PipelineDeployer | undefined;
  const scaffolder = createScaffolder({
    entities: catalog.entities,
    locations: catalog.locations,
    git: git.service,
    dataDir: config.dataDir,
    // Links handed out by templates (clone URLs) need the address, known once listening.
    baseUrl: () => config.baseUrl?.replace(/\/$/, '') ?? listeningUrl(app) ?? `http://localhost:${config.port}`,
    limits: { maxBytes: config.scaffolder.maxOutputBytes, maxFiles: config.scaffolder.maxFiles },
    templateRoots: fileRoots,
    integrations: config.integrations,
    renderer,
  });
  const pipelines = createPipelines({
    db,
    git: git.service,
    secrets: secrets.service,
    dataDir: config.dataDir,
    logger: logger.child({ module: 'pipelines' }),
    integrations: config.integrations,
    scheduleCheckMs: config.pipelines.scheduleCheckSeconds * 1000,
    sandbox,
    defaultLimits: defaultLimits(config),
    limitCeilings: limitCeilings(config),
    deployer: () => pipelineDeployer,
    componentOf,
  });
  const delivery = guardStart(database, () => createDelivery({
    db,
    git: git.service,
    secrets: secrets.service,
    dataDir: config.dataDir,
    config: config.delivery,
    logger: logger.child({ module: 'delivery' }),
    componentOf,
    ownersOf: (ref) => catalog.entities.ownersOf(ref),
    routerPort: () => (app?.server.address() as { port?: number } | null)?.port ?? config.port,
    cloneUrl: (repository) => `${config.baseUrl?.replace(/\/$/, '') ?? listeningUrl(app) ?? `http://localhost:${config.port}`}/git/${repository.namespace}/${repository.name}.git`,
    adminOwner: config.adminGroups[0] ?? 'group:default/paved-admins',
    renderer,
    ownHosts: () => [config.baseUrl, listeningUrl(app)].flatMap((url) => (url ? [new URL(url).hostname] : [])),
    workloadSandbox: {
      sandbox,
      defaultLimits: { memoryBytes: parseMemoryQuantity(config.sandbox.workloadMemory)!, cpus: config.sandbox.workloadCpus, pids: config.sandbox.workloadPids },
      egress: config.sandbox.workloadEgress,
    },
  }));
  // Slow and side-effecting work (template runs, pipelines, deployments) becomes tasks.
  const tasks = createTaskEngine({
    db,
    logger: logger.child({ module: 'tasks' }),
    // Secrets given to a task (a template run's tokens) are sealed under the master key at rest.
    sealer: { seal: (text, context) => secrets.service.seal(text, context), unseal: (sealed, context) => secrets.service.unseal(sealed, context) },
    secretsRetentionMs: config.tasks.secretsRetentionHours * 3_600_000,
    definitions: [scaffolder.taskDefinition, pipelines.taskDefinition, ...delivery.taskDefinitions, ...(options.taskDefinitions ?? [])],
  });
  const pipelineApi = pipelines.attach(tasks);
  const deliveryApi = delivery.attach(tasks);
  await deliveryApi.prepare();
  pipelineDeployer = createPipelineDeployer(deliveryApi.service, tasks);
  const adminToken = resolveAdminToken(config.adminToken, config.dataDir);
  const access = createAccess({
    db,
    directory: catalog.entities,
    adminTokenHash: adminToken.hash,
    adminGroups: config.adminGroups,
    tokenLifetime: { defaultDays: config.access.tokenDefaultTtlDays, maxDays: config.access.tokenMaxTtlDays },
  });

  if (config.demo && (await db.selectFrom('catalog_locations').select('id').limit(1).execute()).length === 0) {
    await catalog.locations.add(systemPrincipal, { type: 'file', target: path.join(DEMO_DIR, 'catalog-info.yaml') }, { dryRun: false });
  }
  const goldenPaths = { type: 'file' as const, target: path.join(GOLDEN_PATHS_DIR, 'catalog-info.yaml') };
  if (config.goldenPaths && !(await catalog.locations.list()).some((location) => location.target === goldenPaths.target)) {
    await catalog.locations.add(systemPrincipal, goldenPaths, { dryRun: false });
  }

  app = await buildApp({
    logger,
    access: access.service,
    bodyLimit: config.bodyLimit,
    failedAuthPerMinute: config.access.failedAuthPerMinute,
    trustedProxies: config.access.trustedProxies,
    streamRecheckMs: config.access.streamRecheckSeconds * 1000,
    metrics: createHttpMetrics(),
    hostRouter: delivery.router,
    portalDir: PORTAL_DIR,
    mounts: [
      { prefix: '/api/catalog', routes: catalog.routes },
      { prefix: '/api/access', routes: access.routes },
      { prefix: '/api/audit', routes: audit.routes },
      { prefix: '/api/tasks', routes: taskRoutes(tasks) },
      { prefix: '/api/scaffolder', routes: scaffolder.routes(tasks) },
      { prefix: '/api/git', routes: git.routes },
      { prefix: '/api/secrets', routes: secrets.routes },
      { prefix: '/api/pipelines', routes: pipelineApi.routes },
      { prefix: '/api/delivery', routes: deliveryApi.routes },
      { prefix: '/git', routes: git.smartHttp },
    ],
    async health() {
      const taskWorker = tasks.healthy() ? { ok: true } : { ok: false, message: 'the task worker cannot reach the database' };
      try {
        await db.selectFrom('catalog_state').select('version').executeTakeFirst();
        return { status: taskWorker.ok ? 'ok' : 'degraded', checks: { database: { ok: true }, taskWorker } };
      } catch (error) {
        return { status: 'degraded', checks: { database: { ok: false, message: (error as Error).message }, taskWorker } };
      }
    },
  });

  return {
    app,
    database,
    logger,
    tasks,
    sandbox,
    ...(adminToken.generated ? { generatedAdminToken: adminToken.generated } : {}),
    start() {
      catalog.start();
      tasks.start();
      pipelineApi.start();
      deliveryApi.start();
    },
    async close() {
      pipelineApi.stop();
      await app.close();
      await catalog.stop();
      await tasks.stop();
      await deliveryApi.stop();
      await sandbox.close();
      await renderer.close();
      await database.close();
    },
  };
}

/** Closes the database when a module refuses to start (bad provisioner files), so nothing is left open. */
function guardStart<T>(database: DatabaseConnection, create: () => T): T {
  try {
    return create();
  } catch (error) {
    void database.close();
    throw error;
  }
}

/** `http://localhost:<port>` once the server listens (the port may have been chosen by the OS). */
function listeningUrl(app: FastifyInstance | undefined): string | undefined {
  const address = app?.server.address();
  return address && typeof address === 'object' ? `http://localhost:${address.port}` : undefined;
}
