import { Cron } from 'croner';
import { z } from 'zod';
import { parseCpuQuantity, parseMemoryQuantity } from '../sandbox/index.js';
import { ConditionSyntaxError, parseCondition } from '../expressions/index.js';
import { parseYamlWithLines } from '../yaml-document.js';

/** When a cron expression fires next after `after` (UTC), or undefined if it is not one. */
export function nextCronTime(expression: string, after: Date): Date | undefined {
  try {
    return new Cron(expression, { paused: true, timezone: 'UTC' }).nextRun(after) ?? undefined;
  } catch {
    return undefined;
  }
}

function isCron(expression: string): boolean {
  return expression.trim().split(/\s+/).length === 5 && nextCronTime(expression, new Date()) !== undefined;
}

/** `10m`, `90s`, `1h`, or a number of seconds. */
const duration = z.union([z.number().positive(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h)$/, 'use a number of seconds or a duration such as 90s, 10m, 1h')]);
/** `if:` is an expression in the condition grammar (expressions/condition.ts), checked here, never template text. */
const condition = z.string().superRefine((text, context) => {
  try {
    parseCondition(text);
  } catch (error) {
    if (!(error instanceof ConditionSyntaxError)) throw error;
    context.addIssue({
      code: 'custom',
      message: `not a condition: ${error.reason} at column ${error.column} of "${text}"; a condition compares branch, event, commit and status with ==, !=, and, or, not (e.g. \${{ branch == 'main' and status == 'failure' }})`,
    });
  }
});
/** A job's sandbox limits (`memory: 1Gi`, `cpus: 1`, `pids: 512`); unset ones come from Paved's defaults. */
const limitsSchema = z
  .object({
    memory: z
      .union([z.string(), z.number()])
      .refine((value) => parseMemoryQuantity(value) !== undefined, 'a memory quantity such as 512Mi, 2Gi or a number of bytes')
      .refine((value) => (parseMemoryQuantity(value) ?? Infinity) >= 16 * 2 ** 20, 'at least 16Mi (a shell and what it runs)')
      .optional(),
    cpus: z.union([z.string(), z.number()]).refine((value) => parseCpuQuantity(value) !== undefined, 'a number of cores such as 1, 0.5 or 500m').optional(),
    pids: z.number().int('a whole number of processes').min(16, 'at least 16 processes (a shell and what it runs)').optional(),
  })
  .strict();
const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'environment variable names use letters, digits and _'), z.union([z.string(), z.number(), z.boolean()]));

const stepSchema = z
  .object({
    name: z.string().min(1).optional(),
    run: z.string().min(1).optional(),
    /** Deploys this checkout (after the steps before it) to an environment; `preview` makes the branch's own. */
    deploy: z
      .object({
        environment: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, 'an environment name, or preview'),
        /** Where the Score file is, if not score.yaml at the root. */
        score: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    env: envMap.optional(),
    'working-directory': z.string().optional(),
    timeout: duration.optional(),
    if: condition.optional(),
  })
  .strict()
  .refine((step) => (step.run === undefined) !== (step.deploy === undefined), { message: 'a step has either run (a shell command) or deploy (a deployment of this checkout)' });

const jobSchema = z
  .object({
    needs: z.union([z.string(), z.array(z.string())]).optional(),
    env: envMap.optional(),
    timeout: duration.optional(),
    if: condition.optional(),
    steps: z.array(stepSchema).min(1),
    limits: limitsSchema.optional(),
    /** Paths (globs) kept after the run, downloadable. */
    artifacts: z.array(z.string().min(1)).optional(),
  })
  .strict();

const branchFilter = z.object({ branches: z.array(z.string().min(1)).optional() }).strict();

export const pipelineFileSchema = z
  .object({
    apiVersion: z.literal('paved.dev/v1'),
    kind: z.literal('Pipeline'),
    metadata: z.object({ name: z.string().min(1) }).loose(),
    spec: z
      .object({
        on: z
          .object({
            push: z.union([branchFilter, z.null()]).optional(),
            manual: z.union([z.object({}).strict(), z.null(), z.boolean()]).optional(),
            /** Cron expressions (UTC), read from the default branch's file: `0 3 * * *`. */
            schedule: z.array(z.object({ cron: z.string().min(1).refine(isCron, 'not a cron expression: five fields, minute hour day month weekday (UTC)') }).strict()).optional(),
          })
          .strict(),
        env: envMap.optional(),
        /** Secret names the runs get as environment variables (from the component's, then the team's secrets). */
        secrets: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'secret names are upper-case environment variable names')).optional(),
        /** `queue` (default): a branch's runs wait for the one before; `parallel`: they do not. */
        concurrency: z.enum(['queue', 'parallel']).optional(),
        /** Every job's sandbox limits, unless the job sets its own. */
        limits: limitsSchema.optional(),
        jobs: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/, 'job ids use lower-case letters, digits, - and _'), jobSchema).optional(),
        /** Shorthand for one job called `main`. */
        steps: z.array(stepSchema).min(1).optional(),
        artifacts: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .refine((spec) => (spec.jobs === undefined) !== (spec.steps === undefined), { message: 'spec has either jobs or steps (one job), not both and not neither' }),
  })
  .strict();

