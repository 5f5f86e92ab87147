/** A place workloads run: long-lived (dev, staging, prod) or a branch's preview. */
export interface DeliveryEnvironmentsTable {
  name: string;
  /** An environment type (config): sets the runtime, the rules and where promotion goes. */
  type: string;
  /** Previews only: the repository and branch they preview, and when they expire. */
  repository: string | null;
  branch: string | null;
  expires_at: string | null;
  status: 'active' | 'deleting';
  created_by: string;
  created_at: string;
}

/** A provisioned resource of an environment: one per workload resource, or one shared (`id`). */
export interface DeliveryResourcesTable {
  id: string;
  environment: string;
  /** `<workload>.<resource>` or, for a shared resource, `shared.<owner>.<type>.<class>.<id>` (the owner of the workloads' repositories). */
  key: string;
  /** The workload that asked first (and, unless shared, the only one): its name belongs to one repository (delivery_workload_names). */
  workload: string;
  type: string;
  class: string;
  provisioner: string;
  status: 'provisioning' | 'ready' | 'failed' | 'deleting';
  error: string | null;
  /** Encrypted JSON: what the driver needs to remove it. Sealed because it may hold a password. */
  state_sealed: string | null;
  /** Encrypted JSON: the outputs workloads read. */
  outputs_sealed: string | null;
  /** Encrypted JSON: Kubernetes objects the provisioner emits beside the workload's (they may hold its secrets). */
  manifests_sealed: string | null;
  /** JSON array of the output names that are secrets. */
  secret_outputs: string;
  provision_ms: number | null;
  created_at: string;
  updated_at: string;
}

export type DeploymentStatus = 'awaiting_approval' | 'queued' | 'deploying' | 'succeeded' | 'failed' | 'rejected';

/** An immutable record of one deploy of a workload revision to an environment. */
export interface DeliveryDeploymentsTable {
  id: string;
  /** 1, 2, 3 … per workload and environment. */
  number: number;
  workload: string;
  environment: string;
  /** Catalog ref of the component (when the repository declares one). */
  component_ref: string | null;
  repository: string;
  commit: string;
  score_yaml: string;
  /** A hash of everything that makes the running configuration: score, commit, resolved resources. */
  config_hash: string | null;
  /** JSON: resource name → {type, class, key, provisioner, outputs without secrets}. */
  resources: string | null;
  /** `deploy` (pipeline, API, CLI), `promote`, `rollback`. */
  reason: 'deploy' | 'promote' | 'rollback';
  /** The deployment this one promotes or rolls back to. */
  source_deployment_id: string | null;
  /** JSON array of {sha, at} this deployment brings to the environment for the first time. */
  commits: string;
  status: DeploymentStatus;
  error: string | null;
  /** Whether a failed deployment left the previous one serving (it was rolled back). */
  rolled_back: number;
  /** Who acted: a user, or the pipeline run whose deploy step asked. */
  created_by: string;
  /**
   * The person who caused it (the pusher of the commit a pipeline deploys, who started the run,
   * who called the API), from Paved's records: they may not approve it themselves.
   */
  requested_by: string | null;
  created_at: string;
  approved_by: string | null;
  started_at: string | null;
  resources_ready_at: string | null;
  finished_at: string | null;
  task_id: string | null;
}

/** The desired state: which deployment of a workload should be running in an environment. */
export interface DeliveryWorkloadsTable {
  environment: string;
  workload: string;
  deployment_id: string;
  updated_at: string;
}

/**
 * Which repository owns a workload name in an environment: the first one to deploy it there.
 * Whatever a later score.yaml says, only that repository deploys, and its owners remove, the
 * workload of that name; its resources are keyed by that name, so nobody else gets them.
 */
export interface DeliveryWorkloadNamesTable {
  environment: string;
  workload: string;
  /** `<namespace>/<name>` of Paved's git. */
  repository: string;
  /** When git created that repository: one deleted and made again under its name is not it. Null: claimed before this was kept. */
  repository_created_at: string | null;
  claimed_at: string;
}

/** Append-only delivery events (DORA reads these): deployments started, succeeded, failed, rolled back. */
export interface DeliveryEventsTable {
  id: string;
  at: string;
  type: 'deployment.started' | 'deployment.succeeded' | 'deployment.failed' | 'deployment.rolled_back' | 'environment.created' | 'environment.deleted' | 'workload.removed';
  environment: string;
  workload: string | null;
  deployment_id: string | null;
  commit: string | null;
  /** JSON: details (commits carried, error, time to provision). */
  detail: string;
}

export interface DeliveryTables {
  delivery_environments: DeliveryEnvironmentsTable;
  delivery_resources: DeliveryResourcesTable;
  delivery_deployments: DeliveryDeploymentsTable;
  delivery_workloads: DeliveryWorkloadsTable;
  delivery_workload_names: DeliveryWorkloadNamesTable;
  delivery_events: DeliveryEventsTable;
}
