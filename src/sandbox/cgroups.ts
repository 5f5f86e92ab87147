import fs from 'node:fs';
import path from 'node:path';
import type { SandboxLimits } from './types.js';

/**
 * Control groups: the limits of one sandboxed process tree, and the handle that finds every
 * process of it (even ones that left its session or process group) to kill them. Each Paved
 * installation keeps its groups under `paved/<instance>/` of each controller, so it reaps its
 * own leftovers and never another installation's.
 */

/** One process tree's group, in every controller Paved uses. */
export interface Cgroup {
  /** Files a process writes its own pid into to join the group (in every controller). */
  readonly procsFiles: string[];
  /** Processes in the group now. */
  pids(): number[];
  signal(signal: NodeJS.Signals): void;
  /** Whether the kernel killed a process of the group for going over its memory limit. */
  outOfMemory(): boolean;
  /** Whether a fork failed because the group was at its process limit. */
  processLimitHit(): boolean;
  /** Kills what is left, waits until the group is empty, removes it. */
  remove(): Promise<void>;
}

export interface CgroupTree {
  readonly version: 'v1' | 'v2';
  /** Creates a group with these limits; its name is `label` made safe and unique. */
  create(label: string, limits: SandboxLimits): Cgroup;
  /** Kills every process in this installation's groups and removes them; returns how many processes were killed. */
  reap(): Promise<number>;
  /** Removes this installation's folder in each controller, if no group is left in it. */
  removeIfEmpty(): void;
}

const CFS_PERIOD_US = 100_000;
const CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
type Controller = (typeof CONTROLLERS)[number];

/**
 * The cgroup hierarchy this machine offers: v1 (one mount per controller) or v2 (one unified
 * mount). Undefined when Paved cannot create groups there (not root, no delegation): the
 * caller then runs without limits and says so.
 */
export function openCgroups(instance: string, mounts = fs.readFileSync('/proc/mounts', 'utf8')): CgroupTree | undefined {
  const entries = mounts.split('\n').map((line) => line.split(' ')).filter((fields) => fields.length >= 4);
  const v1 = new Map<Controller, string>();
  for (const [, mountPoint, type, options] of entries) {
    if (type !== 'cgroup') continue;
    const opts = options!.split(',');
    for (const controller of CONTROLLERS) if (opts.includes(controller) && !v1.has(controller)) v1.set(controller, mountPoint!);
  }
  if (v1.size === CONTROLLERS.length) {
    const roots = CONTROLLERS.map((controller) => ({ controller, dir: path.join(v1.get(controller)!, 'paved', instance) }));
    if (roots.every(({ dir }) => makeDir(dir))) return v1Tree(roots);
  }
  const unified = entries.find(([, mountPoint, type]) => type === 'cgroup2' && fs.existsSync(path.join(mountPoint!, 'cgroup.controllers')));
  if (unified) {
    const root = unified[1]!;
    const available = read(path.join(root, 'cgroup.controllers')).split(/\s+/);
    if (CONTROLLERS.every((controller) => available.includes(controller))) {
      const dir = path.join(root, 'paved', instance);
      // v2 gives a child a controller only when every ancestor enables it for its children.
      if (makeDir(dir) && [root, path.dirname(dir), dir].every((level) => write(path.join(level, 'cgroup.subtree_control'), CONTROLLERS.map((c) => `+${c}`).join(' ')))) return v2Tree(dir);
    }
  }
  return undefined;
}

