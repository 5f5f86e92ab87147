import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from 'pino';
import { InvalidInputError } from '../../../errors.js';
import type { Sandbox, SandboxLimits } from '../../../sandbox/index.js';
import { createMasker } from '../../../secrets/index.js';
import type { ScoreContainer } from '../../score/score-workload.js';
import type { InstanceHealth, InstanceStatus, Runtime } from '../runtime.js';
import { type InstanceSandbox, prepareInstanceSandbox } from './instance-sandbox.js';
import { probeOnce } from './probe.js';
import { type Backend, type HostRouter, routerOnlyListener } from './router.js';
import { type OutputLine, SupervisedProcess, killGroup } from './supervised-process.js';

interface Instance {
  /** The deployment plus a start stamp: the same deployment may be started again (a reconcile, a resumed deploy). */
  id: string;
  deploymentId: string;
  environment: string;
  workload: string;
  processes: SupervisedProcess[];
  sandbox: InstanceSandbox;
  socketsDir: string;
  backend: Backend | undefined;
  hosts: string[];
  ready: boolean;
  startedAt: string;
}

export interface LocalRuntime extends Runtime {
  /** The current instance's recent output, and a way to follow what comes next. */
  logs(environment: string, workload: string): { lines: (OutputLine & { container: string })[]; follow(listener: (line: OutputLine & { container: string }) => void): () => void } | undefined;
  /** Kills what a previous Paved process left running (it was killed without stopping its instances). */
  reapOrphans(): void;
}

// Probes come often at first (a small service is up in ~100 ms), then settle to a slower pace.
const FIRST_POLLS_MS = 20;
const POLL_MS = 100;
const FAST_POLLING_FOR_MS = 2_000;
const DRAIN_MS = 10_000;

export interface LocalRuntimeDeps {
  dataDir: string;
  router: HostRouter;
  readinessTimeoutMs: number;
  restartBackoffMs: number;
  routerPort(): number;
  logger: Logger;
  /** Where every container and exec probe runs; its opt-out runs them on the host. */
  sandbox: Sandbox;
  /** A container's limits when its score.yaml sets none. */
  defaultLimits: SandboxLimits;
  /** Whether workloads may reach the egress allow-list (sandbox.workloadEgress); their own resources they always reach. */
  egress: boolean;
}

/**
 * The local runtime: each container of a workload is a supervised process on this machine,
 * reached through Paved's router. A release starts the new instance beside the old one, waits
 * for its readiness probe, switches the router, then drains and stops the old one; a new
 * instance that never gets ready is stopped and the old one keeps serving.
 */
