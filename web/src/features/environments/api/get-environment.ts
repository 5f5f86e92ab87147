import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { Environment, WorkloadState } from '../../../api/delivery.js';

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
