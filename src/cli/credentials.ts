import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CliError, UsageError } from './output.js';

type Env = Record<string, string | undefined>;

export const DEFAULT_SERVER_URL = 'http://localhost:7007';

/** Where the token of a command came from, strongest first. */
export type TokenSource =
  | { kind: 'flag' }
  | { kind: 'env' }
  | { kind: 'saved'; file: string }
  | { kind: 'admin-token-file'; file: string };

export interface ResolvedToken {
  token: string;
  source: TokenSource;
}

const credentialsSchema = z.object({
  servers: z.record(z.string(), z.object({ token: z.string().min(1), userRef: z.string().optional(), savedAt: z.string().optional() })).default({}),
});
type Credentials = z.infer<typeof credentialsSchema>;

/** The server's base URL without a trailing slash; the key under which its token is saved. */
export function normalizeServerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`"${url}" is not a URL`, ['Give the server as http(s)://host:port, e.g. --url http://localhost:7007 or PAVED_URL.']);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`The server URL must be http or https, not ${parsed.protocol}`);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** `$XDG_CONFIG_HOME/paved/credentials.json`, by default under `~/.config`. */
export function credentialsFile(env: Env): string {
  const configHome = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(configHome, 'paved', 'credentials.json');
}

function readCredentials(file: string): Credentials {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw new CliError(`Cannot read ${file}: ${(error as Error).message}`, 2);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = credentialsSchema.safeParse(parsed);
  if (!result.success) throw new CliError(`${file} is not a Paved credentials file`, 2, ['Delete it and run `paved login` again.']);
  return result.data;
}

/**
 * Writes the whole file through a temporary one and a rename, so a crash never leaves half a
 * file; the file is readable by its owner only, as it holds secrets.
 */
function writeCredentials(file: string, credentials: Credentials): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  fs.chmodSync(temporary, 0o600);
  fs.renameSync(temporary, file);
}

/** Saves the token for one server, replacing the one saved before. */
export function saveToken(env: Env, serverUrl: string, entry: { token: string; userRef: string }): string {
  const file = credentialsFile(env);
  const credentials = readCredentials(file);
  credentials.servers[normalizeServerUrl(serverUrl)] = { ...entry, savedAt: new Date().toISOString() };
  writeCredentials(file, credentials);
  return file;
}

/** Forgets the token saved for one server; false when there was none. */
export function removeSavedToken(env: Env, serverUrl: string): boolean {
  const file = credentialsFile(env);
  const credentials = readCredentials(file);
  const key = normalizeServerUrl(serverUrl);
  if (!credentials.servers[key]) return false;
  delete credentials.servers[key];
  writeCredentials(file, credentials);
  return true;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0']);

/**
 * The token to send: `--token`, else `PAVED_TOKEN`, else the one `paved login` saved for this
 * server, else, for a server on this machine, the administrator token `paved up` keeps in its
 * data dir. Undefined when there is none.
 */
export function resolveToken(options: { flag?: string; env: Env; cwd: string; serverUrl: string }): ResolvedToken | undefined {
  if (options.flag) return { token: options.flag, source: { kind: 'flag' } };
  if (options.env.PAVED_TOKEN) return { token: options.env.PAVED_TOKEN, source: { kind: 'env' } };
  const file = credentialsFile(options.env);
  const saved = readCredentials(file).servers[normalizeServerUrl(options.serverUrl)];
  if (saved) return { token: saved.token, source: { kind: 'saved', file } };
  if (LOCAL_HOSTS.has(new URL(options.serverUrl).hostname)) {
    const adminTokenFile = localAdminTokenFile(options.env, options.cwd);
    const token = fs.existsSync(adminTokenFile) ? fs.readFileSync(adminTokenFile, 'utf8').trim() : '';
    if (token) return { token, source: { kind: 'admin-token-file', file: adminTokenFile } };
  }
  return undefined;
}

/** `<PAVED_DATA_DIR or ./.paved>/admin-token`, where a local server keeps its generated token. */
export function localAdminTokenFile(env: Env, cwd: string): string {
  return path.resolve(cwd, env.PAVED_DATA_DIR || '.paved', 'admin-token');
}

export function describeTokenSource(source: TokenSource): string {
  switch (source.kind) {
    case 'flag':
      return 'the --token option';
    case 'env':
      return 'PAVED_TOKEN';
    case 'saved':
      return `the token saved by \`paved login\` in ${source.file}`;
    case 'admin-token-file':
      return `the local administrator token in ${source.file}`;
  }
}
