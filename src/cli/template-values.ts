import fs from 'node:fs/promises';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type Document, LineCounter, parse as parseYamlValue, parseDocument } from 'yaml';
import type { ErrorDetails } from '../errors.js';
import { ApiError } from './api-client.js';
import { type CliIo, UsageError } from './output.js';

/** The options `withValueOptions` adds to a command: where a run's parameter values and secrets come from. */
export interface ValueOptions {
  values?: string;
  set: string[];
  secret: string[];
}

export function withValueOptions(command: Command): Command {
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
export type Locator = (problemPath: string) => { file: string; line?: number } | undefined;

/** A YAML file the user wrote, kept with its parsed document so a problem can be traced to a line. */
export interface YamlFile {
  file: string;
  value: unknown;
  document: Document;
  counter: LineCounter;
}

export async function readYamlFile(io: CliIo, file: string): Promise<YamlFile> {
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
export async function readValues(io: CliIo, options: ValueOptions): Promise<{ values: Record<string, unknown>; secrets: Record<string, string>; locate: Locator }> {
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
export function templateLocator(dir: string, template: YamlFile, details: ErrorDetails | undefined): [Locator, string | undefined] {
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
export function locateProblems(error: ApiError, locate: Locator, file?: string): ApiError {
  if (!error.details) return error;
  const place = (problem: ErrorDetails): ErrorDetails => (problem.file !== undefined || !problem.path ? problem : { ...locate(problem.path), ...problem });
  const details: ErrorDetails = { ...error.details, ...(file ? { file } : {}) };
  const placed = details.problems ? { ...details, problems: details.problems.map(place) } : place(details);
  return new ApiError(error.status, error.code, error.message.replace(/ \[[^\]]+\]$/, ''), placed);
}
