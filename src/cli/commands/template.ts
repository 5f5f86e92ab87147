import path from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { EntitiesPage } from '../../catalog/entity-service.js';
import { ApiError, connect } from '../api-client.js';
import { resolveToken } from '../credentials.js';
import { readDirectoryContents, writeFiles } from '../directory-contents.js';
import { followEvents, logBodySchema } from '../event-stream.js';
import { CliError, type CliIo, type Output, UsageError, createOutput, globalOptions } from '../output.js';
import { type ValueOptions, locateProblems, readValues, readYamlFile, templateLocator, withValueOptions } from '../template-values.js';
import { refOf, shorten } from '../text.js';

const SCAFFOLDER = '/api/scaffolder/v2';
const PARAMETERS_INVALID = 'scaffolder.parameters_invalid';

// The CLI's own view of the scaffolder's answers: what it reads, checked where JSON comes in.
const outputSchema = z.looseObject({
  links: z.array(z.looseObject({ title: z.string().optional(), url: z.string().optional(), entityRef: z.string().optional(), icon: z.string().optional() })).optional(),
  text: z.array(z.looseObject({ title: z.string().optional(), content: z.string().optional() })).optional(),
});
type RunOutput = z.infer<typeof outputSchema>;

const taskSchema = z.looseObject({
  id: z.string(),
  status: z.enum(['open', 'processing', 'completed', 'failed', 'cancelled']),
  spec: z.looseObject({ steps: z.array(z.looseObject({ id: z.string(), name: z.string().optional() })).default([]) }),
  output: outputSchema.optional(),
  error: z.object({ message: z.string(), step: z.string().nullable() }).optional(),
});

const dryRunSchema = z.looseObject({
  log: z.array(z.looseObject({ body: logBodySchema })),
  directoryContents: z.array(z.object({ path: z.string(), base64Content: z.string(), executable: z.boolean().default(false) })),
  output: outputSchema.default({}),
});

