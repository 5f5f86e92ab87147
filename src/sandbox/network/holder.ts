import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { dropPrivilegesCommand, systemFolderArguments } from '../bubblewrap.js';

/** What the holder does inside the namespace: TCP on loopback ↔ Unix sockets in the shared folder. */
export interface HolderPlan {
  /** Inside, 127.0.0.1:`port` is piped to the host's Unix socket `socket` (forwards and the egress proxy). */
  inbound: { port: number; socket: string }[];
  /** The holder listens on Unix socket `socket` and pipes to 127.0.0.1:`port` inside (a workload's service). */
  outbound: { port: number; socket: string }[];
}

export interface HolderOptions {
  bwrap: string;
  /** The unprivileged user the holder runs as (setpriv), when Paved runs as root. */
  uid: number;
  gid: number;
  /** The folder of Unix sockets (host paths in `plan` are inside it), the only host folder the holder can write. */
  socketDir: string;
  plan: HolderPlan;
  startTimeoutMs?: number;
}

export interface Holder {
  pid: number;
  /** `/proc/<pid>/ns/net`: what other processes join with `nsenter --net=…`. */
  netns: string;
  stop(): Promise<void>;
}

/*
 * The holder's program, run by `node -e` so it is the same from src/ (vitest) and dist/. It is
 * plain JavaScript on purpose: a transpiled function's source may name helpers the bundler
 * added, which do not exist in the child.
 */
const HOLDER_SOURCE = String.raw`
const net = require('node:net');
const fs = require('node:fs');
const plan = JSON.parse(process.argv[1]);
const pipe = (a, b) => {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
};
const servers = [];
const listening = [];
for (const { port, socket } of plan.inbound) {
  const server = net.createServer((client) => pipe(client, net.connect(socket)));
  servers.push(server);
  listening.push(new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve)));
}
for (const { port, socket } of plan.outbound) {
  try { fs.unlinkSync(socket); } catch {}
  const server = net.createServer((client) => pipe(client, net.connect(port, '127.0.0.1')));
  servers.push(server);
  listening.push(new Promise((resolve, reject) => server.once('error', reject).listen(socket, resolve)));
}
Promise.all(listening).then(
  () => process.stdout.write('ready\n'),
  (error) => { process.stderr.write(String(error && error.message) + '\n'); process.exit(2); },
);
// Paved closing the pipe (or dying) ends the namespace.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

const DEFAULT_START_TIMEOUT_MS = 5_000;
/** Where the socket folder is inside: short and fixed, whatever the host's path. */
const HOLDER_SOCKET_DIR = '/run/paved-net';

/**
 * Starts the process that holds a sandbox's network namespace: bubblewrap with a new network
 * namespace (only loopback in it), the read-only system, the socket folder, as the unprivileged
 * user. Resolves once every listener is up.
 */
export async function startHolder(options: HolderOptions): Promise<Holder> {
  const asRoot = process.getuid?.() === 0;
  const drop = asRoot ? dropPrivilegesCommand('setpriv', options.uid, options.gid) : [];
  const args = [
    '--unshare-net',
    '--unshare-ipc',
    '--unshare-uts',
    // As root bwrap needs no user namespace; without root it is how bwrap may unshare at all.
    ...(asRoot ? [] : ['--unshare-user']),
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    ...systemFolderArguments(),
    // Folders bwrap creates itself are 0700 (root's): the unprivileged user must traverse them.
    '--perms',
    '0755',
    '--dir',
    '/etc',
    // ld.so's cache, and OpenSSL's configuration node reads at start.
    ...['/etc/alternatives', '/etc/ld.so.cache', '/etc/ssl'].flatMap((file) => ['--ro-bind-try', file, file]),
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--perms',
    '0755',
    '--dir',
    '/run',
    '--bind',
    options.socketDir,
    HOLDER_SOCKET_DIR,
    // Paved's node may live outside /usr (nvm, a tarball): bind its folder read-only.
    ...(nodeFolder().startsWith('/usr/') ? [] : [...ancestorsOf(nodeFolder()).flatMap((folder) => ['--perms', '0755', '--dir', folder]), '--ro-bind', nodeFolder(), nodeFolder()]),
    '--info-fd',
    '3',
    '--',
    ...drop,
    process.execPath,
    '-e',
    HOLDER_SOURCE,
    JSON.stringify(insidePlan(options.plan, options.socketDir)),
  ];
  // Nothing of Paved's environment (its admin token, database URLs) reaches the host-side bwrap either.
  const child = spawn(options.bwrap, args, { env: {}, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const [info] = await Promise.all([
      readAll(child.stdio[3] as Readable),
      waitForReady(child.stdout!, child.stderr!, exited, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS),
    ]);
    const pid = (JSON.parse(info) as { 'child-pid'?: number })['child-pid'];
    if (!pid) throw new Error(`bubblewrap did not say which process holds the namespace (${info.trim() || 'no answer'})`);
    return {
      pid,
      netns: `/proc/${pid}/ns/net`,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          child.stdin!.end();
          const timer = setTimeout(() => child.kill('SIGKILL'), 1_000);
          await exited;
          clearTimeout(timer);
        }
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

/** The plan with the socket folder as the holder sees it. */
function insidePlan(plan: HolderPlan, socketDir: string): HolderPlan {
  const inside = (socket: string) => path.join(HOLDER_SOCKET_DIR, path.relative(socketDir, socket));
  return {
    inbound: plan.inbound.map((entry) => ({ ...entry, socket: inside(entry.socket) })),
    outbound: plan.outbound.map((entry) => ({ ...entry, socket: inside(entry.socket) })),
  };
}

function ancestorsOf(folder: string): string[] {
  const ancestors: string[] = [];
  for (let parent = path.dirname(folder); parent !== '/'; parent = path.dirname(parent)) ancestors.unshift(parent);
  return ancestors;
}

function nodeFolder(): string {
  return process.execPath.replace(/\/bin\/[^/]+$/, '');
}

/** The info fd closes once bubblewrap has written the child's pid, before the command runs. */
function readAll(stream: Readable): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
      // bwrap keeps the fd open in the child only until exec; a complete object is enough.
      if (text.includes('}')) resolve(text);
    });
    stream.on('end', () => resolve(text));
    stream.on('error', () => resolve(text));
  });
}

function waitForReady(stdout: Readable, stderr: Readable, exited: Promise<void>, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let errors = '';
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => {
      errors += chunk;
    });
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      if (chunk.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    const timer = setTimeout(() => reject(new Error(`the sandbox's network did not start within ${timeoutMs} ms${errors ? `: ${errors.trim()}` : ''}`)), timeoutMs);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the sandbox's network could not start: ${errors.trim() || 'bubblewrap exited'}`));
    });
  });
}
