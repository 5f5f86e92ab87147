import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import type { TaskRow } from './tables.js';
import type { SecretSealer } from './task-engine.js';
import { expireFinishedTaskSecrets } from './task-store.js';

/** The sealing context binds a ciphertext to its task: one task's secrets cannot be moved to another. */
const contextOf = (taskId: string) => `task:${taskId}/secrets`;

/** The secrets column's value for `secrets` given to a task: sealed, or null when there are none. */
export function sealTaskSecrets(sealer: SecretSealer | undefined, taskId: string, secrets: Record<string, string> | undefined): string | null {
  if (!secrets || Object.keys(secrets).length === 0) return null;
  if (!sealer) throw new Error('this task engine has no sealer, so it cannot be given secrets (they are never stored in plain text)');
  return sealer.seal(JSON.stringify(secrets), contextOf(taskId));
}

/** A claimed task's secrets, opened for its steps. */
export function openTaskSecrets(sealer: SecretSealer | undefined, row: Pick<TaskRow, 'id' | 'secrets'>): Record<string, string> {
  if (row.secrets === null) return {};
  if (!sealer) throw new Error('the secrets of this task are sealed, and this task engine has no sealer to open them');
  try {
    return JSON.parse(sealer.unseal(row.secrets, contextOf(row.id))) as Record<string, string>;
  } catch {
    throw new Error('the secrets of this task cannot be opened (a different master key?); start it again with its secrets');
  }
}

/**
 * Removes the secrets of tasks that failed or were cancelled longer than `retentionMs` ago, and seals the ones
 * an older Paved stored in plain text (JSON objects, so they start with `{`; a sealed value never does).
 */
export async function sweepTaskSecrets(db: Kysely<Database>, sealer: SecretSealer | undefined, retentionMs: number): Promise<void> {
  await expireFinishedTaskSecrets(db, new Date(Date.now() - retentionMs));
  if (!sealer) return;
  const plain = await db.selectFrom('tasks').select(['id', 'secrets']).where('secrets', 'like', '{%').execute();
  for (const row of plain) {
    await db.updateTable('tasks').set({ secrets: sealer.seal(row.secrets!, contextOf(row.id)) }).where('id', '=', row.id).where('secrets', '=', row.secrets).execute();
  }
}
