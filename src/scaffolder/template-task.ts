import fs from 'node:fs/promises';
import path from 'node:path';
import type { Principal } from '../access/principal.js';
import type { StepContext, TaskDefinition } from '../tasks/task-definition.js';
import type { StepRunner, TemplateRun } from './run-steps.js';
import type { TemplateSnapshot } from './template.js';
import { DiskWorkspace } from './workspace/disk-workspace.js';
import { diskTemplateFiles, noTemplateFiles } from './workspace/template-files.js';
import type { WorkspaceLimits } from './workspace/workspace.js';

export const TEMPLATE_TASK_KIND = 'scaffolder.template';
/** The last task step: renders the template's `output` once every step has run. */
export const OUTPUT_STEP = '@output';

/** What a template task stores as its input. Secrets travel separately (see the task engine). */
export interface TemplateTaskInput {
  template: TemplateSnapshot;
  values: Record<string, unknown>;
  /** The user who started it, as they were then: actions act with these rights. */
  user: { ref: string; isAdmin: boolean; ownershipRefs: string[]; entity?: Record<string, unknown> };
}

/**
 * A template run as a durable task: one task step per template step, so a run interrupted by
 * a crash resumes at the step it was in, with the outputs of the steps before it. The files
 * live in a workspace folder per task, kept until the run succeeds so that a retry finds them.
 */
export function templateTaskDefinition(deps: { runner: StepRunner; workspaceRoot: string; limits: WorkspaceLimits }): TaskDefinition {
  return {
    kind: TEMPLATE_TASK_KIND,
    steps(rawInput) {
      const input = rawInput as TemplateTaskInput;
      const principal: Principal = { userRef: input.user.ref, isAdmin: input.user.isAdmin, ownershipRefs: input.user.ownershipRefs };
      const templateFiles = input.template.source ? diskTemplateFiles(input.template.source) : noTemplateFiles(input.template.ref);
      const folderOf = (taskId: string) => path.join(deps.workspaceRoot, taskId);
      const runOf = (context: StepContext): TemplateRun => ({
        taskId: context.taskId,
        template: input.template,
        values: input.values,
        principal,
        userEntity: input.user.entity,
        secrets: context.secrets,
        workspace: new DiskWorkspace(folderOf(context.taskId), deps.limits),
        templateFiles,
        isDryRun: false,
        signal: context.signal,
        outputs: context.outputs,
        log: (message, level) => context.log(message, level),
      });
      const templateSteps = input.template.spec.steps.map((step, index) => ({
        id: step.id,
        async run(context: StepContext) {
          const run = runOf(context);
          if (index === 0) await fs.mkdir(folderOf(context.taskId), { recursive: true });
          else if (!(await fs.stat(folderOf(context.taskId)).catch(() => undefined))) {
            throw new Error('The workspace of this run is gone (it ran on another machine, or was removed); start the template again');
          }
          const result = await deps.runner.runStep(step, run);
          if (result.skipped) context.markSkipped(result.skipped);
          return result.output;
        },
      }));
      const outputStep = {
        id: OUTPUT_STEP,
        async run(context: StepContext) {
          const run = runOf(context);
          const output = await deps.runner.renderOutput(run);
          await fs.rm(folderOf(context.taskId), { recursive: true, force: true });
          return output;
        },
      };
      return [...templateSteps, outputStep];
    },
  };
}
