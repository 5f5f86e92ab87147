import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/database.js';
import { ConflictError } from '../../errors.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** The repository that owns a workload name in an environment, if any deployed it there. */
export async function workloadOwner(db: Executor, environment: string, workload: string): Promise<string | undefined> {
  const row = await db.selectFrom('delivery_workload_names').select('repository').where('environment', '=', environment).where('workload', '=', workload).executeTakeFirst();
  return row?.repository;
}

/**
 * Makes `repository` the owner of a workload name in an environment, or refuses: a name belongs
 * to the first repository that deploys it. A name another repository holds in any environment
 * is refused too, so that nobody takes a team's name in an environment it has not reached yet
 * (its prod, before its first promotion).
 */
export async function claimWorkloadName(trx: Executor, claim: { environment: string; workload: string; repository: string }): Promise<void> {
  const holders = await trx.selectFrom('delivery_workload_names').select(['environment', 'repository']).where('workload', '=', claim.workload).execute();
  const here = holders.find((holder) => holder.environment === claim.environment);
  const other = here ?? holders.find((holder) => holder.repository !== claim.repository);
  if (other && other.repository !== claim.repository) throw nameTaken(claim, other);
  if (here) return;
  await trx
    .insertInto('delivery_workload_names')
    .values({ environment: claim.environment, workload: claim.workload, repository: claim.repository, claimed_at: new Date().toISOString() })
    .onConflict((conflict) => conflict.columns(['environment', 'workload']).doNothing())
    .execute();
  // Two first deployments at once: the one whose row went in first owns the name.
  const owner = await workloadOwner(trx, claim.environment, claim.workload);
  if (owner !== claim.repository) throw nameTaken(claim, { environment: claim.environment, repository: owner ?? '(another repository)' });
}

/** The name is free again in an environment once its workload (or the environment) is removed. */
export async function releaseWorkloadNames(db: Executor, environment: string, workload?: string): Promise<void> {
  let query = db.deleteFrom('delivery_workload_names').where('environment', '=', environment);
  if (workload) query = query.where('workload', '=', workload);
  await query.execute();
}

function nameTaken(claim: { environment: string; workload: string; repository: string }, holder: { environment: string; repository: string }): ConflictError {
  return new ConflictError(
    'delivery.workload_name_taken',
    `the workload name "${claim.workload}" belongs to ${holder.repository} (in ${holder.environment}); ${claim.repository} cannot deploy a workload of that name`,
    { file: 'score.yaml', path: 'metadata.name', owner: holder.repository, hint: `Rename metadata.name in ${claim.repository}'s score.yaml: a workload name belongs to the repository that deployed it first.` },
  );
}
