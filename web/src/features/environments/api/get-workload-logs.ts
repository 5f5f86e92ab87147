import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../api/client.js';

export interface OutputLine {
  at: string;
  stream: 'stdout' | 'stderr' | 'paved';
  text: string;
  container?: string;
}

/** A running workload's recent output (this Paved's local runtime keeps it). */
export const getWorkloadLogs = (environment: string, workload: string) =>
  api<{ items: OutputLine[] }>(`/api/delivery/environments/${encodeURIComponent(environment)}/workloads/${encodeURIComponent(workload)}/logs`);

export const workloadLogsQueryOptions = (environment: string, workload: string) =>
  queryOptions({ queryKey: ['environments', environment, 'logs', workload], queryFn: () => getWorkloadLogs(environment, workload), refetchInterval: 3_000, staleTime: 0 });

export const useWorkloadLogs = (environment: string, workload: string) => useQuery(workloadLogsQueryOptions(environment, workload));
