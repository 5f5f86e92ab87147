import readline from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';

/** Where the CLI reads and writes: the real process in `paved`, anything else in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of standard input, as text. */
  readStdin(): Promise<string>;
  /** Asks a question on the terminal; `secret` hides what is typed. Undefined when stdin is not a terminal. */
  prompt?(question: string, options: { secret: boolean }): Promise<string>;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The CLI's I/O on the current process. */
export function processIo(): CliIo {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
      return Buffer.concat(chunks).toString('utf8');
    },
    ...(process.stdin.isTTY ? { prompt: promptOnTerminal } : {}),
    env: process.env,
    cwd: process.cwd(),
  };
}

async function promptOnTerminal(question: string, options: { secret: boolean }): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = readline.createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = new Promise<string>((resolve) => rl.question(question, resolve));
    muted = options.secret;
    const value = await answer;
    if (options.secret) process.stderr.write('\n');
    return value;
  } finally {
    rl.close();
  }
}

/**
 * An error the CLI reports on stderr and exits with. Exit 1: the server refused or failed (or
 * could not be reached); exit 2: the command line or the local input is wrong.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
    /** Lines printed under the message: where the problem is, and how to fix it. */
    readonly lines: string[] = [],
    /** What `--json` prints under `error`, besides the message. */
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Ends a command with an exit code after it has printed why (e.g. `validate`'s problem list). */
export class ExitCode extends CliError {
  constructor(exitCode: 1 | 2) {
    super('', exitCode);
  }
}

/** Prints an error on stderr: a message and indented lines for people, `{ error }` with `--json`. */
export function printError(io: CliIo, error: CliError, json: boolean): void {
  if (json) io.stderr(`${JSON.stringify({ error: { message: error.message, ...error.data, ...(error.lines.length ? { lines: error.lines } : {}) } }, null, 2)}\n`);
  else io.stderr(`error: ${error.message}\n${error.lines.map((line) => `  ${line}\n`).join('')}`);
}

/** Wrong arguments or local input; exit code 2. */
export class UsageError extends CliError {
  constructor(message: string, lines: string[] = []) {
    super(message, 2, lines, { code: 'cli.usage' });
  }
}

/** The options every command accepts, declared once on the program. */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json: boolean;
  verbose: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  const options = command.optsWithGlobals<Record<string, unknown>>();
  return {
    ...(typeof options.url === 'string' ? { url: options.url } : {}),
    ...(typeof options.token === 'string' ? { token: options.token } : {}),
    json: options.json === true,
    verbose: options.verbose === true,
  };
}

/** Results go to stdout (a table or YAML for people, JSON with `--json`); everything else to stderr. */
export interface Output {
  readonly json: boolean;
  /** One result line (or block) for people. */
  line(text?: string): void;
  /** The machine-readable result; only `--json` calls this. */
  data(value: unknown): void;
  table(columns: string[], rows: (string | number | undefined | null)[][]): void;
  /** A remark for the person at the terminal, never part of the result. */
  note(text: string): void;
  warn(text: string): void;
  /** Shown with `--verbose` only. */
  debug(text: string): void;
}

export function createOutput(io: CliIo, options: Pick<GlobalOptions, 'json' | 'verbose'>): Output {
  return {
    json: options.json,
    line: (text = '') => io.stdout(`${text}\n`),
    data: (value) => io.stdout(`${JSON.stringify(value, null, 2)}\n`),
    table: (columns, rows) => io.stdout(formatTable(columns, rows)),
    note: (text) => io.stderr(`${text}\n`),
    warn: (text) => io.stderr(`warning: ${text}\n`),
    debug: (text) => {
      if (options.verbose) io.stderr(`[paved] ${text}\n`);
    },
  };
}

/** Columns padded to their widest cell, separated by three spaces; the last column is not padded. */
export function formatTable(columns: string[], rows: (string | number | undefined | null)[][]): string {
  const cells = [columns, ...rows.map((row) => columns.map((_, index) => String(row[index] ?? '-')))];
  const widths = columns.map((_, index) => Math.max(...cells.map((row) => row[index]!.length)));
  return cells
    .map((row) => row.map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!))).join('   ').trimEnd())
    .join('\n')
    .concat('\n');
}

/** Where a problem is: the fields of the server's error details and of location problems. */
export interface ProblemLike {
  message?: string;
  file?: string;
  document?: number;
  line?: number;
  path?: string;
  entityRef?: string;
}

/**
 * One problem as `file:line: document N: message (at path)`, the shape editors and CI logs
 * link to. `file` fills in for problems that do not name their own (an apply request's body).
 */
export function formatProblem(problem: ProblemLike, file?: string): string {
  const where = [displayFile(problem.file ?? file), problem.line].filter((part) => part !== undefined && part !== '').join(':');
  const message = withoutLocationPrefix(problem.message ?? 'invalid', problem.file);
  const path = problem.path && !message.includes(problem.path) ? ` (at ${problem.path})` : '';
  const ref = problem.entityRef && !message.includes(problem.entityRef) ? ` [${problem.entityRef}]` : '';
  return `${where ? `${where}: ` : ''}${problem.document !== undefined ? `document ${problem.document}: ` : ''}${message}${path}${ref}`;
}

/**
 * Messages of location problems start by saying where they are (`a.yaml document 2 line 7
 * (spec.owner): …`); when that names the problem's own file, it is dropped, as the fields say it.
 */
function withoutLocationPrefix(message: string, file: string | undefined): string {
  const match = file ? /^(.+?)(?: document \d+)?(?: line \d+)?(?: \([^)]*\))?: /.exec(message) : null;
  if (!match || !file) return message;
  const name = match[1]!;
  const shown = displayFile(file)!;
  return [file, shown].includes(name) || shown.endsWith(`/${name}`) ? message.slice(match[0].length) : message;
}

/** Location keys (`file:/abs/path`, `url:https://…`) shown as the path or URL they name. */
export function displayFile(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  return file.replace(/^(file|url):/, '');
}
