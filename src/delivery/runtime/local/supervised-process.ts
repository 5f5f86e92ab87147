import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import readline from 'node:readline';

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
  /** Hides the workload's secrets (its resources' passwords) in what it prints. */
  mask(text: string): string;
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
 * A container of the local runtime: a process in its own process group, restarted with
 * exponential backoff when it exits, marked as crash-looping when it keeps failing. Its output
 * goes to a file and to a tail kept in memory that followers subscribe to.
 */
export class SupervisedProcess extends EventEmitter<{ line: [OutputLine]; exit: [string] }> {
  private child: ChildProcess | undefined;
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
    this.logStream = fs.createWriteStream(spec.logFile, { flags: 'a' });
    this.logStream.on('error', () => undefined);
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
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get crashLooping(): boolean {
    const now = Date.now();
    return this.restartTimes.filter((at) => now - at < CRASH_LOOP_WINDOW_MS).length >= CRASH_LOOP_RESTARTS;
  }

  start(): void {
    const [executable, ...args] = this.spec.command;
    this.startedAt = Date.now();
    let child: ChildProcess;
    try {
      // Its own process group (detached), so stopping it stops whatever it started too.
      child = spawn(executable!, args, { cwd: this.spec.cwd, env: this.spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      this.record('paved', `could not start ${this.spec.command.join(' ')}: ${(error as Error).message}`);
      this.onExit(`could not start: ${(error as Error).message}`);
      return;
    }
    this.child = child;
    child.on('error', (error) => {
      this.record('paved', `could not start ${executable}: ${error.message}`);
      if (child.pid === undefined) this.onExit(`could not start: ${error.message}`);
    });
    readline.createInterface({ input: child.stdout! }).on('line', (text) => this.record('stdout', text));
    readline.createInterface({ input: child.stderr! }).on('line', (text) => this.record('stderr', text));
    child.on('exit', (code, signal) => this.onExit(signal ? `killed by ${signal}` : `exited with code ${code}`));
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

  private record(stream: OutputLine['stream'], text: string): void {
    const line = { at: new Date().toISOString(), stream, text: this.spec.mask(text) };
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.logStream.write(`${line.at} ${stream} ${text}\n`);
    this.emit('line', line);
  }

  /** SIGTERM to the process group, SIGKILL after a grace period; resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && this.running && child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
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
