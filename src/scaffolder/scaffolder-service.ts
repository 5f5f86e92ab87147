import path from 'node:path';
import { type Entity, ANNOTATION_LOCATION, parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { authorize } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import type { EntityService } from '../catalog/index.js';
import { InvalidInputError, NotFoundError, PavedError } from '../errors.js';
import type { LogLine, Task, TaskEngine } from '../tasks/task-engine.js';
import type { ScaffolderAction } from './actions/action.js';
import type { StepRunner, TemplateRun } from './run-steps.js';
import { OUTPUT_STEP, TEMPLATE_TASK_KIND, type TemplateTaskInput } from './template-task.js';
import { type TemplateSnapshot, checkActionsExist, parameterSchema, parseTemplateSpec, validateParameters } from './template.js';
import { MemoryWorkspace } from './workspace/memory-workspace.js';
import { type TemplateSource, memoryTemplateFiles } from './workspace/template-files.js';
import type { DirectoryEntry, WorkspaceLimits } from './workspace/workspace.js';

/** Backstage's task states. */
export type ScaffolderTaskStatus = 'open' | 'processing' | 'completed' | 'failed' | 'cancelled';

/** A template run as Backstage's scaffolder API shows it. */
export interface ScaffolderTask {
  id: string;
  spec: {
    apiVersion: 'scaffolder.backstage.io/v1beta3';
    templateInfo: { entityRef: string };
    parameters: Record<string, unknown>;
    steps: TemplateSnapshot['spec']['steps'];
    output: Record<string, unknown>;
    user: { ref: string };
  };
  status: ScaffolderTaskStatus;
  createdAt: string;
  createdBy: string;
  lastHeartbeatAt?: string;
  /** Paved's additions: the rendered output once completed, and the error once failed. */
  output?: Record<string, unknown>;
  error?: { message: string; step: string | null };
}

/** One event of a run, in Backstage's shape. */
export interface ScaffolderEvent {
  id: number;
  taskId: string;
  type: 'log' | 'completion';
  body: { message: string; stepId?: string; status?: string; output?: Record<string, unknown>; error?: { message: string } };
  createdAt: string;
}

export interface DryRunRequest {
  template: unknown;
  values: Record<string, unknown>;
  secrets?: Record<string, string>;
  directoryContents: DirectoryEntry[];
}

const STATUS: Record<Task['status'], ScaffolderTaskStatus> = { queued: 'open', running: 'processing', succeeded: 'completed', failed: 'failed', cancelled: 'cancelled' };

export interface ScaffolderServiceDeps {
  entities: EntityService;
  tasks: TaskEngine;
  runner: StepRunner;
  actions: ReadonlyMap<string, ScaffolderAction>;
  limits: WorkspaceLimits;
  /** Folders templates may fetch content from: the catalog's file roots. */
  templateRoots: readonly string[];
}

export function createScaffolderService(deps: ScaffolderServiceDeps) {
  const { entities, tasks } = deps;

  async function loadTemplate(givenRef: string): Promise<{ entity: Entity; snapshot: TemplateSnapshot }> {
    let ref: string;
    try {
      ref = stringifyEntityRef(parseEntityRef(givenRef, { defaultKind: 'template', defaultNamespace: 'default' }));
    } catch {
      throw new InvalidInputError('scaffolder.template_ref_invalid', `"${givenRef}" is not an entity ref; use template:<namespace>/<name> or just the name`, { path: 'templateRef' });
    }
    const entity = await entities.getByRef(ref).catch((error: unknown) => {
      if (error instanceof NotFoundError) throw new NotFoundError('scaffolder.template_not_found', `No template ${ref} in the catalog`, { path: 'templateRef' });
      throw error;
    });
    if (entity.kind !== 'Template') throw new InvalidInputError('scaffolder.not_a_template', `${ref} is a ${entity.kind}, not a Template`, { path: 'templateRef' });
    const spec = parseTemplateSpec(entity);
    const location = entity.metadata.annotations?.[ANNOTATION_LOCATION] ?? '';
    const source: TemplateSource | undefined = location.startsWith('file:')
      ? { directory: path.dirname(location.slice('file:'.length)), allowedRoots: deps.templateRoots }
      : undefined;
    const snapshot: TemplateSnapshot = { ref: stringifyEntityRef(entity), spec, ...(entity.metadata.title ? { title: entity.metadata.title } : {}), ...(source ? { source } : {}) };
    return { entity, snapshot };
  }

  async function authorizedTask(principal: Principal, id: string): Promise<Task> {
    const task = await tasks.get(id).catch(() => undefined);
    if (!task || task.kind !== TEMPLATE_TASK_KIND) throw new NotFoundError('scaffolder.task_not_found', `No task with id ${id}`, { path: 'id' });
    try {
      authorize(principal, 'tasks.task.read', { ref: `task:${id}`, createdBy: task.createdBy });
    } catch {
      throw new NotFoundError('scaffolder.task_not_found', `No task with id ${id}`, { path: 'id' });
    }
    return task;
  }

  function toScaffolderTask(task: Task): ScaffolderTask {
    const input = task.input as TemplateTaskInput;
    const output = task.stepOutputs[OUTPUT_STEP] as Record<string, unknown> | undefined;
    return {
      id: task.id,
      spec: {
        apiVersion: 'scaffolder.backstage.io/v1beta3',
        templateInfo: { entityRef: input.template.ref },
        parameters: input.values,
        steps: input.template.spec.steps,
        output: input.template.spec.output ?? {},
        user: { ref: input.user.ref },
      },
      status: STATUS[task.status],
      createdAt: task.createdAt,
      createdBy: task.createdBy,
      ...(task.startedAt ? { lastHeartbeatAt: task.startedAt } : {}),
      ...(output ? { output } : {}),
      ...(task.error ? { error: { message: task.error, step: task.failedStep } } : {}),
    };
  }

  return {
    actions: () => [...deps.actions.values()],

    async parameterSchema(ref: string) {
      const { entity, snapshot } = await loadTemplate(ref);
      return parameterSchema(entity, snapshot.spec);
    },

    /** Checks the template and the values, then queues the run; nothing runs if either is wrong. */
    async start(principal: Principal, request: { templateRef: string; values: Record<string, unknown>; secrets?: Record<string, string> }): Promise<{ id: string }> {
      authorize(principal, 'scaffolder.template.run', { ref: request.templateRef });
      const { snapshot } = await loadTemplate(request.templateRef);
      checkActionsExist(snapshot.spec, deps.actions);
      const values = validateParameters(snapshot.spec, request.values);
      const userEntity = await entities.getByRef(principal.userRef).catch(() => undefined);
      const input: TemplateTaskInput = {
        template: snapshot,
        values,
        user: { ref: principal.userRef, isAdmin: principal.isAdmin, ownershipRefs: [...principal.ownershipRefs], ...(userEntity ? { entity: { ...userEntity } } : {}) },
      };
      const task = await tasks.enqueue(TEMPLATE_TASK_KIND, input, { createdBy: principal.userRef, secrets: request.secrets ?? {} });
      return { id: task.id };
    },

    async get(principal: Principal, id: string): Promise<ScaffolderTask> {
      return toScaffolderTask(await authorizedTask(principal, id));
    },

    /** Users see their own runs; administrators everyone's, or one user's with `createdBy`. */
    async list(principal: Principal, query: { createdBy?: string; status?: ScaffolderTaskStatus; limit: number; offset: number }) {
      const createdBy = principal.isAdmin ? query.createdBy : principal.userRef;
      const status = query.status ? (Object.entries(STATUS).find(([, value]) => value === query.status)?.[0] as Task['status']) : undefined;
      const { tasks: page, total } = await tasks.list({ kind: TEMPLATE_TASK_KIND, createdBy, status, limit: query.limit, offset: query.offset });
      return { tasks: page.map(toScaffolderTask), totalTasks: total };
    },

    async cancel(principal: Principal, id: string) {
      await authorizedTask(principal, id);
      authorize(principal, 'tasks.task.cancel', { ref: `task:${id}`, createdBy: (await tasks.get(id)).createdBy });
      return { status: STATUS[(await tasks.cancel(id)).status] };
    },

    /** `secrets`: the run's secrets again, for a run whose secrets were removed after their retention. */
    async retry(principal: Principal, id: string, secrets?: Record<string, string>) {
      const task = await authorizedTask(principal, id);
      authorize(principal, 'tasks.task.retry', { ref: `task:${id}`, createdBy: task.createdBy });
      await tasks.retry(id, secrets ? { secrets } : {});
      return { id };
    },

    /** Makes sure the caller may follow the task before a stream starts. */
    authorizedTask,

    toEvent(task: Task, line: LogLine): ScaffolderEvent {
      return {
        id: line.seq,
        taskId: task.id,
        type: 'log',
        body: { message: line.message, ...(line.stepId ? { stepId: line.stepId } : {}), ...(line.stepStatus ? { status: line.stepStatus } : {}) },
        createdAt: line.at,
      };
    },

    completionEvent(task: Task, lastSeq: number): ScaffolderEvent {
      const status = STATUS[task.status];
      const output = task.stepOutputs[OUTPUT_STEP] as Record<string, unknown> | undefined;
      const message = status === 'completed' ? 'Run completed' : status === 'cancelled' ? 'Run cancelled' : `Run failed: ${task.error ?? 'unknown error'}`;
      return {
        id: lastSeq + 1,
        taskId: task.id,
        type: 'completion',
        body: { message, status, ...(output ? { output } : {}), ...(task.error ? { error: { message: task.error } } : {}) },
        createdAt: task.finishedAt ?? new Date().toISOString(),
      };
    },

    /**
     * Runs a template given inline, with its files in `directoryContents`, without side effects:
     * publishing and registering are skipped (their outputs are examples), everything else is
     * rendered, and the result comes back as files.
     */
    async dryRun(principal: Principal, request: DryRunRequest) {
      authorize(principal, 'scaffolder.template.run', { ref: 'dry-run' });
      const problems = await entities.validate(request.template);
      if (problems.length > 0) {
        throw new InvalidInputError('scaffolder.template_invalid', `The template is not a valid entity: ${problems.map((problem) => problem.message).join('; ')}`, { problems });
      }
      const entity = request.template as Entity;
      if (entity.kind !== 'Template') throw new InvalidInputError('scaffolder.not_a_template', `The entity is a ${entity.kind}, not a Template`, { path: 'template.kind' });
      const spec = parseTemplateSpec(entity);
      checkActionsExist(spec, deps.actions);
      const values = validateParameters(spec, request.values);
      const workspace = new MemoryWorkspace(deps.limits);
      const log: { body: { message: string; stepId?: string; status?: string } }[] = [];
      const outputs: Record<string, unknown> = {};
      const run: TemplateRun = {
        taskId: 'dry-run',
        template: { ref: stringifyEntityRef(entity), spec },
        values,
        principal,
        userEntity: await entities.getByRef(principal.userRef).then((user) => ({ ...user }), () => undefined),
        secrets: request.secrets ?? {},
        workspace,
        templateFiles: memoryTemplateFiles(request.directoryContents),
        isDryRun: true,
        signal: AbortSignal.timeout(60_000),
        outputs,
        log: async () => undefined,
      };
      for (const step of spec.steps) {
        log.push({ body: { message: `Beginning step ${step.name ?? step.id}`, stepId: step.id, status: 'processing' } });
        const stepLog = async (message: string) => void log.push({ body: { message, stepId: step.id } });
        try {
          const result = await deps.runner.runStep(step, { ...run, log: stepLog });
          outputs[step.id] = result.output;
          log.push({ body: { message: result.skipped ? `Skipped step ${step.id}: ${result.skipped}` : `Finished step ${step.name ?? step.id}`, stepId: step.id, status: result.skipped ? 'skipped' : 'completed' } });
        } catch (error) {
          const cause = error as Error;
          const details = cause instanceof PavedError ? cause.details : {};
          // A render past its deadline or budget keeps its own code: the template, not the step, is at fault.
          const code = cause instanceof PavedError && cause.code.startsWith('template.') ? cause.code : 'scaffolder.step_failed';
          throw new InvalidInputError(code, `Step ${step.id} (${step.action}) failed: ${cause.message}`, { ...details, step: step.id, log });
        }
      }
      return {
        log,
        directoryContents: await workspace.serialize(),
        output: await deps.runner.renderOutput(run),
        steps: spec.steps.map((step) => ({ id: step.id, name: step.name ?? step.id, action: step.action })),
      };
    },
  };
}

export type ScaffolderService = ReturnType<typeof createScaffolderService>;