export function createLocalRuntime(deps: LocalRuntimeDeps): LocalRuntime {
  const instances = new Map<string, Instance>();
  // Instances started but not yet serving: closing must stop them too, or they outlive Paved.
  const starting = new Set<Instance>();
  let closed = false;
  const instancesDir = path.join(deps.dataDir, 'delivery', 'instances');
  const logsDir = path.join(deps.dataDir, 'delivery', 'logs');
  // A Unix socket's path has at most 107 bytes: the sockets live in a short folder of their own.
  const socketsRoot = path.join(os.tmpdir(), `paved-${crypto.createHash('sha256').update(path.resolve(deps.dataDir)).digest('hex').slice(0, 10)}`);
  const keyOf = (environment: string, workload: string) => `${environment}/${workload}`;
  const routerOnly = routerOnlyListener(deps.router);

  async function stopInstance(instance: Instance): Promise<void> {
    await Promise.all(instance.processes.map((process) => process.stop()));
    await instance.sandbox.close();
    fs.rmSync(path.join(instancesDir, instance.id), { recursive: true, force: true });
    fs.rmSync(instance.socketsDir, { recursive: true, force: true });
  }

  function healthOf(instance: Instance): InstanceHealth {
    if (instance.processes.some((process) => process.crashLooping)) return 'crash-loop';
    if (instance.processes.some((process) => !process.running)) return 'unhealthy';
    return instance.ready ? 'ready' : 'starting';
  }

  return {
    name: 'local',

    async release(request) {
      const { workload } = request.resolved;
      const containers = Object.entries(workload.containers);
      for (const [name, container] of containers) checkRunnable(name, container, request.buildDir);
      // Never silently unsandboxed: without a working sandbox the deploy fails, naming the fix.
      deps.sandbox.assertAvailable();
      if (deps.sandbox.notice) await request.log(deps.sandbox.notice, 'warn');
      const instanceId = `${request.deploymentId}-${Date.now().toString(36)}`;
      const instanceDir = path.join(instancesDir, instanceId);
      const socketsDir = path.join(socketsRoot, crypto.randomBytes(5).toString('hex'));
      for (const folder of ['home', 'files']) fs.mkdirSync(path.join(instanceDir, folder), { recursive: true });
      fs.mkdirSync(path.join(logsDir, request.environment), { recursive: true, mode: 0o700 });
      ensurePrivateFolder(socketsRoot);
      fs.mkdirSync(socketsDir, { mode: 0o700 });
      for (const [, container] of containers) writeFiles(container, path.join(instanceDir, 'files'), request.buildDir);
      let sandbox: InstanceSandbox;
      try {
        sandbox = await prepareInstanceSandbox({
          sandbox: deps.sandbox,
          request,
          containers,
          instanceId,
          instanceDir,
          socketsDir,
          defaultLimits: deps.defaultLimits,
          egress: deps.egress,
          routerPort: deps.routerPort(),
          routerOnlyPort: routerOnly.port,
        });
      } catch (error) {
        fs.rmSync(instanceDir, { recursive: true, force: true });
        fs.rmSync(socketsDir, { recursive: true, force: true });
        throw error;
      }
      const { ports, named, firstPort } = sandbox;
      const baseEnv: Record<string, string> = {
        ...sandbox.env,
        HOME: path.join(instanceDir, 'home'),
        PAVED_INSTANCE_ID: instanceId,
        PAVED_ENVIRONMENT: request.environment,
        PAVED_FILES_DIR: path.join(instanceDir, 'files'),
      };
      // What a process prints is shown to anyone who may read the environment: its secret values are masked.
      const secretVariables = containers.flatMap(([name, container]) => (request.resolved.secretVariables[name] ?? []).map((variable) => container.variables?.[variable] ?? ''));
      const mask = createMasker([...request.secretValues, ...secretVariables]);
      const processes: SupervisedProcess[] = [];
      for (const [name, container] of containers) {
        if (Object.keys(container.volumes ?? {}).length > 0) await request.log(`containers.${name}.volumes: the local runtime does not mount volumes; read the directory from \${resources.NAME.path}`, 'warn');
        const env = {
          ...baseEnv,
          ...container.variables,
          // PORT (Heroku's convention) and PAVED_PORT_<NAME> say where to listen: in the sandbox
          // the Score port itself; unsandboxed, a free port, since two versions run side by side.
          ...(firstPort === undefined ? {} : { PORT: String(firstPort) }),
          ...Object.fromEntries(named.map(([portName, port]) => [`PAVED_PORT_${portName.toUpperCase().replaceAll('-', '_')}`, String(port)])),
        };
        const command = [...(container.command ?? []), ...(container.args ?? [])];
        processes.push(
          new SupervisedProcess({
            name,
            command,
            cwd: request.buildDir ?? path.join(instanceDir, 'home'),
            env,
            logFile: path.join(logsDir, request.environment, `${request.workload}.log`),
            backoffStartMs: deps.restartBackoffMs,
            mask,
            launch: (spec) => sandbox.launch(name, spec),
            outOfMemoryReason: sandbox.outOfMemoryReason(name),
          }),
        );
      }
      const instance: Instance = {
        id: instanceId,
        deploymentId: request.deploymentId,
        environment: request.environment,
        workload: request.workload,
        processes,
        sandbox,
        socketsDir,
        backend: sandbox.backend(),
        hosts: [`${request.workload}.${request.environment}.localhost`, ...request.extraHosts],
        ready: false,
        startedAt: new Date().toISOString(),
      };
      if (closed) {
        await stopInstance(instance);
        throw new Error('the local runtime is stopping');
      }
      starting.add(instance);
      for (const process of processes) process.start();
      fs.writeFileSync(path.join(instanceDir, 'pids.json'), JSON.stringify(processes.map((process) => process.pid).filter(Boolean)));
      await request.log(`started ${containers.map(([name]) => name).join(', ')}${firstPort === undefined ? '' : ` on port ${firstPort}`}; waiting for readiness (at most ${deps.readinessTimeoutMs / 1000} s)`);

      const failure = await waitUntilReady(instance, containers, ports, firstPort, deps.readinessTimeoutMs, request.signal).finally(() => starting.delete(instance));
      if (closed && !failure) {
        await stopInstance(instance);
        throw new Error('the local runtime is stopping');
      }
      if (failure) {
        const output = processes.flatMap((process) => process.tail.slice(-10).map((line) => `  ${line.stream}: ${line.text}`));
        await stopInstance(instance);
        throw new Error(`the new instance did not become ready: ${failure}${output.length > 0 ? `\nits last output:\n${output.join('\n')}` : ''}`);
      }
      instance.ready = true;
      const key = keyOf(request.environment, request.workload);
      const previous = instances.get(key);
      instances.set(key, instance);
      if (instance.backend) for (const host of instance.hosts) deps.router.set(host, instance.backend);
      await request.log(`ready; ${instance.hosts.join(', ')} now route to it`);
      if (previous) {
        for (const host of previous.hosts) if (!instance.hosts.includes(host)) deps.router.remove(host, previous.backend);
        if (previous.backend) await deps.router.drain(previous.backend, DRAIN_MS);
        await stopInstance(previous);
        await request.log(`stopped the previous instance (deployment ${previous.deploymentId})`);
      }
      return instance.backend ? { url: `http://${instance.hosts[0]}:${deps.routerPort()}` } : {};
    },

    async stop(environment, workload) {
      const instance = instances.get(keyOf(environment, workload));
      if (!instance) return;
      instances.delete(keyOf(environment, workload));
      for (const host of instance.hosts) deps.router.remove(host, instance.backend);
      if (instance.backend) await deps.router.drain(instance.backend, DRAIN_MS);
      await stopInstance(instance);
    },

    status(environment) {
      return [...instances.values()]
        .filter((instance) => environment === undefined || instance.environment === environment)
        .map((instance): InstanceStatus => ({
          environment: instance.environment,
          workload: instance.workload,
          deploymentId: instance.deploymentId,
          health: healthOf(instance),
          ...(instance.backend ? { url: `http://${instance.hosts[0]}:${deps.routerPort()}` } : {}),
          containers: instance.processes.map((process) => ({
            name: process.containerName,
            ...(process.pid ? { pid: process.pid } : {}),
            restarts: process.restarts,
            health: process.crashLooping ? 'crash-loop' : process.running ? (instance.ready ? 'ready' : 'starting') : 'unhealthy',
            ...(process.lastExit ? { lastExit: process.lastExit } : {}),
          })),
          startedAt: instance.startedAt,
        }));
    },

    logs(environment, workload) {
      const instance = instances.get(keyOf(environment, workload));
      if (!instance) return undefined;
      const names = instance.processes.map((process) => process.containerName);
      return {
        lines: instance.processes
          .flatMap((process, index) => process.tail.map((line) => ({ ...line, container: names[index]! })))
          .sort((a, b) => a.at.localeCompare(b.at)),
        follow(listener) {
          const unsubscribes = instance.processes.map((process, index) => {
            const onLine = (line: OutputLine) => listener({ ...line, container: names[index]! });
            process.on('line', onLine);
            return () => process.off('line', onLine);
          });
          return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
        },
      };
    },

    reapOrphans() {
      // Sandboxed processes a previous Paved left are killed with their cgroups (the sandbox's
      // reapLeftovers, before delivery starts); what remains here are their folders, and the
      // processes of the opt-out, found by the instance id in their environment.
      const live = new Set([...instances.values(), ...starting].map((instance) => instance.socketsDir));
      if (fs.existsSync(socketsRoot)) for (const folder of fs.readdirSync(socketsRoot)) if (!live.has(path.join(socketsRoot, folder))) fs.rmSync(path.join(socketsRoot, folder), { recursive: true, force: true });
      if (fs.existsSync(logsDir)) for (const environment of fs.readdirSync(logsDir)) fixLogModes(path.join(logsDir, environment));
      if (!fs.existsSync(instancesDir)) return;
      for (const id of fs.readdirSync(instancesDir)) {
        if ([...instances.values()].some((instance) => instance.id === id)) continue;
        for (const pid of recordedPids(path.join(instancesDir, id, 'pids.json'))) {
          // Only a process that carries this instance's id: the pid may have been reused since.
          const environ = readEnviron(pid);
          if (environ?.includes(`PAVED_INSTANCE_ID=${id}`)) {
            killGroup(pid, 'SIGKILL');
            deps.logger.info({ pid, deployment: id }, 'stopped a process left by a previous run of Paved');
          }
        }
        fs.rmSync(path.join(instancesDir, id), { recursive: true, force: true });
      }
    },

    async close() {
      closed = true;
      await Promise.all([...instances.values(), ...starting].map((instance) => stopInstance(instance)));
      instances.clear();
      fs.rmSync(socketsRoot, { recursive: true, force: true });
      deps.router.close();
      await routerOnly.close();
    },
  };
}

