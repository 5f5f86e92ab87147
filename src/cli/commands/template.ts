import fs from 'node:fs/promises';
import path from 'node:path';
import type { Entity } from '@backstage/catalog-model';
import { type Command, InvalidArgumentError } from 'commander';
import { type Document, LineCounter, parse as parseYamlValue, parseDocument } from 'yaml';
import { z } from 'zod';
import type { EntitiesPage } from '../../catalog/entity-service.js';
import type { ErrorDetails } from '../../errors.js';
import { type ApiClient, ApiError, connect } from '../api-client.js';
import { resolveToken } from '../credentials.js';
import { CliError, type CliIo, type Output, UsageError, createOutput, globalOptions } from '../output.js';

const SCAFFOLDER = '/api/scaffolder/v2';
const PARAMETERS_INVALID = 'scaffolder.parameters_invalid';

// The CLI's own view of the scaffolder's answers: what it reads, checked where JSON comes in.
const outputSchema = z.looseObject({
  links: z.array(z.looseObject({ title: z.string().optional(), url: z.string().optional(), entityRef: z.string().optional(), icon: z.string().optional() })).optional(),
  text: z.array(z.looseObject({ title: z.string().optional(), content: z.string().optional() })).optional(),
});
type RunOutput = z.infer<typeof outputSchema>;

const logBodySchema = z.looseObject({ message: z.string(), stepId: z.string().optional(), status: z.string().optional() });
const eventSchema = z.looseObject({ id: z.number(), type: z.enum(['log', 'completion']), body: logBodySchema });
type RunEvent = z.infer<typeof eventSchema>;

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

