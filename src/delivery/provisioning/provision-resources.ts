import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { timeOrderedId } from '../../db/time-ordered-id.js';
import { InvalidInputError } from '../../errors.js';
import type { TemplateRenderer } from '../../expressions/index.js';
import type { ScoreWorkload } from '../score/score-workload.js';
import type { ResourceDriver } from './drivers/driver.js';
import { type Provisioner, findProvisioner } from './provisioner-file.js';
import { sharedResourceKey } from './shared-resources.js';

/** A resource of a workload as provisioned in one environment. */
export interface ProvisionedResource {
  name: string;
  type: string;
  class: string;
  /** `<workload>.<resource>`, or `shared.<owner>.<type>.<class>.<id>` for a resource with an id. */
  key: string;
  provisioner: string;
  outputs: Record<string, unknown>;
  secretOutputs: string[];
  /** Kubernetes objects the provisioner emits (its `manifests`), for the kubernetes runtime. */
  manifests: object[];
  /** Created by this call (false: it existed, e.g. a shared resource or a redeploy). */
  created: boolean;
  provisionMs: number;
}

export interface ProvisioningDeps {
  db: Kysely<Database>;
  provisioners: readonly Provisioner[];
  drivers: ReadonlyMap<string, ResourceDriver>;
  seal(plaintext: string, context: string): string;
  unseal(sealed: string, context: string): string;
  /** Where Paved's router listens, for outputs that point through it. */
  router(): { host: string; port: number };
  /** Renders the provisioner file's templates off the server's thread, with a deadline. */
  renderer: TemplateRenderer;
}

export interface EnvironmentRef {
  name: string;
  type: string;
  runtime: 'local' | 'kubernetes';
}

type ProvisionLog = (message: string, level?: 'info' | 'warn' | 'error') => Promise<void>;

/**
 * The name a driver gives what it creates: readable, at most 40 characters, and unique even
 * between Paved installations sharing a server, because it hashes the resource's row id.
 */
export function driverKey(environment: string, key: string, rowId: string): string {
  const readable = `${environment}_${key}`.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  const hash = crypto.createHash('sha256').update(rowId).digest('hex').slice(0, 8);
  return `${readable.slice(0, 31)}_${hash}`;
}

const resourceKey = (workload: string, name: string, resource: { type: string; class?: string; id?: string }, owner: string) =>
  resource.id ? sharedResourceKey(owner, { ...resource, id: resource.id }) : `${workload}.${name}`;

/**
 * Provisions every resource a workload declares in an environment, in declaration order, and
 * returns their outputs. A resource that exists (redeploy, shared id) is reused as it is. Each
 * resource is recorded as `provisioning` before its driver runs, so one that fails halfway is
 * still known, with its error, and removing the environment cleans it up.
 */
