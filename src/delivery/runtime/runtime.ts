import type { ResolvedWorkload } from '../score/placeholders.js';

/** Everything a runtime needs to run one deployment of a workload. */
export interface ReleaseRequest {
  deploymentId: string;
  environment: string;
  workload: string;
  resolved: ResolvedWorkload;
  /** Where `image: .` was built (this repository at the deployed commit); undefined when no container uses it. */
  buildDir: string | undefined;
  repository: string;
  commit: string;
  /** Provisioner manifests (kubernetes) and route hosts (local) the resources asked for. */
  extraHosts: string[];
  manifests: object[];
  /** The secret values the workload gets (its resources' passwords and URLs), to mask in what it prints. */
  secretValues: string[];
  /** Where its resources listen (their `host` and `port` outputs): all a sandboxed workload may connect to. */
  endpoints: ResourceEndpoint[];
  log(message: string, level?: 'info' | 'warn' | 'error'): Promise<void>;
  signal?: AbortSignal;
}

export interface ResourceEndpoint {
  resource: string;
  type: string;
  host: string;
  port: number;
}

export type InstanceHealth = 'starting' | 'ready' | 'unhealthy' | 'crash-loop' | 'stopped' | 'delivered';

export interface InstanceStatus {
  environment: string;
  workload: string;
  deploymentId: string;
  health: InstanceHealth;
  /** How to reach it, if the runtime serves it here. */
  url?: string;
  containers: { name: string; pid?: number; restarts: number; health: InstanceHealth; lastExit?: string }[];
  startedAt: string;
}

/**
 * A place workloads run. `release` puts a deployment in service, or throws leaving whatever
 * served before still serving (that is the automatic rollback).
 */
export interface Runtime {
  readonly name: 'local' | 'kubernetes';
  release(request: ReleaseRequest): Promise<{ url?: string }>;
  /** Takes a workload out of service in an environment. */
  stop(environment: string, workload: string): Promise<void>;
  status(environment?: string): InstanceStatus[];
  close(): Promise<void>;
}
