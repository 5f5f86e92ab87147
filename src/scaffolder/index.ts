import path from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import type { EntityService, LocationService } from '../catalog/index.js';
import type { TemplateRenderer } from '../expressions/index.js';
import type { GitService } from '../git/index.js';
import type { TaskDefinition } from '../tasks/task-definition.js';
import type { TaskEngine } from '../tasks/task-engine.js';
import type { ActionServices, ScaffolderAction } from './actions/action.js';
import { builtinActions } from './actions/builtin-actions.js';
import { StepRunner } from './run-steps.js';
import { type ScaffolderService, createScaffolderService } from './scaffolder-service.js';
import { scaffolderRoutes } from './routes.js';
import { templateTaskDefinition } from './template-task.js';
import type { WorkspaceLimits } from './workspace/workspace.js';

export interface ScaffolderDeps {
  entities: EntityService;
  locations: LocationService;
  git: GitService;
  dataDir: string;
  baseUrl(): string;
  limits: WorkspaceLimits;
  /** Folders templates may fetch content from (the catalog's file roots). */
  templateRoots: readonly string[];
  integrations: ActionServices['integrations'];
  /** Renders every template expression off the server's thread (Paved's one pool). */
  renderer: TemplateRenderer;
  /** More actions besides the built-in ones. */
  extraActions?: readonly ScaffolderAction[];
}

export interface ScaffolderModule {
  /** The task kind a template run is; the task engine must know it. */
  taskDefinition: TaskDefinition;
  /** Mounts the API once the task engine exists. */
  routes(tasks: TaskEngine): FastifyPluginAsync;
  service(tasks: TaskEngine): ScaffolderService;
}

/** Software templates: Backstage's v1beta3 templates, run as durable tasks. */
export function createScaffolder(deps: ScaffolderDeps): ScaffolderModule {
  const actions = new Map([...builtinActions, ...(deps.extraActions ?? [])].map((action) => [action.id, action]));
  const runner = new StepRunner(actions, { git: deps.git, entities: deps.entities, locations: deps.locations, baseUrl: deps.baseUrl, integrations: deps.integrations, renderer: deps.renderer });
  const taskDefinition = templateTaskDefinition({ runner, workspaceRoot: path.join(deps.dataDir, 'scaffolder', 'workspaces'), limits: deps.limits });
  const service = (tasks: TaskEngine) => createScaffolderService({ entities: deps.entities, tasks, runner, actions, limits: deps.limits, templateRoots: deps.templateRoots });
  return { taskDefinition, service, routes: (tasks) => scaffolderRoutes(service(tasks), tasks) };
}
