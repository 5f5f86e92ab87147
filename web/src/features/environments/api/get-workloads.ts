import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';
import type { WorkloadState } from '../../../api/delivery.js';

/** What runs where, across every environment: each workload's deployment and health. */
export const getWorkloads = () => api<{ items: WorkloadState[] }>('/api/delivery/workloads');

export const workloadsQueryOptions = () => queryOptions({ queryKey: ['environments', 'workloads'], queryFn: getWorkloads, refetchInterval: 10_000 });

export const useWorkloads = () => useQuery(workloadsQueryOptions());
