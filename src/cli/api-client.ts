import { z } from 'zod';
import type { ErrorDetails } from '../errors.js';
import { DEFAULT_SERVER_URL, type ResolvedToken, type TokenSource, describeTokenSource, localAdminTokenFile, normalizeServerUrl, resolveToken } from './credentials.js';
import { CliError, type CliIo, type GlobalOptions, type Output, formatProblem } from './output.js';

/** An error answer of the server, in its one error body; exit code 1. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetails | undefined,
    context: { file?: string; tokenSource?: TokenSource } = {},
  ) {
    super(`${message} [${code}]`, 1, linesOf(status, details, context), { code, status, ...(details ? { details } : {}) });
  }

  /** The same error, with problems that name no file placed in `file` (the file a request body came from). */
  inFile(file: string): ApiError {
    return new ApiError(this.status, this.code, this.message.replace(/ \[[^\]]+\]$/, ''), this.details, { file });
  }
}

function linesOf(status: number, details: ErrorDetails | undefined, context: { file?: string; tokenSource?: TokenSource }): string[] {
  const lines: string[] = [];
  if (details?.problems?.length) {
    for (const problem of details.problems) lines.push(formatProblem(problem, context.file));
  } else if (details && (details.file !== undefined || details.line !== undefined || details.path !== undefined || context.file !== undefined)) {
    const where = [details.file ?? context.file, details.line].filter((part) => part !== undefined).join(':');
    const parts = [where, details.document !== undefined ? `document ${details.document}` : '', details.path ? `at ${details.path}` : ''].filter(Boolean);
    if (parts.length) lines.push(parts.join(', '));
  }
  if (details?.hint) lines.push(`hint: ${details.hint}`);
  if (status === 401) {
    if (context.tokenSource) lines.push(`The token came from ${describeTokenSource(context.tokenSource)}.`);
    lines.push('Log in with a valid token: `paved login --token <token>` (or set PAVED_TOKEN).');
  }
  return lines;
}

/** The body `http/error-handler.ts` answers every error with; only the fields the CLI reads. */
const errorBodySchema = z.object({
  error: z.object({ name: z.string(), message: z.string(), code: z.string().default('unknown'), details: z.record(z.string(), z.unknown()).optional() }),
});

type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as `application/json`. */
  json?: unknown;
  /** Sent as `application/yaml`, unparsed: the server reports line numbers in it. */
  yaml?: string;
}

/** The one client of Paved's HTTP API: base URL, token, JSON, and the server's errors made readable. */
export interface ApiClient {
  readonly baseUrl: string;
  readonly tokenSource: TokenSource | undefined;
  /** Sends a request and returns the parsed JSON body (undefined for an empty one); throws `ApiError` or `CliError`. */
  request<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, options?: RequestOptions): Promise<T>;
}

export function createApiClient(options: { baseUrl: string; token: ResolvedToken | undefined; output: Pick<Output, 'debug'>; missingTokenLines?: string[] }): ApiClient {
  const { baseUrl, token, output } = options;
  return {
    baseUrl,
    tokenSource: token?.source,
    async request<T>(method: string, path: string, request: RequestOptions = {}): Promise<T> {
      if (!token) {
        throw new CliError(`No token for ${baseUrl}`, 2, options.missingTokenLines ?? [], { code: 'cli.no_token' });
      }
      const url = new URL(`${baseUrl}${path}`);
      for (const [key, value] of Object.entries(request.query ?? {})) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(item));
      }
      const headers: Record<string, string> = { authorization: `Bearer ${token.token}`, accept: 'application/json' };
      let body: string | undefined;
      if (request.yaml !== undefined) {
        headers['content-type'] = 'application/yaml';
        body = request.yaml;
      } else if (request.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(request.json);
      }
      const started = Date.now();
      output.debug(`${method} ${url}`);
      let response: Response;
      try {
        response = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
      } catch (error) {
        throw unreachable(baseUrl, error);
      }
      const text = await response.text();
      output.debug(`${response.status} ${response.statusText} in ${Date.now() - started} ms`);
      let parsed: unknown;
      if (text && (response.headers.get('content-type') ?? '').includes('json')) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      if (!response.ok) {
        const errorBody = errorBodySchema.safeParse(parsed);
        if (errorBody.success) {
          const { message, code, details } = errorBody.data.error;
          throw new ApiError(response.status, code, message, details as ErrorDetails | undefined, { tokenSource: token.source });
        }
        throw new ApiError(response.status, `http.${response.status}`, `${method} ${url.pathname} answered HTTP ${response.status} ${response.statusText}`, undefined, {
          tokenSource: token.source,
        });
      }
      return parsed as T;
    },
  };
}

function unreachable(baseUrl: string, error: unknown): CliError {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code === 'ECONNREFUSED' ? 'connection refused' : (cause?.code ?? cause?.message ?? (error as Error).message);
  return new CliError(`Cannot reach Paved at ${baseUrl}: ${reason}`, 1, ['Is it running? Start one with `paved up`, or point --url or PAVED_URL at it.'], {
    code: 'cli.unreachable',
  });
}

/** The server this command talks to: `--url`, else `PAVED_URL`, else http://localhost:7007. */
export function serverUrlOf(io: CliIo, globals: GlobalOptions): string {
  return normalizeServerUrl(globals.url ?? io.env.PAVED_URL ?? DEFAULT_SERVER_URL);
}

/** The API client for a command, with the token found as `resolveToken` says. */
export function connect(io: CliIo, globals: GlobalOptions, output: Output): ApiClient {
  const baseUrl = serverUrlOf(io, globals);
  const token = resolveToken({ flag: globals.token, env: io.env, cwd: io.cwd, serverUrl: baseUrl });
  output.debug(`server ${baseUrl}`);
  output.debug(token ? `token from ${describeTokenSource(token.source)}` : 'no token found');
  return createApiClient({
    baseUrl,
    token,
    output,
    missingTokenLines: [
      'Log in first: `paved login --token <token>` (or set PAVED_TOKEN, or pass --token).',
      'An administrator creates tokens with `paved token create NAME --user user:default/<you>`.',
      `For a server started with \`paved up\` on this machine, its administrator token is in ${localAdminTokenFile(io.env, io.cwd)} (set PAVED_DATA_DIR if it runs elsewhere).`,
    ],
  });
}

/**
 * An answer of the server, checked against the CLI's own view of it (a zod schema): one the CLI
 * cannot read is an error (exit 1, `cli.bad_answer`), not a crash further on.
 */
export function checked<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new CliError('The server sent an answer the CLI cannot read', 1, z.prettifyError(result.error).split('\n'), { code: 'cli.bad_answer' });
}
