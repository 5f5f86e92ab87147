import type { ChildProcess } from 'node:child_process';

/**
 * The sandbox's contract: how Paved runs code on behalf of a user (pipeline steps, local
 * workloads, exec probes). Everything such code can reach is named here; nothing of Paved's own
 * (its data dir, its environment, its ports, other tenants' files) is reachable from inside.
 */

/** Resource limits of one sandboxed process tree (a cgroup). */
export interface SandboxLimits {
  /** Memory (RSS + page cache) in bytes; past it the kernel kills, and the log says "out of memory". */
  memoryBytes: number;
  /** Processes and threads at once: a fork bomb stops here. */
  pids: number;
  /** CPU share, in cores (0.5 = half a core). */
  cpus: number;
}

/** A folder of the host seen inside the sandbox, at the same path. */
export interface SandboxMount {
  path: string;
  writable: boolean;
}

/**
 * A network namespace shared by the processes of one job or one workload instance (like a pod's):
 * only loopback inside, plus what Paved bridges in or out explicitly.
 */
export interface SandboxNetworkSpec {
  /** Reach outside only through Paved's egress proxy, limited to the allow-listed hosts (HTTP_PROXY …). */
  egress: boolean;
  /** Inside, 127.0.0.1:`port` connects to `host`:`hostPort` outside (a workload's own database or cache). */
  forwards: { port: number; host: string; hostPort: number }[];
  /** Inside services listening on 127.0.0.1:`port`, reached by Paved (the router, probes) at `socketPath`. */
  exposes: { port: number; socketPath: string }[];
}

/** A running network namespace; processes join it by `netns`, and it ends with `close()`. */
export interface SandboxNetwork {
  /** `/proc/<pid>/ns/net` of the process holding the namespace. */
  netns: string;
  /** Variables the processes inside need to use it (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, npm_config_proxy …). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface SandboxSpawnOptions {
  /** argv; the first element is looked up in the sandbox's PATH. */
  command: string[];
  /** Working directory (must be inside a mount). */
  cwd: string;
  /** The job's workspace, a build: the only host folders visible inside, besides the read-only system. */
  mounts: SandboxMount[];
  /** The whole environment inside; nothing of Paved's own is added. HOME and TMPDIR are private. */
  env: Record<string, string>;
  limits: SandboxLimits;
  /** Joins this network namespace; without it the process has loopback only. */
  network?: SandboxNetwork;
  /** A label for logs and the cgroup's name (`pipeline-<task>-<job>`, `workload-<instance>`). */
  label: string;
}

/** How a sandboxed process tree ended, and which of its limits it hit. */
export interface SandboxExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  outOfMemory: boolean;
  processLimitHit?: boolean;
}

/** A sandboxed process: a ChildProcess whose whole tree is stopped with it. */
export interface SandboxProcess {
  child: ChildProcess;
  /** Resolves when the process and everything it started are gone. */
  exited: Promise<SandboxExit>;
  /** Stops the whole tree: SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

export interface Sandbox {
  /**
   * `bubblewrap` when isolation is real, `none` under the operator's explicit opt-out,
   * `unavailable` when bubblewrap cannot run here: then `spawn` and `network` refuse.
   */
  readonly mode: 'bubblewrap' | 'none' | 'unavailable';
  /**
   * A line every run's log carries: the opt-out's warning, or why the sandbox is unavailable
   * and how to fix it. Undefined when the sandbox works.
   */
  readonly notice: string | undefined;
  /** Throws `SandboxUnavailableError` (naming the fix) unless code can be run: call before starting work. */
  assertAvailable(): void;
  /** Hands folders (and everything in them) to the sandbox's user, so sandboxed code may write them. */
  ownWritable(...folders: string[]): Promise<void>;
  /** Throws `SandboxUnavailableError` when the sandbox is unavailable. */
  spawn(options: SandboxSpawnOptions): SandboxProcess;
  /** A network namespace for processes that are to share one (a job's steps, a workload's containers). */
  network(spec: SandboxNetworkSpec): Promise<SandboxNetwork>;
  /** Kills what a previous Paved process left running in sandboxes (its cgroups), before work is retried. */
  reapLeftovers(): Promise<number>;
  /** At Paved's close, once its work has stopped: removes this installation's empty cgroup folders. */
  close(): Promise<void>;
}
