import fs from 'node:fs';
import type http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SandboxNetwork, SandboxNetworkSpec } from '../types.js';
import { type EgressPolicy, createEgressProxy } from './egress-proxy.js';
import { startHolder } from './holder.js';

export type { EgressPolicy } from './egress-proxy.js';

export interface SandboxNetworkDeps {
  bwrap: string;
  /** The unprivileged user the namespace's holder runs as. */
  uid: number;
  gid: number;
  /** The egress allow-list (`sandbox.egress`), and in tests a resolver and connector that need no internet. */
  egress: EgressPolicy;
  logger: Logger;
  /** Where the Unix-socket folders go; short, since a socket's path is limited to 107 bytes. Default: the system's tmp. */
  runDir?: string;
}

/** The port the egress proxy listens on inside, unless a forward or a service takes it. */
const PROXY_PORTS = [3128, 3129, 3130, 8118, 18080];

/**
 * A network namespace with only loopback in it, bridged to the host through Unix sockets in a
 * folder only Paved and the namespace's holder see: no interface, no route, no address of the
 * host's networks exists inside. `forwards` reach exactly one host:port each; egress goes only
 * through Paved's allow-listing proxy; `exposes` let Paved reach services inside.
 */
export async function createSandboxNetwork(spec: SandboxNetworkSpec, deps: SandboxNetworkDeps): Promise<SandboxNetwork> {
  const insidePorts = [...spec.forwards.map((forward) => forward.port), ...spec.exposes.map((expose) => expose.port)];
  const duplicate = insidePorts.find((port, index) => insidePorts.indexOf(port) !== index);
  if (duplicate !== undefined) throw new Error(`port ${duplicate} is both forwarded and exposed (or twice) in one sandbox network`);
  const proxyPort = spec.egress ? PROXY_PORTS.find((port) => !insidePorts.includes(port)) : undefined;
  if (spec.egress && proxyPort === undefined) throw new Error(`the egress proxy needs one of the ports ${PROXY_PORTS.join(', ')} inside`);

  const runDir = deps.runDir ?? os.tmpdir();
  fs.mkdirSync(runDir, { recursive: true });
  removeLeftovers(runDir);
  const socketDir = fs.mkdtempSync(path.join(runDir, `paved-net-${process.pid}-`));
  fs.chmodSync(socketDir, 0o700);
  if (process.getuid?.() === 0) fs.chownSync(socketDir, deps.uid, deps.gid);
  const servers: (net.Server | http.Server)[] = [];
  const links: string[] = [];
  const close = async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    for (const link of links) fs.rmSync(link, { force: true });
    fs.rmSync(socketDir, { recursive: true, force: true });
  };

  try {
    const inbound: { port: number; socket: string }[] = [];
    for (const forward of spec.forwards) {
      const socket = path.join(socketDir, `forward-${forward.port}.sock`);
      // Exactly host:hostPort: nothing the code inside sends picks the destination.
      const server = net.createServer((client) => pipe(client, net.connect(forward.hostPort, forward.host)));
      await listen(server, socket, deps);
      servers.push(server);
      inbound.push({ port: forward.port, socket });
    }
    if (proxyPort !== undefined) {
      const socket = path.join(socketDir, 'egress.sock');
      const proxy = createEgressProxy({ ...deps.egress, onRefused: (host, reason) => deps.logger.info({ host, reason }, 'sandbox egress refused') });
      await listen(proxy, socket, deps);
      servers.push(proxy);
      inbound.push({ port: proxyPort, socket });
    }
    const outbound = spec.exposes.map((expose) => ({ port: expose.port, socket: path.join(socketDir, `expose-${expose.port}.sock`) }));
    const holder = await startHolder({ bwrap: deps.bwrap, uid: deps.uid, gid: deps.gid, socketDir, plan: { inbound, outbound } });
    for (const [index, expose] of spec.exposes.entries()) {
      fs.mkdirSync(path.dirname(expose.socketPath), { recursive: true });
      fs.rmSync(expose.socketPath, { force: true });
      fs.symlinkSync(outbound[index]!.socket, expose.socketPath);
      links.push(expose.socketPath);
    }
    return {
      netns: holder.netns,
      env: proxyPort === undefined ? {} : proxyEnvironment(`http://127.0.0.1:${proxyPort}`),
      async close() {
        await holder.stop();
        await close();
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The variables the common tools read (curl, npm, pip, git, Go, cargo …). */
function proxyEnvironment(proxy: string): Record<string, string> {
  return {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    http_proxy: proxy,
    https_proxy: proxy,
    NO_PROXY: 'localhost,127.0.0.1',
    no_proxy: 'localhost,127.0.0.1',
    npm_config_proxy: proxy,
    npm_config_https_proxy: proxy,
    PIP_PROXY: proxy,
  };
}

async function listen(server: net.Server | http.Server, socket: string, deps: SandboxNetworkDeps): Promise<void> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socket, () => resolve()));
  // Only the holder's user may connect, and only the holder sees the folder.
  fs.chmodSync(socket, 0o600);
  if (process.getuid?.() === 0) fs.chownSync(socket, deps.uid, deps.gid);
}

/** Socket folders of Paved processes that are gone (killed before they could close their networks). */
function removeLeftovers(runDir: string): void {
  for (const name of fs.readdirSync(runDir)) {
    const owner = /^paved-net-(\d+)-/.exec(name)?.[1];
    if (owner === undefined || isAlive(Number(owner))) continue;
    fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pipe(a: net.Socket, b: net.Socket): void {
  a.on('error', () => b.destroy());
  b.on('error', () => a.destroy());
  a.pipe(b);
  b.pipe(a);
}
