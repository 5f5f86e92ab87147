import { queryOptions, useQuery } from '@tanstack/react-query';
import { api } from './client.js';

/** The delivery API's shapes and calls that more than one page uses (entity, environments). */

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
  /** Who caused it (for a pipeline's deployment, who pushed): they may not approve it. */
  requestedBy: string;
  createdAt: string;
  finishedAt: string | null;
  timeToReadyMs: number | null;
}

/** One workload in one environment: what should run there and how it is doing. */
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

export interface Environment {
  name: string;
  type: string;
  runtime: 'local' | 'kubernetes';
  requiresApproval: boolean;
  longLived: boolean;
  promotesTo: string | null;
  preview: { repository: string; branch: string } | null;
  expiresAt: string | null;
  status: 'active' | 'deleting';
  createdBy: string;
  createdAt: string;
}

/** Every environment: long-lived ones in promotion order, then previews and ad hoc ones. */
export const environmentsQueryOptions = () => queryOptions({ queryKey: ['environments'], queryFn: () => api<{ items: Environment[] }>('/api/delivery/environments') });

export const useEnvironments = () => useQuery(environmentsQueryOptions());

/** `POST /api/delivery/deployments/:id/promote`: the same revision to the next environment. */
export const promoteDeployment = (id: string) => api<Deployment>(`/api/delivery/deployments/${encodeURIComponent(id)}/promote`, { method: 'POST', body: {} });

/** `POST /api/delivery/rollback`: an earlier succeeded deployment (`to`, or the one before the current) again. */
export const rollbackDeployment = (input: { environment: string; workload: string; to?: string }) => api<Deployment>('/api/delivery/rollback', { method: 'POST', body: input });
