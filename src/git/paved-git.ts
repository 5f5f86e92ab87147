import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * How Paved runs git itself, on any folder (a job's checkout, a template's workspace, a bare
 * repository): with no system or global configuration and no hooks, so nothing a user wrote — a
 * step's `git config --global`, a hooks path, an fsmonitor command — ever runs in Paved's process.
 */

const run = promisify(execFile);

/** The variables a proxy in front of Paved needs (publishing to a remote forge), kept from Paved's own. */
const PASSED = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'GIT_SSL_CAINFO', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS'];

/** Paved's git environment, plus `extra` (GIT_DIR, the author …). */
function pavedGitEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...Object.fromEntries(PASSED.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : []))),
    PATH: '/usr/local/bin:/usr/bin:/bin',
    HOME: '/nonexistent',
    LANG: 'C.UTF-8',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

/** Options before every git command of Paved's: no hooks, no fsmonitor, no signing prompts. */
const PAVED_GIT_OPTIONS = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', '-c', 'commit.gpgsign=false'];

/**
 * Runs one git command of Paved's own: its options first, its environment plus `env`. The
 * promise carries the child (`.child`), for commands that read their input from stdin.
 */
export function pavedGit(args: string[], options: { env?: Record<string, string>; signal?: AbortSignal | undefined; maxBuffer?: number } = {}) {
  return run('git', [...PAVED_GIT_OPTIONS, ...args], {
    env: pavedGitEnvironment(options.env),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxBuffer ? { maxBuffer: options.maxBuffer } : {}),
  });
}
