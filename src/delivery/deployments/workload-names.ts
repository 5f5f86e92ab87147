import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { ConflictError } from '../../errors.js';

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * A repository as Paved's git knows it: its name and when it was created. A repository deleted
 * and made again under the same name (by anyone who may create one) is another repository.
 */
export interface RepositoryIdentity {
  repository: string;
  createdAt: string;
}

/** The repository that owns a workload name in an environment, if any deployed it there. */
export async function workloadOwner(db: Executor, environment: string, workload: string): Promise<{ repository: string; createdAt: string | null } | undefined> {
  const row = await db.selectFrom('delivery_workload_names').select(['repository', 'repository_created_at']).where('environment', '=', environment).where('workload', '=', workload).executeTakeFirst();
  return row ? { repository: row.repository, createdAt: row.repository_created_at } : undefined;
}

/** Whether a claim's repository is this one (a claim recorded before repositories' creation times were kept is adopted). */
export function isSameRepository(holder: { repository: string; createdAt: string | null }, repository: RepositoryIdentity): boolean {
  return holder.repository === repository.repository && (holder.createdAt === null || holder.createdAt === repository.createdAt);
}

/**
 * Makes `repository` the owner of a workload name in an environment, or refuses: a name belongs
 * to the first repository that deploys it. A name another repository holds in any environment
 * is refused too, so that nobody takes a team's name in an environment it has not reached yet
 * (its prod, before its first promotion).
 */
export async function claimWorkloadName(trx: Executor, claim: { environment: string; workload: string; repository: RepositoryIdentity }): Promise<void> {
  const rows = await trx.selectFrom('delivery_workload_names').select(['environment', 'repository', 'repository_created_at']).where('workload', '=', claim.workload).execute();
  const holders = rows.map((row) => ({ environment: row.environment, repository: row.repository, createdAt: row.repository_created_at }));
  const here = holders.find((holder) => holder.environment === claim.environment);
  const other = here ?? holders.find((holder) => !isSameRepository(holder, claim.repository));
  if (other && !isSameRepository(other, claim.repository)) throw nameTaken(claim, other);
  if (here) {
    if (here.createdAt === null) {
      await trx.updateTable('delivery_workload_names').set({ repository_created_at: claim.repository.createdAt }).where('environment', '=', claim.environment).where('workload', '=', claim.workload).execute();
    }
    return;
  }
  await trx
    .insertInto('delivery_workload_names')
    .values({ environment: claim.environment, workload: claim.workload, repository: claim.repository.repository, repository_created_at: claim.repository.createdAt, claimed_at: new Date().toISOString() })
    .onConflict((conflict) => conflict.columns(['environment', 'workload']).doNothing())
    .execute();
  // Two first deployments at once: the one whose row went in first owns the name.
  const owner = await workloadOwner(trx, claim.environment, claim.workload);
  if (!owner || !isSameRepository(owner, claim.repository)) throw nameTaken(claim, { environment: claim.environment, repository: owner?.repository ?? '(another repository)', createdAt: owner?.createdAt ?? null });
}

/** The name is free again in an environment once its workload (or the environment) is removed. */
export async function releaseWorkloadNames(db: Executor, environment: string, workload?: string): Promise<void> {
  let query = db.deleteFrom('delivery_workload_names').where('environment', '=', environment);
  if (workload) query = query.where('workload', '=', workload);
  await query.execute();
}

function nameTaken(claim: { environment: string; workload: string; repository: RepositoryIdentity }, holder: { environment: string; repository: string; createdAt: string | null }): ConflictError {
  const recreated = holder.repository === claim.repository.repository;
  const owner = recreated ? `an earlier repository called ${holder.repository} (created ${holder.createdAt}, since deleted)` : holder.repository;
  return new ConflictError('delivery.workload_name_taken', `the workload name "${claim.workload}" belongs to ${owner} (in ${holder.environment}); ${claim.repository.repository} cannot deploy a workload of that name`, {
    file: 'score.yaml',
    path: 'metadata.name',
    owner: holder.repository,
    hint: recreated
      ? 'An administrator removes the earlier workload of that name (DELETE /api/delivery/environments/<env>/workloads/<name>) to free it, or rename metadata.name.'
      : `Rename metadata.name in ${claim.repository.repository}'s score.yaml: a workload name belongs to the repository that deployed it first.`,
  });
}
