import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import readline from 'node:readline';
import type { SandboxProcess } from '../../../sandbox/index.js';
import type { Masker } from '../../../secrets/index.js';

/** One line a process printed, kept for `paved logs` and the portal. */
export interface OutputLine {
  at: string;
  stream: 'stdout' | 'stderr' | 'paved';
  text: string;
}

export interface ProcessSpec {
  /** Container name, for messages. */
  name: string;
  command: string[];
  cwd: string;
  env: Record<string, string>;
  /** Where output is appended, besides the in-memory tail. */
  logFile: string;
  /** The first restart's delay; each next one doubles it, up to a minute. */
  backoffStartMs: number;
  /** Hides the workload's secrets (its resources' passwords) in what it prints, on screen and on disk. */
  mask: Masker;
  /** Starts the command: in the sandbox, with the instance's mounts, network and limits. */
  launch(spec: { command: string[]; cwd: string; env: Record<string, string> }): SandboxProcess;
  /** Said when the kernel killed it for its memory, e.g. `out of memory (limit 512 MiB)`. */
  outOfMemoryReason: string;
}

const TAIL_LINES = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Up this long, a process has recovered: its backoff starts over. */
const STABLE_AFTER_MS = 60_000;
/** This many restarts within the window is a crash loop (Kubernetes' CrashLoopBackOff). */
const CRASH_LOOP_RESTARTS = 5;
const CRASH_LOOP_WINDOW_MS = 5 * 60_000;
const STOP_GRACE_MS = 5_000;

/**
 * A container of the local runtime: a sandboxed process tree, restarted with
 * exponential backoff when it exits, marked as crash-looping when it keeps failing. Its output
 * goes to a file and to a tail kept in memory that followers subscribe to.
 */
export class SupervisedProcess extends EventEmitter<{ line: [OutputLine]; exit: [string] }> {
  /** The running process tree; undefined once it has exited (its whole tree is gone). */
  private child: SandboxProcess | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private backoffMs: number;
  private readonly restartTimes: number[] = [];
  readonly tail: OutputLine[] = [];
  restarts = 0;
  lastExit: string | undefined;
  private readonly logStream: fs.WriteStream;

  constructor(private readonly spec: ProcessSpec) {
    super();
    this.backoffMs = spec.backoffStartMs;
    // The log holds what the workload printed: only Paved may read it (a file made before may be 0644).
    this.logStream = fs.createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 });
    this.logStream.on('error', () => undefined);
    this.logStream.on('open', (fd) => fs.fchmod(fd, 0o600, () => undefined));
  }

  get containerName(): string {
    return this.spec.name;
  }

  get cwd(): string {
    return this.spec.cwd;
  }

  get env(): Record<string, string> {
    return this.spec.env;
  }

  get pid(): number | undefined {
    return this.child?.child.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get crashLooping(): boolean {
    const now = Date.now();
    return this.restartTimes.filter((at) => now - at < CRASH_LOOP_WINDOW_MS).length >= CRASH_LOOP_RESTARTS;
  }

  start(): void {
    this.startedAt = Date.now();
    let started: SandboxProcess;
    try {
      started = this.spec.launch({ command: this.spec.command, cwd: this.spec.cwd, env: this.spec.env });
    } catch (error) {
      this.record('paved', `could not start ${this.spec.command.join(' ')}: ${(error as Error).message}`);
      this.onExit(`could not start: ${(error as Error).message}`);
      return;
    }
    this.child = started;
    const { child } = started;
    child.on('error', (error) => this.record('paved', `could not start ${this.spec.command[0]}: ${error.message}`));
    // Each stream holds its last line until the next, so a secret printed in two pieces is masked on both.
    for (const stream of ['stdout', 'stderr'] as const) {
      const masked = this.spec.mask.lines((text) => this.record(stream, text, true));
      readline.createInterface({ input: child[stream]! }).on('line', (text) => masked.push(text)).on('close', () => masked.end());
    }
    // Its whole tree is gone by then (the sandbox's PID namespace and cgroup, or its process group).
    void started.exited.then(({ exitCode, signal, outOfMemory }) => {
      if (this.child !== started) return;
      this.onExit(outOfMemory ? `was killed: ${this.spec.outOfMemoryReason}` : signal ? `killed by ${signal}` : `exited with code ${exitCode}`);
    });
  }

  private onExit(reason: string): void {
    this.lastExit = reason;
    this.child = undefined;
    this.emit('exit', reason);
    if (this.stopping) return;
    this.record('paved', `${this.spec.name} ${reason}; restarting in ${Math.round(this.backoffMs / 100) / 10} s`);
    if (Date.now() - this.startedAt > STABLE_AFTER_MS) this.backoffMs = this.spec.backoffStartMs;
    this.restartTimer = setTimeout(() => {
      this.restarts += 1;
      this.restartTimes.push(Date.now());
      this.start();
    }, this.backoffMs);
    this.restartTimer.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
  }

  private record(stream: OutputLine['stream'], text: string, masked = false): void {
    const line = { at: new Date().toISOString(), stream, text: masked ? text : this.spec.mask(text) };
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.logStream.write(`${line.at} ${stream} ${line.text}\n`);
    this.emit('line', line);
  }

  /** SIGTERM to everything it runs, SIGKILL after a grace period; resolves when all of it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child) await child.stop(STOP_GRACE_MS);
    await new Promise<void>((resolve) => this.logStream.end(resolve));
  }
}

export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}
