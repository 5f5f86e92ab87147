import crypto from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { authorize } from '../../access/authorize.js';
import type { Principal } from '../../access/principal.js';
import { recordAuditEvents } from '../../audit/audit-log.js';
import type { Config } from '../../config.js';
import type { Database } from '../../db/database.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../../errors.js';
import type { TaskEngine } from '../../tasks/task-engine.js';
import { recordEvent } from '../deployments/deployment-records.js';
import type { EnvironmentRef } from '../provisioning/provision-resources.js';
import type { DeliveryEnvironmentsTable } from '../tables.js';

export const REMOVE_ENVIRONMENT_TASK_KIND = 'delivery.environment.remove';
export const REMOVE_WORKLOAD_TASK_KIND = 'delivery.workload.remove';

export interface Environment {
  name: string;
  type: string;
  runtime: 'local' | 'kubernetes';
  requiresApproval: boolean;
  /** Long-lived environments come from the configuration; the others were asked for (previews, ad hoc). */
  longLived: boolean;
  /** Where `promote` sends a deployment from here. */
  promotesTo: string | null;
  preview: { repository: string; branch: string } | null;
  expiresAt: string | null;
  status: DeliveryEnvironmentsTable['status'];
  createdBy: string;
  createdAt: string;
}

const NAME = /^[a-z][a-z0-9-]{0,30}$/;
const PREVIEW_PREFIX = 'pr-';

/** `preview-<branch>`, shortened with a hash so that every branch gets its own valid name. */
export function previewName(repository: string, branch: string): string {
  const slug = branch.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  const hash = crypto.createHash('sha256').update(`${repository}\0${branch}`).digest('hex').slice(0, 5);
  return `${PREVIEW_PREFIX}${slug.slice(0, 22).replace(/-+$/, '')}-${hash}`.replace(/--+/g, '-');
}

