import { api } from '../../../api/client.js';
import type { Deployment } from './get-deliveries.js';

/** `POST /api/delivery/deployments/:id/promote`: the same revision to the next environment. */
export function promoteDeployment(id: string): Promise<Deployment> {
  return api<Deployment>(`/api/delivery/deployments/${encodeURIComponent(id)}/promote`, { method: 'POST', body: {} });
}

/** `POST /api/delivery/rollback`: deploy an earlier succeeded deployment of the workload again. */
export function rollbackDeployment(input: { environment: string; workload: string; to: string }): Promise<Deployment> {
  return api<Deployment>('/api/delivery/rollback', { method: 'POST', body: input });
}