interface ValueOptions {
  values?: string;
  set: string[];
  secret: string[];
}

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
        items.map((entity) => [refOf(entity), entity.metadata?.title, stringField(entity.spec?.type), stringField(entity.spec?.owner), shorten(entity.metadata?.description)]),
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
      await followEvents(client, stream, id, out, (event) => {
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

function withValueOptions(command: Command): Command {
  return command
    .option('-f, --values <file>', 'parameter values, a YAML or JSON mapping; - reads standard input')
    .option('--set <key=value>', 'a parameter value, read as YAML (port=3000 is a number); repeatable, wins over --values', keyValue, [])
    .option('--secret <key=value>', 'a secret (a token the steps use; never logged); repeatable', keyValue, []);
}

function keyValue(value: string, previous: string[]): string[] {
  if (!/^[^=]+=/.test(value)) throw new InvalidArgumentError('write it as key=value.');
  return [...previous, value];
}

/** Where a problem's JSON path is in a file the user wrote, if it is there. */
type Locator = (problemPath: string) => { file: string; line?: number } | undefined;

interface YamlFile {
  file: string;
  value: unknown;
  document: Document;
  counter: LineCounter;
}

async function readYamlFile(io: CliIo, file: string): Promise<YamlFile> {
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await fs.readFile(path.resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
  }
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const [first] = document.errors;
  if (first) throw new UsageError(`${file} is not valid YAML`, [`${file}:${counter.linePos(first.pos[0]).line}: ${first.message.split('\n')[0]}`]);
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${file} must hold a mapping (key: value lines)`);
  return { file: file === '-' ? '<stdin>' : file, value, document, counter };
}

/** The line of a JSON path (`spec.steps[3].action`, `owner.kind`) in a file, when it is there. */
function lineOf(yaml: YamlFile, segments: (string | number)[]): number | undefined {
  const node: unknown = yaml.document.getIn(segments, true);
  const range = node && typeof node === 'object' && 'range' in node ? (node.range as [number, number, number] | null) : null;
  return range ? yaml.counter.linePos(range[0]).line : undefined;
}

function segmentsOf(jsonPath: string): (string | number)[] {
  return jsonPath
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

/** The values a run gets: the file's, then each --set over them; and the secrets. */
async function readValues(io: CliIo, options: ValueOptions): Promise<{ values: Record<string, unknown>; secrets: Record<string, string>; locate: Locator }> {
  const file = options.values === undefined ? undefined : await readYamlFile(io, options.values);
  const values = structuredClone((file?.value ?? {}) as Record<string, unknown>);
  const setKeys: string[] = [];
  for (const pair of options.set) {
    const [key, raw] = splitPair(pair);
    setKeys.push(key);
    setPath(values, key, raw === '' ? '' : yamlScalar(raw));
  }
  const secrets = Object.fromEntries(options.secret.map(splitPair));
  const locate: Locator = (problemPath) => {
    if (!file || setKeys.some((key) => problemPath === key || problemPath.startsWith(`${key}.`))) return undefined;
    const line = lineOf(file, segmentsOf(problemPath));
    return line === undefined ? { file: file.file } : { file: file.file, line };
  };
  return { values, secrets, locate };
}

function splitPair(pair: string): [string, string] {
  const at = pair.indexOf('=');
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** Read as YAML so numbers and booleans keep their type; what YAML cannot read stays text. */
function yamlScalar(raw: string): unknown {
  try {
    return parseYamlValue(raw) as unknown;
  } catch {
    return raw;
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    node = (node[key] = next !== null && typeof next === 'object' && !Array.isArray(next) ? next : {}) as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/**
 * Where a dry run's problems are: the template's own (`spec.steps[3].action`, or a step's
 * `input.url`) in DIR/template.yaml, and a skeleton file the server names (`./skeleton/README.md`)
 * under DIR.
 */
function templateLocator(dir: string, template: YamlFile, details: ErrorDetails | undefined): [Locator, string | undefined] {
  const steps = (template.value as { spec?: { steps?: { id?: string }[] } }).spec?.steps ?? [];
  const stepIndex = steps.findIndex((step, index) => (step?.id ?? `step-${index + 1}`) === details?.step);
  const file = path.join(dir, 'template.yaml');
  const locate: Locator = (problemPath) => {
    const segments = problemPath.startsWith('spec.') ? segmentsOf(problemPath) : stepIndex >= 0 ? ['spec', 'steps', stepIndex, ...segmentsOf(problemPath)] : undefined;
    const line = segments && lineOf(template, segments);
    return line === undefined ? undefined : { file, line };
  };
  return [locate, typeof details?.file === 'string' ? path.join(dir, details.file) : undefined];
}

/** The same server error, with each problem placed at its file and line where the CLI knows them. */
function locateProblems(error: ApiError, locate: Locator, file?: string): ApiError {
  if (!error.details) return error;
  const place = (problem: ErrorDetails): ErrorDetails => (problem.file !== undefined || !problem.path ? problem : { ...locate(problem.path), ...problem });
  const details: ErrorDetails = { ...error.details, ...(file ? { file } : {}) };
  const placed = details.problems ? { ...details, problems: details.problems.map(place) } : place(details);
  return new ApiError(error.status, error.code, error.message.replace(/ \[[^\]]+\]$/, ''), placed);
}

/**
 * Follows a run's events until its completion: the event stream, reconnecting from the last
 * event seen when it drops; polling `/events` when the stream cannot be had at all (a proxy
 * that buffers or refuses it).
 */
async function followEvents(client: ApiClient, stream: { baseUrl: string; token: string }, id: string, out: Output, onEvent: (event: RunEvent) => void): Promise<void> {
  const eventsPath = `${SCAFFOLDER}/tasks/${encodeURIComponent(id)}`;
  let lastId = 0;
  let polling = false;
  let retries = 0;
  let brokenSince: number | undefined;
  // Events carry increasing ids; after a reconnection, anything already shown is skipped.
  const take = (event: RunEvent): boolean => {
    if (event.type === 'completion') return true;
    if (event.id > lastId) {
      lastId = event.id;
      retries = 0;
      onEvent(event);
    }
    return false;
  };
  for (;;) {
    if (polling) {
      const events = z.array(eventSchema).parse(await client.request<unknown>('GET', `${eventsPath}/events`, { query: { after: lastId } }));
      if (events.some(take)) return;
      await sleep(500);
      continue;
    }
    try {
      out.debug(`GET ${stream.baseUrl}${eventsPath}/eventstream (Last-Event-ID ${lastId})`);
      const response = await fetch(`${stream.baseUrl}${eventsPath}/eventstream`, {
        headers: { authorization: `Bearer ${stream.token}`, accept: 'text/event-stream', ...(lastId > 0 ? { 'last-event-id': String(lastId) } : {}) },
      });
      if (!response.ok || !response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
        out.debug(`the event stream answered HTTP ${response.status}; polling instead`);
        await response.body?.cancel();
        polling = true;
        continue;
      }
      brokenSince = undefined;
      for await (const data of sseMessages(response.body)) {
        if (take(parseEvent(data))) return;
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
      out.debug(`the event stream broke: ${(error as Error).message}`);
    }
    // A server that is restarting gets half a minute to come back.
    brokenSince ??= Date.now();
    if (Date.now() - brokenSince > 30_000) {
      throw new CliError(`Lost the connection to ${stream.baseUrl} while following task ${id}`, 1, ['The task goes on running on the server.'], { code: 'cli.unreachable', taskId: id });
    }
    out.note(`The event stream dropped; reconnecting after event ${lastId}…`);
    await sleep(Math.min(250 * 2 ** retries++, 2_000));
  }
}

function parseEvent(data: string): RunEvent {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    json = undefined;
  }
  const event = eventSchema.safeParse(json);
  if (!event.success) throw new CliError('The server sent an event the CLI cannot read', 1, [data.slice(0, 200)], { code: 'cli.bad_answer' });
  return event.data;
}

/** The `data` of each message of a server-sent event stream (its `id` and `event` are in the data too). */
async function* sseMessages(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
      const data = buffer
        .slice(0, end)
        .split(/\r?\n/)
        .filter((line) => line === 'data' || line.startsWith('data:'))
        .map((line) => line.slice('data:'.length).replace(/^ /, ''));
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      if (data.length > 0) yield data.join('\n');
    }
  }
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

/** Every file of a template folder, as Backstage's dry run sends them; `.git/` and `node_modules/` left out. */
async function readDirectoryContents(root: string, out: Output): Promise<{ path: string; base64Content: string; executable: boolean }[]> {
  const files: { path: string; base64Content: string; executable: boolean }[] = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(root, relative), { withFileTypes: true })) {
      const child = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && entry.name !== 'node_modules') await walk(child);
      } else if (entry.isFile()) {
        const absolute = path.join(root, child);
        const [content, stat] = await Promise.all([fs.readFile(absolute), fs.stat(absolute)]);
        files.push({ path: child, base64Content: content.toString('base64'), executable: (stat.mode & 0o111) !== 0 });
      } else if (entry.isSymbolicLink()) {
        // The server refuses links in templates; following one could send files from elsewhere.
        out.warn(`${child} is a symbolic link; left out`);
      }
    }
  };
  await walk('');
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Writes the rendered files under `root`. Every path is checked before anything is written:
 * an absolute path or a `..` from the server, or a link already in `root`, would write elsewhere.
 */
async function writeFiles(root: string, files: { path: string; base64Content: string; executable: boolean }[]): Promise<void> {
  const targets = files.map((file) => {
    const target = path.resolve(root, file.path);
    const relative = path.relative(root, target);
    if (path.isAbsolute(file.path) || /^[a-zA-Z]:/.test(file.path) || file.path.split(/[\\/]/).includes('..') || !relative || relative.startsWith('..') || path.isAbsolute(relative)) {
      throw new CliError(`Refusing to write ${JSON.stringify(file.path)}: it is outside ${root}`, 1, ['Nothing was written.'], { code: 'cli.path_outside_output' });
    }
    return target;
  });
  await fs.mkdir(root, { recursive: true });
  const realRoot = await fs.realpath(root);
  for (const [index, file] of files.entries()) {
    const target = targets[index]!;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const realParent = path.relative(realRoot, await fs.realpath(path.dirname(target)));
    const existing = await fs.lstat(target).catch(() => undefined);
    if (realParent.startsWith('..') || path.isAbsolute(realParent) || existing?.isSymbolicLink()) {
      throw new CliError(`Refusing to write ${file.path}: a symbolic link in ${root} leads elsewhere`, 1, [], { code: 'cli.path_outside_output' });
    }
    const mode = file.executable ? 0o755 : 0o644;
    await fs.writeFile(target, Buffer.from(file.base64Content, 'base64'), { mode });
    // writeFile's mode applies only to new files; one left by an earlier run keeps its own.
    await fs.chmod(target, mode);
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

function refOf(entity: Partial<Entity>): string {
  return `${entity.kind ?? 'template'}:${entity.metadata?.namespace ?? 'default'}/${entity.metadata?.name ?? '?'}`.toLowerCase();
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The first sentence, at most 60 characters: the table stays one line per template. */
function shorten(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const sentence = text.replace(/\s+/g, ' ').trim().split(/(?<=\.)\s/)[0]!;
  return sentence.length > 60 ? `${sentence.slice(0, 59).trimEnd()}…` : sentence;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
