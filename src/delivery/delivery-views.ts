import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { type Deployment, type DeploymentRow, SECRET_PLACEHOLDER, toDeployment } from './deployments/deployment-records.js';
import type { InstanceStatus, Runtime } from './runtime/runtime.js';

/** One workload in one environment: what should run, and how it is doing. */
export interface WorkloadState {
  environment: string;
  workload: string;
  deployment: Deployment;
  instance: InstanceStatus | undefined;
  /** The workload's first deployment here: from the request to every resource ready and the workload healthy. */
  timeToProvisionMs: number | null;
}

/** A resource as anyone may see it: outputs that are secrets are shown as `[secret]`. */
export interface ResourceSummary {
  key: string;
  workload: string;
  type: string;
  class: string;
  provisioner: string;
  status: string;
  error: string | null;
  outputs: Record<string, unknown>;
  provisionMs: number | null;
  createdAt: string;
}

/** The read side of delivery: history, what runs where, resources, events. Open to everyone signed in. */
export function createDeliveryViews(deps: { db: Kysely<Database>; runtimes: Readonly<Record<'local' | 'kubernetes', Runtime>>; unseal(sealed: string, context: string): string }) {
  const { db } = deps;
  return {
    async listDeployments(query: { workload?: string; environment?: string; componentRef?: string; status?: string; limit: number }): Promise<Deployment[]> {
      let select = db.selectFrom('delivery_deployments').selectAll();
      if (query.workload) select = select.where('workload', '=', query.workload);
      if (query.environment) select = select.where('environment', '=', query.environment);
      if (query.componentRef) select = select.where('component_ref', '=', query.componentRef);
      if (query.status) select = select.where('status', '=', query.status as DeploymentRow['status']);
      const rows = await select.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      return rows.map(toDeployment);
    },

    /** What runs where: every workload's desired deployment, with the runtime's view of it. */
    async workloads(filter: { environment?: string; componentRef?: string } = {}): Promise<WorkloadState[]> {
      let select = db.selectFrom('delivery_workloads as w').innerJoin('delivery_deployments as d', 'd.id', 'w.deployment_id').selectAll('d');
      if (filter.environment) select = select.where('w.environment', '=', filter.environment);
      if (filter.componentRef) select = select.where('d.component_ref', '=', filter.componentRef);
      const rows = await select.orderBy('w.environment').orderBy('w.workload').execute();
      const statuses = [...deps.runtimes.local.status(), ...deps.runtimes.kubernetes.status()];
      const firsts = await db
        .selectFrom('delivery_deployments')
        .selectAll()
        .where('status', '=', 'succeeded')
        .where('number', '=', (eb) =>
          eb
            .selectFrom('delivery_deployments as earlier')
            .select((inner) => inner.fn.min('earlier.number').as('first'))
            .whereRef('earlier.workload', '=', 'delivery_deployments.workload')
            .whereRef('earlier.environment', '=', 'delivery_deployments.environment')
            .where('earlier.status', '=', 'succeeded'),
        )
        .$if(filter.environment !== undefined, (query) => query.where('environment', '=', filter.environment!))
        .execute();
      return rows.map((row) => ({
        environment: row.environment,
        workload: row.workload,
        deployment: toDeployment(row),
        instance: statuses.find((status) => status.environment === row.environment && status.workload === row.workload),
        timeToProvisionMs: toDeployment(firsts.find((first) => first.environment === row.environment && first.workload === row.workload) ?? row).timeToReadyMs,
      }));
    },

    async resources(environment: string): Promise<ResourceSummary[]> {
      const rows = await db.selectFrom('delivery_resources').selectAll().where('environment', '=', environment).orderBy('created_at').execute();
      return rows.map((row) => {
        const secret = new Set(JSON.parse(row.secret_outputs) as string[]);
        const outputs = row.outputs_sealed ? (JSON.parse(deps.unseal(row.outputs_sealed, `${row.id}/outputs`)) as Record<string, unknown>) : {};
        return {
          key: row.key,
          workload: row.workload,
          type: row.type,
          class: row.class,
          provisioner: row.provisioner,
          status: row.status,
          error: row.error,
          outputs: Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, secret.has(name) ? SECRET_PLACEHOLDER : value])),
          provisionMs: row.provision_ms === null ? null : Number(row.provision_ms),
          createdAt: row.created_at,
        };
      });
    },

    async events(query: { since?: string; limit: number }) {
      let select = db.selectFrom('delivery_events').selectAll();
      if (query.since) select = select.where('at', '>=', query.since);
      const rows = await select.orderBy('at').orderBy('id').limit(query.limit).execute();
      return rows.map((row) => ({ id: row.id, at: row.at, type: row.type, environment: row.environment, workload: row.workload, deploymentId: row.deployment_id, commit: row.commit, detail: JSON.parse(row.detail) as unknown }));
    },

  };
}
