import net from 'node:net';
import path from 'node:path';
import { InvalidInputError } from '../../../errors.js';
import { type Sandbox, type SandboxLimits, type SandboxMount, type SandboxNetwork, type SandboxProcess, formatBytes, parseCpuQuantity, parseMemoryQuantity } from '../../../sandbox/index.js';
import type { ScoreContainer } from '../../score/score-workload.js';
import type { ReleaseRequest, ResourceEndpoint } from '../runtime.js';
import type { Backend } from './router.js';

/** What a sandboxed workload finds on PATH: the system's programs, not Paved's. */
const SANDBOX_PATH = '/usr/local/bin:/usr/bin:/bin';
// Only what a process needs to run; Paved's own environment (its tokens, its database URL) stays out.
const PASSED_ENVIRONMENT = ['PATH', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'NODE_EXTRA_CA_CERTS'];
const PROBE_LIMITS: SandboxLimits = { memoryBytes: 256 * 2 ** 20, pids: 64, cpus: 0.5 };

/** How one instance's containers run: their ports, their network, their limits, and how each is started. */
export interface InstanceSandbox {
  /** A Score port (service port or target port) → the port the instance listens on. */
  ports: ReadonlyMap<number, number>;
  /** Service port names and their ports, for PAVED_PORT_<NAME>. */
  named: [string, number][];
  firstPort: number | undefined;
  /** Variables every container gets from the runtime (PATH, the egress proxy when allowed). */
  env: Record<string, string>;
  backend(): Backend | undefined;
  connection(port: number): { socketPath: string } | { host: string; port: number };
  launch(container: string, spec: { command: string[]; cwd: string; env: Record<string, string> }): SandboxProcess;
  exec(container: string, spec: { command: string[]; cwd: string; env: Record<string, string> }, timeoutMs: number): Promise<{ ok: boolean; detail: string }>;
  outOfMemoryReason(container: string): string;
  close(): Promise<void>;
}

export interface InstanceSandboxOptions {
  sandbox: Sandbox;
  request: ReleaseRequest;
  containers: [string, ScoreContainer][];
  instanceId: string;
  /**
   * The instance's own folder: its `home` and `files` are writable inside; the folder itself is
   * not, since Paved keeps its own records of the instance there (pids.json, read at its start).
   */
  instanceDir: string;
  /** A short folder for this instance's Unix sockets. */
  socketsDir: string;
  defaultLimits: SandboxLimits;
  /** Whether workloads may use the egress proxy (sandbox.workloadEgress). */
  egress: boolean;
  /** Paved's router port, and a port on loopback that serves only the router (no API): where `service-port` resources go. */
  routerPort: number;
  routerOnlyPort(): Promise<number>;
}

/**
 * Sets up the sandbox one instance runs in, like a pod: one network namespace for its
 * containers, where each listens on its Score port (instances never collide: each has its own
 * loopback), Paved reaches those ports through Unix sockets, and the only ports that lead out
 * are its own resources' (its database, its cache). Under the opt-out it runs on the host's
 * loopback, each instance on free ports.
 */