export type PipelineFile = z.infer<typeof pipelineFileSchema>;
export type PipelineStep = z.infer<typeof stepSchema>;

/** A pipeline's jobs in the order they run: every job after the jobs it needs. */
export interface PipelineJob {
  id: string;
  needs: string[];
  env: Record<string, string>;
  timeoutMs?: number;
  if?: string;
  steps: PipelineStep[];
  artifacts: string[];
  /** What the job set (its own over the pipeline's); the rest is Paved's default. Absent in runs from before limits existed. */
  limits?: JobLimits;
}

export interface JobLimits {
  memoryBytes?: number;
  cpus?: number;
  pids?: number;
}

export interface PipelineProblem {
  message: string;
  path: string;
  line?: number;
}

export type ParsedPipeline = { ok: true; pipeline: PipelineFile; jobs: PipelineJob[] } | { ok: false; problems: PipelineProblem[] };

export function durationMs(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value * 1000;
  const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value)!;
  return Number(amount) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
}

/**
 * Reads `.paved/pipeline.yaml`: YAML, then the schema, then the job graph. Every problem comes
 * with its JSON path and, where the file says, its line.
 */
export function parsePipelineFile(text: string): ParsedPipeline {
  const parsed = parseYamlWithLines(text);
  if (!parsed.ok) return parsed;
  const { lineOf } = parsed;
  const result = pipelineFileSchema.safeParse(parsed.value);
  if (!result.success) {
    return { ok: false, problems: result.error.issues.map((issue) => ({ message: issue.message, path: issue.path.join('.'), line: lineOf(issue.path) })) };
  }
  const ordered = orderJobs(result.data);
  if ('problem' in ordered) return { ok: false, problems: [{ ...ordered.problem, line: lineOf(ordered.problem.path.split('.')) }] };
  return { ok: true, pipeline: result.data, jobs: ordered.jobs };
}

function jobLimits(limits: z.infer<typeof limitsSchema>): JobLimits {
  return {
    ...(limits.memory !== undefined ? { memoryBytes: parseMemoryQuantity(limits.memory)! } : {}),
    ...(limits.cpus !== undefined ? { cpus: parseCpuQuantity(limits.cpus)! } : {}),
    ...(limits.pids !== undefined ? { pids: limits.pids } : {}),
  };
}

function orderJobs(pipeline: PipelineFile): { jobs: PipelineJob[] } | { problem: PipelineProblem } {
  const { spec } = pipeline;
  const toEnv = (env: Record<string, string | number | boolean> | undefined) => Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, String(value)]));
  const declared: Record<string, z.infer<typeof jobSchema>> = spec.jobs ?? { main: { steps: spec.steps!, artifacts: spec.artifacts } };
  const jobs = new Map<string, PipelineJob>();
  for (const [id, job] of Object.entries(declared)) {
    const needs = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
    for (const need of needs) if (!(need in declared)) return { problem: { message: `job ${id} needs ${need}, which is not a job of this pipeline`, path: `spec.jobs.${id}.needs` } };
    jobs.set(id, { id, needs, env: { ...toEnv(spec.env), ...toEnv(job.env) }, timeoutMs: durationMs(job.timeout), if: job.if, steps: job.steps, artifacts: job.artifacts ?? [], limits: jobLimits({ ...spec.limits, ...job.limits }) });
  }
  const ordered: PipelineJob[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, chain: string[]): PipelineProblem | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return { message: `jobs depend on each other in a cycle: ${[...chain, id].join(' → ')}`, path: `spec.jobs.${id}.needs` };
    state.set(id, 'visiting');
    for (const need of jobs.get(id)!.needs) {
      const problem = visit(need, [...chain, id]);
      if (problem) return problem;
    }
    state.set(id, 'done');
    ordered.push(jobs.get(id)!);
    return undefined;
  };
  for (const id of jobs.keys()) {
    const problem = visit(id, []);
    if (problem) return { problem };
  }
  return { jobs: ordered };
}
