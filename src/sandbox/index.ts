import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { systemArguments } from './bubblewrap.js';
import { openCgroups } from './cgroups.js';
import { parseMemoryQuantity } from './quantities.js';
import { createSandboxNetwork } from './network/index.js';
import { SandboxUnavailableError } from './sandbox-unavailable-error.js';
import { type BubblewrapRuntime, spawnInBubblewrap, spawnUnsandboxed } from './sandboxed-process.js';
import type { Sandbox, SandboxLimits, SandboxNetwork, SandboxNetworkSpec } from './types.js';

export type * from './types.js';
export { SandboxUnavailableError } from './sandbox-unavailable-error.js';
export { formatBytes, parseCpuQuantity, parseMemoryQuantity } from './quantities.js';

const run = promisify(execFile);
const PROBE_TIMEOUT_MS = 15_000;
const OPT_OUT_NOTICE = 'running unsandboxed: PAVED_SANDBOX=off — this code runs as Paved’s own user and can read everything Paved can';

export interface SandboxDeps {
  config: Pick<Config, 'sandbox' | 'dataDir'>;
  logger: Logger;
  /** Replaces `createSandboxNetwork` (tests give one with a resolver that needs no internet). */
  createNetwork?: (spec: SandboxNetworkSpec) => Promise<SandboxNetwork>;
}

/**
 * The one way Paved runs code on behalf of users. Probes bubblewrap once: without a working one
 * Paved still starts (it says so loudly), but every spawn is refused with the fix; it never
 * falls back to running code unsandboxed unless the operator opted out (`PAVED_SANDBOX=off`).
 */
export async function createSandbox(deps: SandboxDeps): Promise<Sandbox> {
  const { config, logger } = deps;
  if (config.sandbox.mode === 'off') {
    logger.warn(`${OPT_OUT_NOTICE}. Only for a single-user laptop: see docs/security.md`);
    return {
      mode: 'none',
      notice: OPT_OUT_NOTICE,
      assertAvailable: () => undefined,
      ownWritable: async () => undefined,
      spawn: spawnUnsandboxed,
      // Unsandboxed processes share the host's network: there is no namespace to make.
      network: async () => ({ netns: '', env: {}, close: async () => undefined }),
      reapLeftovers: async () => 0,
      close: async () => undefined,
    };
  }
  const found = await findRuntime(config, logger);
  if (typeof found === 'string') {
    const error = new SandboxUnavailableError(found);
    logger.error(`${error.message}. Pipeline runs and deployments to the local runtime are refused until it is fixed.`);
    const refuse = () => {
      throw error;
    };
    return { mode: 'unavailable', notice: error.message, assertAvailable: refuse, ownWritable: async () => refuse(), spawn: refuse, network: async () => refuse(), reapLeftovers: async () => 0, close: async () => undefined };
  }
  const runtime = found;
  return {
    mode: 'bubblewrap',
    notice: undefined,
    assertAvailable: () => undefined,
    async ownWritable(...folders) {
      if (!runtime.dropTo || folders.length === 0) return;
      // One chown for all of them: a process each would add its start to every job and instance.
      await run('chown', ['-R', '--no-dereference', `${runtime.dropTo.uid}:${runtime.dropTo.gid}`, '--', ...folders]);
    },
    spawn: (options) => spawnInBubblewrap(options, runtime),
    network:
      deps.createNetwork ??
      ((spec) =>
        createSandboxNetwork(spec, { bwrap: runtime.bwrap, uid: config.sandbox.uid, gid: config.sandbox.gid, egress: { allow: config.sandbox.egress }, logger: logger.child({ component: 'sandbox-network' }) })),
    async reapLeftovers() {
      const killed = (await runtime.cgroups?.reap()) ?? 0;
      if (killed > 0) logger.warn({ killed }, 'killed processes a previous Paved left running in sandboxes');
      return killed;
    },
    async close() {
      runtime.cgroups?.removeIfEmpty();
    },
  };
}