export async function provisionResources(
  deps: ProvisioningDeps,
  /** `owner`: the owner of the workload's repository (Paved's git), whose workloads share resources with an `id`. */
  input: { environment: EnvironmentRef; workload: ScoreWorkload; owner: string; params: Record<string, Record<string, unknown>>; log: ProvisionLog; signal?: AbortSignal },
): Promise<Record<string, ProvisionedResource>> {
  const { environment, workload } = input;
  const provisioned: Record<string, ProvisionedResource> = {};
  for (const [name, resource] of Object.entries(workload.resources ?? {})) {
    input.signal?.throwIfAborted();
    const started = performance.now();
    const resourceClass = resource.class ?? 'default';
    const key = resourceKey(workload.metadata.name, name, resource, input.owner);
    const provisioner = findProvisioner(deps.provisioners, { type: resource.type, class: resourceClass, ...(resource.id ? { id: resource.id } : {}) }, environment.runtime);
    if (!provisioner) {
      throw new InvalidInputError(
        'delivery.no_provisioner',
        `resources.${name}: no provisioner serves type "${resource.type}"${resource.class ? ` class "${resource.class}"` : ''} on the ${environment.runtime} runtime; the platform team adds one as a provisioner file (docs/delivery.md)`,
        { path: `resources.${name}.type` },
      );
    }
    const existing = await deps.db.selectFrom('delivery_resources').selectAll().where('environment', '=', environment.name).where('key', '=', key).executeTakeFirst();
    if (existing?.status === 'ready' && existing.outputs_sealed) {
      provisioned[name] = {
        name,
        type: resource.type,
        class: resourceClass,
        key,
        provisioner: existing.provisioner,
        outputs: JSON.parse(deps.unseal(existing.outputs_sealed, `${existing.id}/outputs`)) as Record<string, unknown>,
        secretOutputs: JSON.parse(existing.secret_outputs) as string[],
        manifests: existing.manifests_sealed ? (JSON.parse(deps.unseal(existing.manifests_sealed, `${existing.id}/manifests`)) as object[]) : [],
        created: false,
        provisionMs: Math.round(performance.now() - started),
      };
      continue;
    }
    const id = existing?.id ?? timeOrderedId();
    const now = new Date().toISOString();
    const created = { key: driverKey(environment.name, key, id) };
    const row = {
      environment: environment.name,
      key,
      workload: workload.metadata.name,
      type: resource.type,
      class: resourceClass,
      provisioner: provisioner.metadata.name,
      status: 'provisioning' as const,
      error: null,
      state_sealed: deps.seal(JSON.stringify(created), `${id}/state`),
      outputs_sealed: null,
      manifests_sealed: null,
      secret_outputs: '[]',
      provision_ms: null,
      updated_at: now,
    };
    if (existing) await deps.db.updateTable('delivery_resources').set(row).where('id', '=', id).execute();
    else await deps.db.insertInto('delivery_resources').values({ ...row, id, created_at: now }).execute();
    await input.log(`resource ${name} (${resource.type}${resource.class ? `/${resource.class}` : ''}): provisioning with ${provisioner.metadata.name}`);
    try {
      const result = await runProvisioner(deps, provisioner, { name, key: created.key, type: resource.type, class: resourceClass, ...(resource.id ? { id: resource.id } : {}) }, input, id);
      const provisionMs = Math.round(performance.now() - started);
      await deps.db
        .updateTable('delivery_resources')
        .set({
          status: 'ready',
          state_sealed: deps.seal(JSON.stringify({ ...created, ...result.state }), `${id}/state`),
          outputs_sealed: deps.seal(JSON.stringify(result.outputs), `${id}/outputs`),
          manifests_sealed: deps.seal(JSON.stringify(result.manifests), `${id}/manifests`),
          secret_outputs: JSON.stringify(result.secretOutputs),
          provision_ms: provisionMs,
          updated_at: new Date().toISOString(),
        })
        .where('id', '=', id)
        .execute();
      await input.log(`resource ${name}: ready in ${provisionMs} ms`);
      provisioned[name] = { name, type: resource.type, class: resourceClass, key, provisioner: provisioner.metadata.name, outputs: result.outputs, secretOutputs: result.secretOutputs, manifests: result.manifests, created: true, provisionMs };
    } catch (error) {
      const message = `resources.${name} (${resource.type}, provisioner ${provisioner.metadata.name} from ${provisioner.source}): ${(error as Error).message}`;
      await deps.db.updateTable('delivery_resources').set({ status: 'failed', error: message, updated_at: new Date().toISOString() }).where('id', '=', id).execute();
      throw new InvalidInputError((error as { code?: string }).code ?? 'delivery.provisioning_failed', message, { path: `resources.${name}` }, { cause: error });
    }
  }
  return provisioned;
}

interface ResourceIdentity {
  name: string;
  key: string;
  type: string;
  class: string;
  id?: string;
}