/** `paved template list|run|dry-run`: Backstage software templates, through `/api/scaffolder/v2`. */
export function registerTemplateCommands(program: Command, io: CliIo): void {
  const template = program.command('template').description('list templates, run them, and try them locally with a dry run');

  template
    .command('list')
    .description('list the templates in the catalog: REF, TITLE, TYPE, OWNER, DESCRIPTION')
    .action(async (_options: unknown, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const client = connect(io, globals, out);
      const fields = out.json ? undefined : 'kind,metadata.name,metadata.namespace,metadata.title,metadata.description,spec.type,spec.owner';
      const query = { filter: 'kind=template', orderField: ['metadata.namespace,asc', 'metadata.name,asc'], fields, limit: 500 };
      let page = await client.request<EntitiesPage>('GET', '/api/catalog/entities/by-query', { query });
      const items = [...page.items];
      while (page.pageInfo.nextCursor) {
        page = await client.request<EntitiesPage>('GET', '/api/catalog/entities/by-query', { query: { cursor: page.pageInfo.nextCursor, fields, limit: 500 } });
        items.push(...page.items);
      }
      if (out.json) return out.data({ items, totalItems: items.length });
      if (items.length === 0) return out.note('No templates in the catalog.');
      out.table(
        ['REF', 'TITLE', 'TYPE', 'OWNER', 'DESCRIPTION'],
        items.map((entity) => [refOf(entity, 'template'), entity.metadata?.title, stringField(entity.spec?.type), stringField(entity.spec?.owner), summaryOf(entity.metadata?.description)]),
      );
    });

  withValueOptions(template.command('run'))
    .description('run a template: start a task, follow its log, print its output links')
    .argument('<ref>', 'the template: node-service, or template:[namespace/]name')
    .addHelpText('after', '\nExamples:\n  paved template run node-service --values orders.yaml\n  paved template run node-service --values orders.yaml --set port=3000 --json')
    .action(async (ref: string, options: ValueOptions, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const templateRef = await templateRefOf(ref);
      const values = await readValues(io, options);
      const client = connect(io, globals, out);
      const { id } = await client
        .request<{ id: string }>('POST', `${SCAFFOLDER}/tasks`, { json: { templateRef, values: values.values, ...(options.secret.length ? { secrets: values.secrets } : {}) } })
        .catch((error: unknown) => {
          throw error instanceof ApiError && error.code === PARAMETERS_INVALID ? locateProblems(error, values.locate) : error;
        });
      out.note(`Started task ${id} for ${templateRef}.`);
      const stream = { baseUrl: client.baseUrl, token: resolveToken({ flag: globals.token, env: io.env, cwd: io.cwd, serverUrl: client.baseUrl })?.token ?? '' };
      await followEvents(client, stream, { path: `${SCAFFOLDER}/tasks/${encodeURIComponent(id)}`, id }, out, (event) => {
        if (!out.json) out.line(logLine(event.body));
      });
      const task = taskSchema.parse(await client.request<unknown>('GET', `${SCAFFOLDER}/tasks/${encodeURIComponent(id)}`));
      if (out.json) out.data(task);
      else if (task.output) printOutput(out, task.output);
      if (task.status === 'completed') return;
      const step = task.spec.steps.find((candidate) => candidate.id === task.error?.step);
      const where = step ? ` at step ${step.id}${step.name && step.name !== step.id ? ` (${step.name})` : ''}` : '';
      throw new CliError(`Task ${id} ${task.status}${where}${task.error ? `: ${task.error.message}` : ''}`, 1, [], {
        code: `scaffolder.task_${task.status}`,
        taskId: id,
        ...(task.error ? { step: task.error.step } : {}),
      });
    });

  withValueOptions(template.command('dry-run'))
    .description("run a template folder without side effects (nothing is published or registered) and write the files it renders")
    .argument('<dir>', 'the folder holding template.yaml and its content, e.g. golden-paths/docs-site')
    .option('-o, --output <dir>', 'where to write the rendered files', 'dry-run-output')
    .addHelpText('after', '\nExamples:\n  paved template dry-run golden-paths/docs-site --values handbook.yaml\n  paved template dry-run . --set name=demo --output /tmp/demo')
    .action(async (dir: string, options: ValueOptions & { output: string }, command: Command) => {
      const globals = globalOptions(command);
      const out = createOutput(io, globals);
      const templateDir = path.resolve(io.cwd, dir);
      const templateFile = await readYamlFile(io, path.join(dir, 'template.yaml'));
      const values = await readValues(io, options);
      const directoryContents = await readDirectoryContents(templateDir, out);
      const client = connect(io, globals, out);
      let answer: unknown;
      try {
        answer = await client.request<unknown>('POST', `${SCAFFOLDER}/dry-run`, {
          json: { template: templateFile.value, values: values.values, ...(options.secret.length ? { secrets: values.secrets } : {}), directoryContents },
        });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        // The log up to the failure says what the steps before it did.
        const log = z.array(z.looseObject({ body: logBodySchema })).safeParse(error.details?.log);
        if (log.success && !out.json) for (const entry of log.data) out.line(logLine(entry.body));
        throw error.code === PARAMETERS_INVALID ? locateProblems(error, values.locate) : locateProblems(error, ...templateLocator(dir, templateFile, error.details));
      }
      const result = dryRunSchema.parse(answer);
      const outputDir = path.resolve(io.cwd, options.output);
      await writeFiles(outputDir, result.directoryContents);
      if (out.json) return out.data({ ...result, outputDir });
      for (const entry of result.log) out.line(logLine(entry.body));
      out.line(`\n${result.directoryContents.length} files written to ${options.output}:`);
      for (const file of result.directoryContents) out.line(`  ${file.path}${file.executable ? ' (executable)' : ''}`);
      if ((result.output.links?.length ?? 0) + (result.output.text?.length ?? 0) > 0) {
        out.line('\nOutput (skipped steps give example values):');
        printOutput(out, result.output);
      }
    });
}

function logLine(body: { message: string; stepId?: string | undefined }): string {
  return body.stepId ? `[${body.stepId}] ${body.message}` : body.message;
}

function printOutput(out: Output, output: RunOutput): void {
  for (const link of output.links ?? []) {
    const target = link.url ?? link.entityRef;
    if (target) out.line(`${link.title ?? target}: ${target}`);
  }
  for (const text of output.text ?? []) {
    out.line(`\n${text.title ?? ''}`.trimEnd());
    out.line((text.content ?? '').replace(/\n+$/, '').replace(/^(?=.)/gm, '  '));
  }
}

/** `node-service` → `template:default/node-service`; a ref of another kind is refused. */
async function templateRefOf(value: string): Promise<string> {
  const { parseEntityRef, stringifyEntityRef } = await import('@backstage/catalog-model');
  let ref: ReturnType<typeof parseEntityRef>;
  try {
    ref = parseEntityRef(value, { defaultKind: 'template', defaultNamespace: 'default' });
  } catch {
    throw new UsageError(`"${value}" is not a template ref`, ['Write node-service, or template:[namespace/]name.']);
  }
  if (ref.kind.toLowerCase() !== 'template') throw new UsageError(`"${value}" is a ${ref.kind}, not a template`);
  return stringifyEntityRef({ ...ref, kind: 'template' });
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The first sentence, at most 60 characters: the table stays one line per template. */
function summaryOf(text: string | undefined): string | undefined {
  return text ? shorten(text.replace(/\s+/g, ' ').trim().split(/(?<=\.)\s/)[0]!, 60) : undefined;
}
