import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export type DeploymentStatus = 'awaiting_approval' | 'queued' | 'deploying' | 'succeeded' | 'failed' | 'rejected';

/** A deployment as `/api/delivery/deployments` shows it. */
export interface Deployment {
  id: string;
  number: number;
  workload: string;
  environment: string;
  componentRef: string | null;
  repository: string;
  commit: string;
  reason: string;
  sourceDeploymentId: string | null;
  status: DeploymentStatus;
  error: string | null;
  rolledBack: boolean;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  timeToReadyMs: number | null;
}

/** One workload in one environment: what should run there and how it is doing. */
export interface WorkloadState {
  environment: string;
  workload: string;
  deployment: Deployment;
  instance?: { health: string; url?: string; startedAt: string };
  timeToProvisionMs: number | null;
}

export interface Environment {
  name: string;
  longLived: boolean;
  promotesTo: string | null;
  requiresApproval: boolean;
}

const FINISHED = new Set(['succeeded', 'failed', 'rejected']);
export const isSettled = (deployment: { status: string }) => FINISHED.has(deployment.status);

/** `GET /api/delivery/workloads?component=`: where the component runs. */
export function workloadsQueryOptions(componentRef: string) {
  return queryOptions({
    queryKey: ['delivery', 'workloads', componentRef],
    queryFn: () => api<{ items: WorkloadState[] }>(`/api/delivery/workloads?${new URLSearchParams({ component: componentRef })}`),
    refetchInterval: 10_000,
  });
}

/** `GET /api/delivery/deployments?component=`: its history, newest first. */
export function deploymentsQueryOptions(componentRef: string) {
  return queryOptions({
    queryKey: ['delivery', 'deployments', componentRef],
    queryFn: () => api<{ items: Deployment[] }>(`/api/delivery/deployments?${new URLSearchParams({ component: componentRef, limit: '50' })}`),
    refetchInterval: (query) => (query.state.data?.items.some((deployment) => !isSettled(deployment)) ? 2_000 : 15_000),
  });
}

/** `GET /api/delivery/environments`: where promotion goes from each one. */
export function environmentsQueryOptions() {
  return queryOptions({ queryKey: ['delivery', 'environments'], queryFn: () => api<{ items: Environment[] }>('/api/delivery/environments'), staleTime: 60_000 });
}

/** `GET /api/delivery/deployments/:id`, asked again every second until it has settled. */
export function deploymentQueryOptions(id: string) {
  return queryOptions({
    queryKey: ['delivery', 'deployment', id],
    queryFn: () => api<Deployment>(`/api/delivery/deployments/${encodeURIComponent(id)}`),
    refetchInterval: (query) => (query.state.data && isSettled(query.state.data) ? false : query.state.data?.status === 'awaiting_approval' ? 5_000 : 1_000),
  });
}

export const useWorkloads = (componentRef: string) => useQuery(workloadsQueryOptions(componentRef));
export const useDeployments = (componentRef: string) => useQuery(deploymentsQueryOptions(componentRef));
export const useEnvironments = () => useQuery(environmentsQueryOptions());
export const useDeployment = (id: string) => useQuery(deploymentQueryOptions(id));