async function runProvisioner(
  deps: ProvisioningDeps,
  provisioner: Provisioner,
  resource: ResourceIdentity,
  input: { environment: EnvironmentRef; workload: ScoreWorkload; params: Record<string, Record<string, unknown>>; signal?: AbortSignal },
  rowId: string,
): Promise<{ state: Record<string, string | number>; outputs: Record<string, unknown>; secretOutputs: string[]; manifests: object[] }> {
  const where = `provisioner ${provisioner.metadata.name}`;
  const render = async (template: unknown, values: object, field: string) => (await deps.renderer.renderValues([{ value: template }], values, `${where} ${field}`, input.signal))[0];
  // The workload's params are data: only the platform's provisioner file is ever a template.
  const params = { ...provisioner.spec.params, ...input.params[resource.name] };
  const context: Record<string, unknown> = {
    resource: { ...resource, rowId },
    params,
    workload: { name: input.workload.metadata.name },
    environment: { name: input.environment.name, type: input.environment.type },
    router: deps.router(),
    created: {},
  };
  let state: Record<string, string | number> = {};
  const secretOutputs = new Set(provisioner.spec.secretOutputs ?? []);
  let outputs: Record<string, unknown> = {};
  if (provisioner.spec.create) {
    const driver = deps.drivers.get(provisioner.spec.create.driver);
    if (!driver) throw new Error(`the ${provisioner.spec.create.driver} driver is not configured on this Paved (see docs/delivery.md, "Drivers")`);
    const driverParams = (provisioner.spec.create.params ? await render(provisioner.spec.create.params, context, 'create.params') : params) as Record<string, unknown>;
    const result = await driver.create({ key: resource.key, params: driverParams ?? {}, ...(input.signal ? { signal: input.signal } : {}) });
    state = result.state;
    outputs = result.outputs;
    context.created = result.outputs;
    for (const name of result.secretOutputs) secretOutputs.add(name);
    // An output computed from a secret is a secret too, whatever the file says.
    const secretValues = result.secretOutputs.map((name) => String(result.outputs[name])).filter((value) => value.length > 0);
    if (provisioner.spec.outputs) {
      outputs = (await render(provisioner.spec.outputs, context, 'outputs')) as Record<string, unknown>;
      for (const [name, value] of Object.entries(outputs)) if (secretValues.some((secret) => String(value).includes(secret))) secretOutputs.add(name);
    }
  } else if (provisioner.spec.outputs) {
    outputs = ((await render(provisioner.spec.outputs, context, 'outputs')) as Record<string, unknown>) ?? {};
  }
  const manifests = provisioner.spec.manifests ? ((await render(provisioner.spec.manifests, { ...context, outputs }, 'manifests')) as object[]) : [];
  return { state, outputs, secretOutputs: [...secretOutputs].filter((name) => name in outputs).sort(), manifests };
}

/**
 * Removes resources of an environment (all, or one workload's that are not shared), newest
 * first. A resource whose driver fails stays, marked failed with the reason, so the removal can
 * be tried again; the others are gone.
 */
export async function deprovisionResources(deps: ProvisioningDeps, environment: string, options: { workload?: string; log: ProvisionLog }): Promise<{ removed: number; failed: string[] }> {
  let query = deps.db.selectFrom('delivery_resources').selectAll().where('environment', '=', environment);
  if (options.workload) query = query.where('workload', '=', options.workload).where('key', 'not like', 'shared.%');
  const rows = await query.orderBy('id', 'desc').execute();
  const failed: string[] = [];
  let removed = 0;
  for (const row of rows) {
    const provisioner = deps.provisioners.find((candidate) => candidate.metadata.name === row.provisioner);
    const driverName = provisioner?.spec.create?.driver;
    try {
      if (driverName && row.state_sealed) {
        const driver = deps.drivers.get(driverName);
        if (!driver) throw new Error(`the ${driverName} driver is not configured`);
        await driver.delete(JSON.parse(deps.unseal(row.state_sealed, `${row.id}/state`)) as Record<string, string | number>);
      }
      await deps.db.deleteFrom('delivery_resources').where('id', '=', row.id).execute();
      removed += 1;
      await options.log(`resource ${row.key} (${row.type}) removed`);
    } catch (error) {
      const message = `could not remove ${row.key} (${row.type}): ${(error as Error).message}`;
      failed.push(message);
      await deps.db.updateTable('delivery_resources').set({ status: 'failed', error: message, updated_at: new Date().toISOString() }).where('id', '=', row.id).execute();
      await options.log(message, 'error');
    }
  }
  return { removed, failed };
}
