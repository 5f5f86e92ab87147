import { type ChildProcess, spawn } from 'node:child_process';
import { bubblewrapArguments } from './bubblewrap.js';
import type { CgroupTree } from './cgroups.js';
import type { SandboxExit, SandboxProcess, SandboxSpawnOptions } from './types.js';

/** What the host offers bubblewrap, found once at start. */
export interface BubblewrapRuntime {
  bwrap: string;
  /** For joining a shared network namespace. */
  nsenter: string | undefined;
  system: string[];
  dropTo?: { setpriv: string; uid: number; gid: number };
  /** Undefined when this host gives Paved no cgroups: no limits then (said at start). */
  cgroups: CgroupTree | undefined;
}

/**
 * Joins the cgroups given before `--`, then execs the rest. The shell writes its own pid before
 * it execs bwrap, so bwrap and everything it starts are born inside the group: no window in
 * which the user's command runs unlimited, and nothing it forks can be missed when killing.
 */
const JOIN_CGROUPS_THEN_EXEC = 'pid=$$; while [ "$1" != -- ]; do echo "$pid" > "$1" || exit 125; shift; done; shift; exec "$@"';

export function spawnInBubblewrap(options: SandboxSpawnOptions, runtime: BubblewrapRuntime): SandboxProcess {
  if (options.network && !runtime.nsenter) throw new Error('joining a network namespace needs nsenter (apt-get install util-linux)');
  const { options: bwrapOptions, command } = bubblewrapArguments({
    system: runtime.system,
    command: options.command,
    cwd: options.cwd,
    mounts: options.mounts,
    env: options.env,
    sharedNetwork: options.network !== undefined,
    ...(runtime.dropTo ? { dropTo: runtime.dropTo } : {}),
  });
  const enterNetwork = options.network ? [runtime.nsenter!, `--net=${options.network.netns}`] : [];
  const cgroup = runtime.cgroups?.create(options.label, options.limits);
  // Nothing of Paved's environment reaches even the host-side helpers (a user's LD_PRELOAD
  // would run as root there): the user's environment travels inside bwrap's --args.
  const child = spawn('/bin/sh', ['-c', JOIN_CGROUPS_THEN_EXEC, 'sandbox', ...(cgroup?.procsFiles ?? []), '--', ...enterNetwork, runtime.bwrap, '--args', '3', ...command], {
    cwd: '/',
    env: {},
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const argsPipe = child.stdio[3] as NodeJS.WritableStream;
  argsPipe.on('error', () => undefined);
  argsPipe.end(`${bwrapOptions.join('\0')}\0`);

  const insideProcesses = () => (cgroup ? cgroup.pids().filter((pid) => pid !== child.pid) : []);
  const exited = settle(child, async () => {
    const limitsHit = { outOfMemory: cgroup?.outOfMemory() ?? false, processLimitHit: cgroup?.processLimitHit() ?? false };
    await cgroup?.remove();
    return limitsHit;
  });
  return {
    child,
    exited,
    async stop(graceMs) {
      if (!cgroup) {
        // Without a cgroup, bwrap's end takes its sandbox with it (--die-with-parent).
        signal(child.pid, 'SIGKILL');
        await exited;
        return;
      }
      // The processes inside get SIGTERM (bwrap itself does not pass it on), then SIGKILL.
      for (const pid of insideProcesses()) signal(pid, 'SIGTERM');
      const timer = setTimeout(() => cgroup.signal('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The opt-out: the command as Paved's own user, in its own process group, killed as a group. */
export function spawnUnsandboxed(options: SandboxSpawnOptions): SandboxProcess {
  const [file, ...args] = options.command;
  const child = spawn(file!, args, { cwd: options.cwd, env: { TMPDIR: '/tmp', ...options.env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const group = () => (child.pid === undefined ? undefined : -child.pid);
  const exited = settle(child, async () => {
    // What it backgrounded goes with it.
    signal(group(), 'SIGKILL');
    return { outOfMemory: false, processLimitHit: false };
  });
  return {
    child,
    exited,
    async stop(graceMs) {
      signal(group(), 'SIGTERM');
      const timer = setTimeout(() => signal(group(), 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resolves once the process has exited, `cleanUp` (which says which limits it hit) is done, and its output is read. */
async function settle(child: ChildProcess, cleanUp: () => Promise<Pick<SandboxExit, 'outOfMemory' | 'processLimitHit'>>): Promise<SandboxExit> {
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ended = await new Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; failed?: true }>((resolve) => {
    child.once('error', () => resolve({ exitCode: null, signal: null, failed: true }));
    child.once('exit', (exitCode, exitSignal) => resolve({ exitCode, signal: exitSignal }));
  });
  const limitsHit = await cleanUp();
  if (!ended.failed) await closed;
  return { exitCode: ended.exitCode, signal: ended.signal, ...limitsHit };
}

function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}