/** The limits of a pipeline job or workload when it sets none. */
export function defaultLimits(config: Pick<Config, 'sandbox'>): SandboxLimits {
  return { memoryBytes: parseMemoryQuantity(config.sandbox.memory)!, cpus: config.sandbox.cpus, pids: config.sandbox.pids };
}

/** The most a pipeline file may ask for of each limit, with the setting that raises it. */
export type LimitCeilings = { [limit in keyof SandboxLimits]: { most: number; setting: string } };

export function limitCeilings(config: Pick<Config, 'sandbox'>): LimitCeilings {
  return {
    memoryBytes: { most: parseMemoryQuantity(config.sandbox.maxMemory)!, setting: 'PAVED_SANDBOX_MAX_MEMORY' },
    cpus: { most: config.sandbox.maxCpus, setting: 'PAVED_SANDBOX_MAX_CPUS' },
    pids: { most: config.sandbox.maxPids, setting: 'PAVED_SANDBOX_MAX_PIDS' },
  };
}

/** bubblewrap, setpriv and cgroups as this host has them, or why the sandbox cannot run. */
async function findRuntime(config: Pick<Config, 'sandbox' | 'dataDir'>, logger: Logger): Promise<BubblewrapRuntime | string> {
  const bwrap = findBinary(config.sandbox.bwrap);
  if (!bwrap) {
    const where = config.sandbox.bwrap === 'bwrap' ? '' : ` at ${config.sandbox.bwrap} (PAVED_SANDBOX_BWRAP)`;
    return `bubblewrap (bwrap) is not installed${where} — apt-get install bubblewrap`;
  }
  const asRoot = process.getuid?.() === 0;
  let dropTo: BubblewrapRuntime['dropTo'];
  if (asRoot) {
    const setpriv = findBinary('setpriv');
    if (!setpriv) return 'setpriv is not installed (it drops sandboxed code to an unprivileged user) — apt-get install util-linux';
    dropTo = { setpriv, uid: config.sandbox.uid, gid: config.sandbox.gid };
  }
  const instance = crypto.createHash('sha256').update(fs.realpathSync(config.dataDir)).digest('hex').slice(0, 12);
  let cgroups: BubblewrapRuntime['cgroups'];
  try {
    cgroups = openCgroups(instance);
  } catch {
    cgroups = undefined;
  }
  if (!cgroups) logger.warn('the sandbox has no cgroups here (Paved is not root and none are delegated to it): memory, CPU and process limits are not enforced');
  const runtime: BubblewrapRuntime = { bwrap, nsenter: findBinary('nsenter'), system: systemArguments(path.join(config.dataDir, 'sandbox', 'etc')), ...(dropTo ? { dropTo } : {}), cgroups };
  const problem = await probe(runtime);
  if (problem) return `bubblewrap (${bwrap}) cannot create a sandbox on this machine: ${problem}`;
  logger.info({ bwrap, uid: dropTo?.uid ?? process.getuid?.(), cgroups: cgroups?.version ?? 'none' }, 'sandbox ready: user code runs in bubblewrap');
  return runtime;
}

/** Runs `true` in a sandbox like any other: what fails here would fail every run. */
async function probe(runtime: BubblewrapRuntime): Promise<string | undefined> {
  try {
    const sandboxed = spawnInBubblewrap({ command: ['true'], cwd: '/', mounts: [], env: { PATH: '/usr/bin:/bin' }, limits: { memoryBytes: 64 * 2 ** 20, pids: 16, cpus: 1 }, label: 'probe' }, runtime);
    let stderr = '';
    sandboxed.child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const timer = setTimeout(() => void sandboxed.stop(0), PROBE_TIMEOUT_MS);
    const outcome = await sandboxed.exited;
    clearTimeout(timer);
    return outcome.exitCode === 0 ? undefined : stderr.trim() || `exit ${outcome.exitCode ?? outcome.signal}`;
  } catch (error) {
    return (error as Error).message;
  }
}

function findBinary(name: string): string | undefined {
  const candidates = path.isAbsolute(name) ? [name] : ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':')].filter(Boolean).map((dir) => path.join(dir, name));
  return candidates.find((candidate) => {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return fs.statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}