function checkRunnable(name: string, container: ScoreContainer, buildDir: string | undefined): void {
  if (container.image !== '.') {
    throw new InvalidInputError(
      'delivery.image_not_runnable',
      `containers.${name}.image: the local runtime runs this repository's code (image: .), not images such as "${container.image}"; use an environment of the kubernetes runtime for it`,
      { path: `containers.${name}.image` },
    );
  }
  if (!container.command?.length) {
    throw new InvalidInputError('delivery.command_required', `containers.${name}.command: the local runtime starts a process, so it needs the command (e.g. ["node", "server.js"])`, {
      path: `containers.${name}.command`,
    });
  }
  if (!buildDir) throw new InvalidInputError('delivery.no_build', `containers.${name}: image "." needs a build of the repository`, { path: `containers.${name}.image` });
}

function realpathOrUndefined(file: string): string | undefined {
  try {
    return fs.realpathSync(file);
  } catch {
    return undefined;
  }
}

/** Score `files` land under the instance's files folder (PAVED_FILES_DIR), at their target path. */
function writeFiles(container: ScoreContainer, filesDir: string, buildDir: string | undefined): void {
  for (const [target, file] of Object.entries(container.files ?? {})) {
    const destination = path.join(filesDir, path.normalize(`/${target}`));
    fs.mkdirSync(path.dirname(destination), { recursive: true });
    let content: Buffer;
    if (file.content !== undefined) content = Buffer.from(file.content);
    else if (file.binaryContent !== undefined) content = Buffer.from(file.binaryContent, 'base64');
    else {
      // Links resolved: a repository may hold a link to /proc/self/environ or to paved.sqlite.
      const outside = new InvalidInputError('delivery.file_source_outside', `files.${target}.source must be a regular file inside the repository (links may not lead out of it)`, { path: `files.${target}.source` });
      if (!buildDir) throw outside;
      const source = realpathOrUndefined(path.resolve(buildDir, file.source ?? ''));
      const root = realpathOrUndefined(buildDir);
      if (!source || !root || !source.startsWith(`${root}${path.sep}`) || !fs.statSync(source).isFile()) throw outside;
      content = fs.readFileSync(source);
    }
    fs.writeFileSync(destination, content, { mode: file.mode ? Number.parseInt(file.mode, 8) : 0o644 });
  }
}

