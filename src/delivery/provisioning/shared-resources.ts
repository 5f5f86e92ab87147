import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { workloadOwner } from '../deployments/workload-names.js';
import type { ScoreWorkload } from '../score/score-workload.js';

/**
 * The key of a resource with an `id`: shared by the workloads of one owner in one environment.
 * The owner is the repository's, from Paved's git, so a score that names another team's id gets
 * a resource of its own, never that team's database.
 */
export function sharedResourceKey(owner: string, resource: { type: string; class?: string; id: string }): string {
  return `shared.${owner}.${resource.type}.${resource.class ?? 'default'}.${resource.id}`;
}

/**
 * Shared resources made before their keys named an owner (`shared.<type>.<class>.<id>`) go to
 * the owner of the workload that asked for them first, at that owner's next deploy; anyone
 * else's workload gets a resource of its own.
 */
export async function adoptUnownedSharedResources(
  db: Kysely<Database>,
  input: { environment: string; workload: ScoreWorkload; owner: string; ownerOf(repository: string): Promise<string | undefined> },
): Promise<void> {
  for (const resource of Object.values(input.workload.resources ?? {})) {
    if (!resource.id) continue;
    const unowned = `shared.${resource.type}.${resource.class ?? 'default'}.${resource.id}`;
    const row = await db.selectFrom('delivery_resources').select(['id', 'workload']).where('environment', '=', input.environment).where('key', '=', unowned).executeTakeFirst();
    if (!row) continue;
    const key = sharedResourceKey(input.owner, { ...resource, id: resource.id });
    if (await db.selectFrom('delivery_resources').select('id').where('environment', '=', input.environment).where('key', '=', key).executeTakeFirst()) continue;
    const claim = await workloadOwner(db, input.environment, row.workload);
    if (!claim || (await input.ownerOf(claim.repository)) !== input.owner) continue;
    await db.updateTable('delivery_resources').set({ key, updated_at: new Date().toISOString() }).where('id', '=', row.id).where('key', '=', unowned).execute();
  }
}