function v1Tree(roots: { controller: Controller; dir: string }[]): CgroupTree {
  const dirOf = (controller: Controller, name: string) => path.join(roots.find((root) => root.controller === controller)!.dir, name);
  const group = (name: string): Cgroup => {
    const dirs = roots.map(({ controller }) => dirOf(controller, name));
    return handle({
      dirs,
      procsFiles: dirs.map((dir) => path.join(dir, 'cgroup.procs')),
      procs: path.join(dirOf('pids', name), 'cgroup.procs'),
      outOfMemory: () => counter(path.join(dirOf('memory', name), 'memory.oom_control'), 'oom_kill') > 0,
      processLimitHit: () => counter(path.join(dirOf('pids', name), 'pids.events'), 'max') > 0,
    });
  };
  return {
    version: 'v1',
    create(label, limits) {
      const name = uniqueName(label);
      // The installation's folder may have been removed by a `close()` since: made again here.
      for (const { controller } of roots) fs.mkdirSync(dirOf(controller, name), { recursive: true });
      const memory = dirOf('memory', name);
      writeOrThrow(path.join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      // With swap accounting, memory+swap gets the same limit: a build cannot swap past it.
      const memsw = path.join(memory, 'memory.memsw.limit_in_bytes');
      if (fs.existsSync(memsw)) write(memsw, String(limits.memoryBytes));
      writeOrThrow(path.join(dirOf('pids', name), 'pids.max'), String(limits.pids));
      writeOrThrow(path.join(dirOf('cpu', name), 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
      writeOrThrow(path.join(dirOf('cpu', name), 'cpu.cfs_quota_us'), String(Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))));
      return group(name);
    },
    reap: () => reapAll(subfolders(roots.find((root) => root.controller === 'pids')!.dir).map(group)),
    removeIfEmpty: () => roots.forEach(({ dir }) => removeDir(dir)),
  };
}

function v2Tree(root: string): CgroupTree {
  const group = (name: string): Cgroup => {
    const dir = path.join(root, name);
    return handle({
      dirs: [dir],
      procsFiles: [path.join(dir, 'cgroup.procs')],
      procs: path.join(dir, 'cgroup.procs'),
      outOfMemory: () => counter(path.join(dir, 'memory.events'), 'oom_kill') > 0,
      processLimitHit: () => counter(path.join(dir, 'pids.events'), 'max') > 0,
    });
  };
  return {
    version: 'v2',
    create(label, limits) {
      const name = uniqueName(label);
      const dir = path.join(root, name);
      if (!fs.existsSync(root)) {
        // Made again after a `close()`: its children get the controllers only if it passes them on.
        fs.mkdirSync(root);
        writeOrThrow(path.join(root, 'cgroup.subtree_control'), CONTROLLERS.map((c) => `+${c}`).join(' '));
      }
      fs.mkdirSync(dir);
      writeOrThrow(path.join(dir, 'memory.max'), String(limits.memoryBytes));
      if (fs.existsSync(path.join(dir, 'memory.swap.max'))) write(path.join(dir, 'memory.swap.max'), '0');
      writeOrThrow(path.join(dir, 'pids.max'), String(limits.pids));
      writeOrThrow(path.join(dir, 'cpu.max'), `${Math.max(1000, Math.round(limits.cpus * CFS_PERIOD_US))} ${CFS_PERIOD_US}`);
      return group(name);
    },
    reap: () => reapAll(subfolders(root).map(group)),
    removeIfEmpty: () => removeDir(root),
  };
}

function handle(group: { dirs: string[]; procsFiles: string[]; procs: string; outOfMemory(): boolean; processLimitHit(): boolean }): Cgroup {
  const pids = () =>
    read(group.procs)
      .split('\n')
      .filter(Boolean)
      .map(Number);
  const signal = (signal: NodeJS.Signals) => {
    for (const pid of pids()) {
      try {
        process.kill(pid, signal);
      } catch {
        // It exited meanwhile.
      }
    }
  };
  return {
    procsFiles: group.procsFiles,
    pids,
    signal,
    outOfMemory: group.outOfMemory,
    processLimitHit: group.processLimitHit,
    async remove() {
      // A process may fork while it is being killed: kill until the group stays empty. The
      // last process is usually gone already (the group empties as bwrap exits).
      for (let attempt = 0; attempt < 1000; attempt += 1) {
        if (attempt > 0) signal('SIGKILL');
        let removed = true;
        for (const dir of group.dirs) {
          try {
            fs.rmdirSync(dir);
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') removed = false;
          }
        }
        if (removed) return;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      throw new Error(`the sandbox's cgroup ${group.dirs[0]} still has processes after 2 s of killing them`);
    },
  };
}

async function reapAll(groups: Cgroup[]): Promise<number> {
  let killed = 0;
  for (const group of groups) {
    killed += group.pids().length;
    await group.remove();
  }
  return killed;
}

let sequence = 0;
function uniqueName(label: string): string {
  sequence += 1;
  return `${label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80)}-${process.pid}-${sequence}`;
}

function subfolders(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** `oom_kill 1` in a `key value` file (memory.oom_control, memory.events). */
function counter(file: string, key: string): number {
  const line = read(file)
    .split('\n')
    .find((candidate) => candidate.startsWith(`${key} `));
  return line ? Number(line.slice(key.length + 1)) : 0;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function write(file: string, value: string): boolean {
  try {
    fs.writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

function writeOrThrow(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (error) {
    throw new Error(`cannot set the sandbox limit ${path.basename(file)} to ${value}: ${(error as Error).message}`);
  }
}

function removeDir(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // Still in use (a group in it), or gone.
  }
}

function makeDir(dir: string): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    return true;
  } catch {
    return false;
  }
}
