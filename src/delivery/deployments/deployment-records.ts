import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../../db/database.js';
import { timeOrderedId } from '../../db/time-ordered-id.js';
import type { DeliveryDeploymentsTable, DeliveryEventsTable, DeploymentStatus } from '../tables.js';

/** What the API shows of a resource a deployment used: never a secret's value. */
export interface DeploymentResource {
  type: string;
  class: string;
  key: string;
  provisioner: string;
  outputs: Record<string, unknown>;
  provisionMs: number;
}

export interface Deployment {
  id: string;
  number: number;
  workload: string;
  environment: string;
  componentRef: string | null;
  repository: string;
  commit: string;
  reason: DeliveryDeploymentsTable['reason'];
  sourceDeploymentId: string | null;
  status: DeploymentStatus;
  error: string | null;
  /** A failed deployment whose environment kept (or went back to) the previous version. */
  rolledBack: boolean;
  configHash: string | null;
  resources: Record<string, DeploymentResource>;
  commits: { sha: string; at: string }[];
  createdBy: string;
  /** The person who caused it (for a pipeline's deployment, who pushed or started the run). */
  requestedBy: string;
  createdAt: string;
  approvedBy: string | null;
  startedAt: string | null;
  resourcesReadyAt: string | null;
  finishedAt: string | null;
  /** From the request to every resource ready and the workload healthy. */
  timeToReadyMs: number | null;
  taskId: string | null;
}

export type DeploymentRow = Selectable<DeliveryDeploymentsTable>;

export const SECRET_PLACEHOLDER = '[secret]';

export function toDeployment(row: DeploymentRow): Deployment {
  return {
    id: row.id,
    number: Number(row.number),
    workload: row.workload,
    environment: row.environment,
    componentRef: row.component_ref,
    repository: row.repository,
    commit: row.commit,
    reason: row.reason,
    sourceDeploymentId: row.source_deployment_id,
    status: row.status,
    error: row.error,
    rolledBack: Number(row.rolled_back) === 1,
    configHash: row.config_hash,
    resources: row.resources ? (JSON.parse(row.resources) as Record<string, DeploymentResource>) : {},
    commits: JSON.parse(row.commits) as { sha: string; at: string }[],
    createdBy: row.created_by,
    requestedBy: row.requested_by ?? row.created_by,
    createdAt: row.created_at,
    approvedBy: row.approved_by,
    startedAt: row.started_at,
    resourcesReadyAt: row.resources_ready_at,
    finishedAt: row.finished_at,
    timeToReadyMs: row.status === 'succeeded' && row.finished_at ? Date.parse(row.finished_at) - Date.parse(row.approved_by && row.started_at ? row.started_at : row.created_at) : null,
    taskId: row.task_id,
  };
}

export async function recordEvent(
  db: Kysely<Database>,
  event: { type: DeliveryEventsTable['type']; environment: string; workload?: string; deploymentId?: string; commit?: string; detail?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('delivery_events')
    .values({
      id: timeOrderedId(),
      at: new Date().toISOString(),
      type: event.type,
      environment: event.environment,
      workload: event.workload ?? null,
      deployment_id: event.deploymentId ?? null,
      commit: event.commit ?? null,
      detail: JSON.stringify(event.detail ?? {}),
    })
    .execute();
}

/** The deployment that should be running for a workload in an environment (the desired state). */
export async function currentDeployment(db: Kysely<Database>, environment: string, workload: string): Promise<DeploymentRow | undefined> {
  return db
    .selectFrom('delivery_workloads as w')
    .innerJoin('delivery_deployments as d', 'd.id', 'w.deployment_id')
    .selectAll('d')
    .where('w.environment', '=', environment)
    .where('w.workload', '=', workload)
    .executeTakeFirst();
}
