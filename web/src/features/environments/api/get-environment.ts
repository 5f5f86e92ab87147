import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { Environment } from './get-environments.js';

export type DeploymentStatus = 'awaiting_approval' | 'queued' | 'deploying' | 'succeeded' | 'failed' | 'rejected';

export interface Deployment {
  id: string;
  number: number;
  workload: string;
  environment: string;
  componentRef: string | null;
  repository: string;
  commit: string;
  reason: string;
  status: DeploymentStatus;
  error: string | null;
  rolledBack: boolean;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  timeToReadyMs: number | null;
}

export interface WorkloadState {
  environment: string;
  workload: string;
  deployment: Deployment;
  instance?: {
    health: 'starting' | 'ready' | 'unhealthy' | 'crash-loop' | 'stopped' | 'delivered';
    url?: string;
    containers: { name: string; restarts: number; health: string; lastExit?: string }[];
    startedAt: string;
  };
  timeToProvisionMs: number | null;
}

export interface Resource {
  key: string;
  workload: string;
  type: string;
  class: string;
  provisioner: string;
  status: 'provisioning' | 'ready' | 'failed' | 'deleting';
  error: string | null;
  outputs: Record<string, unknown>;
  provisionMs: number | null;
  createdAt: string;
}

export interface EnvironmentDetail extends Environment {
  workloads: WorkloadState[];
  resources: Resource[];
}

const settling = (detail: EnvironmentDetail) =>
  detail.workloads.some((workload) => ['queued', 'deploying'].includes(workload.deployment.status) || workload.instance?.health === 'starting') || detail.resources.some((resource) => resource.status === 'provisioning' || resource.status === 'deleting');

export const getEnvironment = (name: string) => api<EnvironmentDetail>(`/api/delivery/environments/${encodeURIComponent(name)}`);

export const environmentQueryOptions = (name: string) =>
  queryOptions({
    queryKey: ['environments', name],
    queryFn: () => getEnvironment(name),
    // Health changes on its own: look often while something settles, now and then otherwise.
    refetchInterval: (query) => (query.state.data && settling(query.state.data) ? 2_000 : 10_000),
  });

export const useEnvironment = (name: string) => useQuery(environmentQueryOptions(name));