export async function prepareInstanceSandbox(options: InstanceSandboxOptions): Promise<InstanceSandbox> {
  const { sandbox, request, containers } = options;
  const isolated = sandbox.mode === 'bubblewrap';
  const limits = new Map(containers.map(([name, container]) => [name, containerLimits(name, container, options.defaultLimits)]));
  const ports = new Map<number, number>();
  const named: [string, number][] = [];
  for (const [portName, port] of Object.entries(request.resolved.workload.service?.ports ?? {})) {
    const target = port.targetPort ?? port.port;
    const actual = ports.get(target) ?? (isolated ? target : await freePort());
    ports.set(target, actual);
    ports.set(port.port, actual);
    named.push([portName, actual]);
  }
  const firstPort = named[0]?.[1];
  // How its containers and exec probes start, with what they see of the host.
  const processes = (where: { mounts: SandboxMount[]; network?: SandboxNetwork }): Pick<InstanceSandbox, 'launch' | 'exec' | 'outOfMemoryReason'> => ({
    launch: (container, spec) => sandbox.spawn({ ...spec, ...where, limits: limits.get(container)!, label: `workload-${options.instanceId}-${container}` }),
    exec: (container, spec, timeoutMs) => execProbe(sandbox, { ...spec, ...where, limits: PROBE_LIMITS, label: `probe-${options.instanceId}-${container}` }, timeoutMs),
    outOfMemoryReason: (container) => `out of memory (limit ${formatBytes(limits.get(container)!.memoryBytes)})`,
  });

  if (!isolated) {
    const env = Object.fromEntries(PASSED_ENVIRONMENT.flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
    return {
      ports,
      named,
      firstPort,
      env,
      backend: () => (firstPort === undefined ? undefined : { port: firstPort, inFlight: 0 }),
      connection: (port) => ({ host: '127.0.0.1', port }),
      ...processes({ mounts: [] }),
      close: async () => undefined,
    };
  }

  // Probes may ask for a port the service does not publish (a health port): expose it too.
  const probePorts = containers.flatMap(([, container]) =>
    [container.readinessProbe, container.livenessProbe].flatMap((probe) => (probe?.httpGet?.port === undefined ? [] : [ports.get(probe.httpGet.port) ?? probe.httpGet.port])),
  );
  const exposed = [...new Set([...ports.values(), ...probePorts])];
  const sockets = new Map(exposed.map((port) => [port, path.join(options.socketsDir, `${port}.sock`)]));
  const forwards = await forwardsFor(request.endpoints, exposed, options, (message) => request.log(message, 'warn'));
  const writable = ['home', 'files'].map((folder) => path.join(options.instanceDir, folder));
  const mounts: SandboxMount[] = [...(request.buildDir ? [{ path: request.buildDir, writable: false }] : []), ...writable.map((folder) => ({ path: folder, writable: true }))];
  // Both start a process (the namespace's holder, chown): side by side, not one after the other.
  const starting = sandbox.network({ egress: options.egress, forwards, exposes: [...sockets].map(([port, socketPath]) => ({ port, socketPath })) });
  try {
    await sandbox.ownWritable(...writable);
  } catch (error) {
    await starting.then((network) => network.close(), () => undefined);
    throw error;
  }
  const network = await starting;
  if (forwards.length > 0) await request.log(`its network reaches ${forwards.map((forward) => `127.0.0.1:${forward.port}`).join(', ')} (its resources) and nothing else of this machine`);
  return {
    ports,
    named,
    firstPort,
    env: { PATH: SANDBOX_PATH, ...(process.env.LANG ? { LANG: process.env.LANG } : {}), ...network.env },
    backend: () => (firstPort === undefined ? undefined : { socketPath: sockets.get(firstPort)!, inFlight: 0 }),
    connection: (port) => ({ socketPath: sockets.get(port) ?? path.join(options.socketsDir, `${port}.sock`) }),
    ...processes({ mounts, network }),
    close: () => network.close(),
  };
}

/** Score's `resources.limits` (memory `512Mi`, cpu `500m`) over the configured defaults. */
function containerLimits(name: string, container: ScoreContainer, defaults: SandboxLimits): SandboxLimits {
  const declared = container.resources?.limits ?? {};
  const memoryBytes = declared.memory === undefined ? defaults.memoryBytes : parseMemoryQuantity(declared.memory);
  if (memoryBytes === undefined) {
    throw new InvalidInputError('delivery.invalid_limit', `containers.${name}.resources.limits.memory: "${declared.memory}" is not a memory quantity (e.g. 512Mi, 1Gi)`, { path: `containers.${name}.resources.limits.memory` });
  }
  const cpus = declared.cpu === undefined ? defaults.cpus : parseCpuQuantity(declared.cpu);
  if (cpus === undefined) {
    throw new InvalidInputError('delivery.invalid_limit', `containers.${name}.resources.limits.cpu: "${declared.cpu}" is not a CPU quantity (e.g. 500m, 1)`, { path: `containers.${name}.resources.limits.cpu` });
  }
  return { memoryBytes, cpus, pids: defaults.pids };
}

/**
 * The forwards of an instance's network: its resources' host:port, when on this machine, at the
 * same port inside (the workload's variables name them as they are). `service-port` resources
 * (other workloads, through the router) go to the router alone, never to Paved's API.
 */
async function forwardsFor(endpoints: readonly ResourceEndpoint[], exposed: readonly number[], options: InstanceSandboxOptions, warn: (message: string) => Promise<void>): Promise<{ port: number; host: string; hostPort: number }[]> {
  const forwards: { port: number; host: string; hostPort: number }[] = [];
  for (const endpoint of endpoints) {
    if (endpoint.type === 'route') continue;
    const where = `resources.${endpoint.resource}`;
    const throughRouter = endpoint.port === options.routerPort && /(^|\.)localhost$/.test(endpoint.host.toLowerCase());
    const target = throughRouter ? { host: '127.0.0.1', hostPort: await options.routerOnlyPort() } : { host: endpoint.host, hostPort: endpoint.port };
    if (!throughRouter && !isLoopback(endpoint.host)) {
      await warn(`${where}: ${endpoint.host}:${endpoint.port} is not on this machine; a sandboxed workload reaches only resources on this machine's loopback`);
      continue;
    }
    if (exposed.includes(endpoint.port)) {
      await warn(`${where}: port ${endpoint.port} is also one the workload serves; it cannot reach this resource`);
      continue;
    }
    const same = forwards.find((forward) => forward.port === endpoint.port);
    if (same && (same.host !== target.host || same.hostPort !== target.hostPort)) {
      await warn(`${where}: port ${endpoint.port} already leads to another resource; it cannot reach this one`);
      continue;
    }
    if (!same) forwards.push({ port: endpoint.port, ...target });
  }
  return forwards;
}

function isLoopback(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name === '::1') return true;
  return net.isIPv4(name) && name.startsWith('127.');
}

/** An exec probe: the command where the container runs, exit 0 within the time. */
async function execProbe(sandbox: Sandbox, options: Parameters<Sandbox['spawn']>[0], timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  const label = options.command.join(' ');
  let started: SandboxProcess;
  try {
    started = sandbox.spawn(options);
  } catch (error) {
    return { ok: false, detail: `exec ${label}: ${(error as Error).message}` };
  }
  started.child.stdout?.resume();
  started.child.stderr?.resume();
  const timer = setTimeout(() => void started.stop(0), timeoutMs);
  const { exitCode, signal } = await started.exited;
  clearTimeout(timer);
  if (exitCode === 0) return { ok: true, detail: 'exec exited 0' };
  return { ok: false, detail: `exec ${label}: ${signal ? `stopped after ${timeoutMs} ms` : `exited with code ${exitCode}`}` };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
