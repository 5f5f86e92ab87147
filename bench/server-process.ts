import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { probeStatus } from './http-client.js';

/** The built server, started as a child process the way an operator starts it. */
export interface ServerProcess {
  pid: number;
  baseUrl: string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<string>;
}

export const REPO_ROOT = path.resolve(import.meta.dirname, '..');
/** The built server; `BENCH_SERVER_ENTRY` swaps in a stand-in when testing the harness itself. */
export const SERVER_ENTRY = process.env.BENCH_SERVER_ENTRY ?? path.join(REPO_ROOT, 'dist', 'src', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `node dist/src/main.js` with exactly `env` on top of PATH/HOME, appending its output to
 * `logFile`. Does not wait for health: see {@link waitHealthy}.
 */
export function startServer(env: Record<string, string>, logFile: string): ServerProcess {
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  if (child.pid === undefined) throw new Error('the server process did not start');
  // A harness that dies (Ctrl-C, an exception) must not leave a server holding the port and data.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      process.removeListener('exit', killOnExit);
      resolve(signal ?? String(code));
    }),
  );
  return {
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${env.PORT}`,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * Polls `/healthz` every `intervalMs` until it answers 200; returns the milliseconds since
 * `since`. Throws when the process exits first or `timeoutMs` passes.
 */
export async function waitHealthy(server: ServerProcess, since: number, timeoutMs = 60_000, intervalMs = 5): Promise<number> {
  let exitedWith: string | undefined;
  void server.exited.then((code) => (exitedWith = code));
  let lastProblem = 'no answer yet';
  while (performance.now() - since < timeoutMs) {
    if (exitedWith !== undefined) throw new Error(`the server exited (${exitedWith}) before /healthz answered 200; last: ${lastProblem}`);
    const answer = await probeStatus(`${server.baseUrl}/healthz`);
    if (answer?.status === 200) return performance.now() - since;
    if (answer) lastProblem = `HTTP ${answer.status} ${answer.body.slice(0, 300)}`;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`/healthz did not answer 200 within ${timeoutMs} ms; last: ${lastProblem}`);
}

/** Reads a `kB` field of /proc/<pid>/status (VmRSS, VmHWM) as megabytes; undefined once gone. */
export function readProcMegabytes(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples VmRSS every `intervalMs` until stopped; reports the peak and the kernel's VmHWM. */
export function watchMemory(pid: number, intervalMs = 100): { stop(): { peakRssMb: number; hwmMb: number; samples: number } } {
  let peak = readProcMegabytes(pid, 'VmRSS') ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const rss = readProcMegabytes(pid, 'VmRSS');
    if (rss === undefined) return;
    samples++;
    if (rss > peak) peak = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakRssMb: peak, hwmMb: readProcMegabytes(pid, 'VmHWM') ?? peak, samples };
    },
  };
}
