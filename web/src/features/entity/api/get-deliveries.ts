import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { Deployment, WorkloadState } from '../../../api/delivery.js';

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
export const useDeployment = (id: string) => useQuery(deploymentQueryOptions(id));