async function waitUntilReady(
  instance: Instance,
  containers: [string, ScoreContainer][],
  ports: ReadonlyMap<number, number>,
  firstPort: number | undefined,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastDetail = 'no probe answered yet';
  for (;;) {
    if (signal?.aborted) return 'the deploy was stopped';
    const exited = instance.processes.find((process) => process.lastExit !== undefined);
    if (exited) return `${exited.containerName} ${exited.lastExit}`;
    const results = await Promise.all(
      containers.map(([, container], index) =>
        // Without a readiness probe, the first container is probed on the first port (GET /); the others only need to keep running.
        container.readinessProbe || index === 0
          ? probeOnce({
              probe: container.readinessProbe,
              ports,
              defaultPort: firstPort,
              connection: (port) => instance.sandbox.connection(port),
              exec: (command, timeoutMs) => instance.sandbox.exec(instance.processes[index]!.containerName, { command, cwd: instance.processes[index]!.cwd, env: instance.processes[index]!.env }, timeoutMs),
            })
          : { ok: true, detail: '' },
      ),
    );
    const failing = results.find((result) => !result.ok);
    if (!failing) return undefined;
    lastDetail = failing.detail;
    if (Date.now() > deadline) return `readiness probe failing for ${Math.round(timeoutMs / 1000)} s: ${lastDetail}`;
    await new Promise((resolve) => setTimeout(resolve, Date.now() - started < FAST_POLLING_FOR_MS ? FIRST_POLLS_MS : POLL_MS));
  }
}

/** Log files written before they were made 0600 become so. */
function fixLogModes(folder: string): void {
  if (!fs.statSync(folder).isDirectory()) return;
  for (const file of fs.readdirSync(folder)) {
    try {
      fs.chmodSync(path.join(folder, file), 0o600);
    } catch {
      // Gone meanwhile.
    }
  }
}

/**
 * The pids an instance's record names; none when it is missing or unreadable (a crash while it was
 * written, or a workload of the opt-out, which runs as Paved's user): it must not stop Paved's start.
 */
function recordedPids(file: string): number[] {
  try {
    const recorded: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(recorded) ? recorded.filter((pid): pid is number => Number.isInteger(pid) && pid > 1) : [];
  } catch {
    return [];
  }
}

function readEnviron(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The sockets' folder is in the shared /tmp under a name anyone can predict: one another host
 * user made first could let them reach workloads' sockets or swap them. It must be Paved's own.
 */
function ensurePrivateFolder(folder: string): void {
  fs.mkdirSync(folder, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(folder);
  if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o077) !== 0) {
    throw new Error(`${folder} is not a private folder of Paved's own user (a link, another user's, or open to others): remove it and deploy again`);
  }
}