export function createEnvironmentService(deps: { db: Kysely<Database>; config: Config['delivery']; tasks: () => TaskEngine }) {
  const { db, config } = deps;
  const order = config.environments.map((environment) => environment.name);

  function toEnvironment(row: Selectable<DeliveryEnvironmentsTable>): Environment {
    const type = config.environmentTypes[row.type] ?? { runtime: 'local' as const, requiresApproval: false };
    const index = order.indexOf(row.name);
    return {
      name: row.name,
      type: row.type,
      runtime: type.runtime,
      requiresApproval: type.requiresApproval,
      longLived: index >= 0,
      promotesTo: index >= 0 ? (order[index + 1] ?? null) : null,
      preview: row.repository && row.branch ? { repository: row.repository, branch: row.branch } : null,
      expiresAt: row.expires_at,
      status: row.status,
      createdBy: row.created_by,
      createdAt: row.created_at,
    };
  }

  async function get(name: string): Promise<Environment> {
    const row = await db.selectFrom('delivery_environments').selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) throw new NotFoundError('delivery.environment_not_found', `No environment ${name}; see GET /api/delivery/environments`);
    if (row.status === 'deleting') throw new ConflictError('delivery.environment_deleting', `environment ${name} is being removed`);
    return toEnvironment(row);
  }

  async function insert(values: { name: string; type: string; repository?: string; branch?: string; expiresAt?: string; createdBy: string }): Promise<void> {
    await db
      .insertInto('delivery_environments')
      .values({
        name: values.name,
        type: values.type,
        repository: values.repository ?? null,
        branch: values.branch ?? null,
        expires_at: values.expiresAt ?? null,
        status: 'active',
        created_by: values.createdBy,
        created_at: new Date().toISOString(),
      })
      .execute();
    await recordEvent(db, { type: 'environment.created', environment: values.name, detail: { type: values.type, ...(values.branch ? { repository: values.repository, branch: values.branch } : {}) } });
  }

  return {
    /** Creates the configured long-lived environments that do not exist yet. */
    async ensureConfigured(): Promise<void> {
      for (const environment of config.environments) {
        const exists = await db.selectFrom('delivery_environments').select('name').where('name', '=', environment.name).executeTakeFirst();
        if (!exists) await insert({ name: environment.name, type: environment.type, createdBy: 'system' });
      }
    },

    get,

    async ref(name: string): Promise<EnvironmentRef> {
      const environment = await get(name);
      return { name: environment.name, type: environment.type, runtime: environment.runtime };
    },

    async list(): Promise<Environment[]> {
      const rows = await db.selectFrom('delivery_environments').selectAll().orderBy('created_at').orderBy('name').execute();
      return rows.map(toEnvironment).sort((a, b) => (a.longLived === b.longLived ? order.indexOf(a.name) - order.indexOf(b.name) || a.name.localeCompare(b.name) : a.longLived ? -1 : 1));
    },

    nextAfter(name: string): string | undefined {
      const index = order.indexOf(name);
      return index >= 0 ? order[index + 1] : undefined;
    },

    /** An environment on demand (a test bed, a demo): anyone may make one; who made it may remove it. */
    async create(principal: Principal, input: { name: string; type: string; ttlHours?: number }): Promise<Environment> {
      authorize(principal, 'delivery.environment.create', { ref: `environment:${input.name}` });
      if (!NAME.test(input.name)) throw new InvalidInputError('delivery.invalid_environment_name', `"${input.name}" is not an environment name: lower-case letters, digits and -, at most 31, starting with a letter`, { path: 'name' });
      // Previews are named after their repository and branch; nobody may make one's environment in its place.
      if (input.name.startsWith(PREVIEW_PREFIX)) throw new InvalidInputError('delivery.invalid_environment_name', `"${input.name}": names starting with ${PREVIEW_PREFIX} are for branches' preview environments`, { path: 'name' });
      if (!config.environmentTypes[input.type]) {
        throw new InvalidInputError('delivery.unknown_environment_type', `"${input.type}" is not an environment type; the types are ${Object.keys(config.environmentTypes).join(', ')}`, { path: 'type' });
      }
      const exists = await db.selectFrom('delivery_environments').select('name').where('name', '=', input.name).executeTakeFirst();
      if (exists) throw new ConflictError('delivery.environment_exists', `environment ${input.name} exists`);
      await insert({ name: input.name, type: input.type, createdBy: principal.userRef, ...(input.ttlHours ? { expiresAt: new Date(Date.now() + input.ttlHours * 3_600_000).toISOString() } : {}) });
      await recordAuditEvents(db, [{ actor: principal.userRef, action: 'delivery.environment.create', target: `environment:${input.name}`, details: { type: input.type } }]);
      return get(input.name);
    },

    /** The branch's preview environment, made on its first deploy; each deploy pushes its expiry back. */
    async ensurePreview(principal: Principal, repository: string, branch: string): Promise<string> {
      const name = previewName(repository, branch);
      const expiresAt = new Date(Date.now() + config.previewTtlHours * 3_600_000).toISOString();
      const existing = await db.selectFrom('delivery_environments').select(['name', 'status', 'repository', 'branch']).where('name', '=', name).executeTakeFirst();
      if (existing && (existing.repository !== repository || existing.branch !== branch)) {
        throw new ConflictError('delivery.preview_name_taken', `environment ${name} is not the preview of ${repository} ${branch}; it was made otherwise`, { hint: 'An administrator removes that environment.' });
      }
      if (existing) {
        await db.updateTable('delivery_environments').set({ expires_at: expiresAt }).where('name', '=', name).execute();
        return name;
      }
      if (!config.environmentTypes.preview) throw new InvalidInputError('delivery.no_preview_type', 'previews need an environment type called "preview" (delivery.environmentTypes)');
      await insert({ name, type: 'preview', repository, branch, expiresAt, createdBy: principal.userRef });
      return name;
    },

    /** Starts removing an environment: its workloads stop and its resources are deprovisioned, as a task. */
    async remove(principal: Principal, name: string): Promise<{ taskId: string }> {
      const row = await db.selectFrom('delivery_environments').selectAll().where('name', '=', name).executeTakeFirst();
      if (!row) throw new NotFoundError('delivery.environment_not_found', `No environment ${name}`);
      if (order.includes(name)) throw new ConflictError('delivery.environment_configured', `${name} is a long-lived environment of the configuration (delivery.environments); remove it there`);
      authorize(principal, 'delivery.environment.delete', { ref: `environment:${name}`, createdBy: row.created_by });
      await db.updateTable('delivery_environments').set({ status: 'deleting' }).where('name', '=', name).execute();
      await recordAuditEvents(db, [{ actor: principal.userRef, action: 'delivery.environment.delete', target: `environment:${name}` }]);
      const task = await deps.tasks().enqueue(REMOVE_ENVIRONMENT_TASK_KIND, { environment: name }, { createdBy: principal.userRef });
      return { taskId: task.id };
    },

    /** Previews of a branch (to remove when the branch goes) and environments past their expiry. */
    async previewsOf(repository: string, branch: string): Promise<string[]> {
      const rows = await db.selectFrom('delivery_environments').select('name').where('repository', '=', repository).where('branch', '=', branch).where('status', '=', 'active').execute();
      return rows.map((row) => row.name);
    },

    async expired(now: Date): Promise<string[]> {
      const rows = await db.selectFrom('delivery_environments').select('name').where('expires_at', '<', now.toISOString()).where('status', '=', 'active').execute();
      return rows.map((row) => row.name);
    },
  };
}

export type EnvironmentService = ReturnType<typeof createEnvironmentService>;
