import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { loadMasterKey } from './master-key.js';
import { secretRoutes } from './routes.js';
import { type SecretsService, createSecretsService } from './secrets-service.js';

export { secretsMigrations } from './migrations.js';
export { MasterKeyError } from './master-key.js';
export type { SecretsService } from './secrets-service.js';
export { type Masker, createMasker } from './masker.js';

export interface SecretsModule {
  service: SecretsService;
  routes: FastifyPluginAsync;
}

/**
 * Secrets of teams, components and environments, encrypted at rest (AES-256-GCM) under a master
 * key. Refuses to start with a key that does not open the stored secrets.
 */
export async function createSecrets(deps: { db: Kysely<Database>; dataDir: string; masterKey: string | undefined; ownersOf(ref: string): Promise<string[]> }): Promise<SecretsModule> {
  // The key check row is written at the first start: from then on data may be sealed under the key.
  const inUse = (await deps.db.selectFrom('secret_key_check').select('id').limit(1).executeTakeFirst()) !== undefined;
  const service = createSecretsService({ db: deps.db, masterKey: loadMasterKey(deps.masterKey, deps.dataDir, { inUse }), ownersOf: deps.ownersOf });
  await service.verifyMasterKey();
  return { service, routes: secretRoutes(service) };
}
