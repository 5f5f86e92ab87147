import type { Kysely } from 'kysely';
import { authorize } from '../access/authorize.js';
import type { Principal } from '../access/principal.js';
import { recordAuditEvents } from '../audit/audit-log.js';
import type { Database } from '../db/database.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { decryptValue, encryptValue } from './cipher.js';
import { MasterKeyError } from './master-key.js';
import { type SecretScope, validateSecretName } from './secret-scope.js';

/** What anyone may see of a secret: never its value. */
export interface SecretSummary {
  name: string;
  scope: string;
  version: number;
  updatedBy: string;
  updatedAt: string;
}

export interface SecretsServiceDeps {
  db: Kysely<Database>;
  masterKey: Buffer;
  /** Owners of a group (itself) or component (its spec.owner); environments belong to administrators. */
  ownersOf(ref: string): Promise<string[]>;
}

const MAX_VALUE_BYTES = 64 * 1024;
const KEY_CHECK = 'paved-master-key-check';

const contextOf = (scope: string, name: string, version: number) => `${scope}/${name}/${version}`;
// Environments have no owner in the catalog yet: their secrets are for administrators.
const writeAction = (scope: SecretScope) => (scope.kind === 'environment' ? 'secrets.environment.write' : 'secrets.secret.write');
const listAction = (scope: SecretScope) => (scope.kind === 'environment' ? 'secrets.environment.list' : 'secrets.secret.list');

export function createSecretsService(deps: SecretsServiceDeps) {
  const { db, masterKey } = deps;

  async function ownerRefs(scope: SecretScope): Promise<string[]> {
    if (scope.kind === 'environment') return [];
    if (scope.kind === 'group') return [scope.ref];
    return deps.ownersOf(scope.ref);
  }

  async function latest(scope: string, name: string) {
    return db.selectFrom('secret_versions').selectAll().where('scope', '=', scope).where('name', '=', name).orderBy('version', 'desc').limit(1).executeTakeFirst();
  }

  return {
    /**
     * Refuses to start with a key other than the one the stored secrets were encrypted with,
     * rather than fail (or worse) at the first read. The first start records a check value.
     */
    async verifyMasterKey(): Promise<void> {
      const check = await db.selectFrom('secret_key_check').select('ciphertext').where('id', '=', 1).executeTakeFirst();
      if (!check) {
        await db.insertInto('secret_key_check').values({ id: 1, ciphertext: encryptValue(masterKey, KEY_CHECK, KEY_CHECK) }).execute();
        return;
      }
      try {
        decryptValue(masterKey, check.ciphertext, KEY_CHECK);
      } catch {
        throw new MasterKeyError('The master key (PAVED_MASTER_KEY or <dataDir>/master.key) is not the one the stored secrets were encrypted with; start with the original key');
      }
    },

    /** Stores a new version; the previous ones stay, for the record, until the secret is deleted. */
    async set(principal: Principal, scope: SecretScope, name: string, value: string): Promise<SecretSummary> {
      validateSecretName(name);
      if (Buffer.byteLength(value) > MAX_VALUE_BYTES) throw new InvalidInputError('secrets.value_too_large', `A secret value may be at most ${MAX_VALUE_BYTES} bytes`, { path: 'value' });
      if (value.length === 0) throw new InvalidInputError('secrets.value_empty', 'A secret value may not be empty', { path: 'value' });
      authorize(principal, writeAction(scope), { ref: `${scope.ref}/${name}`, ownerRefs: await ownerRefs(scope) });
      return db.transaction().execute(async (trx) => {
        const previous = await trx.selectFrom('secret_versions').select('version').where('scope', '=', scope.ref).where('name', '=', name).orderBy('version', 'desc').limit(1).executeTakeFirst();
        const version = Number(previous?.version ?? 0) + 1;
        const row = {
          scope: scope.ref,
          name,
          version,
          ciphertext: encryptValue(masterKey, value, contextOf(scope.ref, name, version)),
          created_by: principal.userRef,
          created_at: new Date().toISOString(),
        };
        await trx.insertInto('secret_versions').values(row).execute();
        await recordAuditEvents(trx, [{ actor: principal.userRef, action: previous ? 'secret.rotate' : 'secret.create', target: `secret:${scope.ref}/${name}`, details: { version } }]);
        return { name, scope: scope.ref, version, updatedBy: row.created_by, updatedAt: row.created_at };
      });
    },

    /** The secrets of a scope: names, versions, who changed them and when. */
    async list(principal: Principal, scope: SecretScope): Promise<SecretSummary[]> {
      authorize(principal, listAction(scope), { ref: scope.ref, ownerRefs: await ownerRefs(scope) });
      const rows = await db.selectFrom('secret_versions').select(['name', 'version', 'created_by', 'created_at']).where('scope', '=', scope.ref).orderBy('name').orderBy('version', 'desc').execute();
      const newest = new Map<string, SecretSummary>();
      for (const row of rows) {
        if (!newest.has(row.name)) newest.set(row.name, { name: row.name, scope: scope.ref, version: Number(row.version), updatedBy: row.created_by, updatedAt: row.created_at });
      }
      return [...newest.values()];
    },

    /** Every version of one secret, newest first. */
    async versions(principal: Principal, scope: SecretScope, name: string): Promise<SecretSummary[]> {
      authorize(principal, listAction(scope), { ref: scope.ref, ownerRefs: await ownerRefs(scope) });
      const rows = await db.selectFrom('secret_versions').select(['version', 'created_by', 'created_at']).where('scope', '=', scope.ref).where('name', '=', name).orderBy('version', 'desc').execute();
      if (rows.length === 0) throw new NotFoundError('secrets.secret_not_found', `No secret ${name} in ${scope.ref}`);
      return rows.map((row) => ({ name, scope: scope.ref, version: Number(row.version), updatedBy: row.created_by, updatedAt: row.created_at }));
    },

    /** Deletes the secret and all its versions. */
    async remove(principal: Principal, scope: SecretScope, name: string): Promise<void> {
      authorize(principal, writeAction(scope), { ref: `${scope.ref}/${name}`, ownerRefs: await ownerRefs(scope) });
      await db.transaction().execute(async (trx) => {
        const deleted = await trx.deleteFrom('secret_versions').where('scope', '=', scope.ref).where('name', '=', name).executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw new NotFoundError('secrets.secret_not_found', `No secret ${name} in ${scope.ref}`);
        await recordAuditEvents(trx, [{ actor: principal.userRef, action: 'secret.delete', target: `secret:${scope.ref}/${name}` }]);
      });
    },

    /**
     * Decrypts the named secrets for a run (a pipeline's environment), looking in the scopes in
     * order (component first, then its team), and audits every read. Not reachable over HTTP.
     */
    async reveal(scopes: readonly string[], names: readonly string[], reader: { actor: string; purpose: string }): Promise<Map<string, string>> {
      const values = new Map<string, string>();
      for (const name of names) {
        for (const scope of scopes) {
          const row = await latest(scope, name);
          if (!row) continue;
          values.set(name, decryptValue(masterKey, row.ciphertext, contextOf(scope, name, Number(row.version))));
          await recordAuditEvents(db, [{ actor: reader.actor, action: 'secret.read', target: `secret:${scope}/${name}`, details: { version: Number(row.version), purpose: reader.purpose } }]);
          break;
        }
      }
      return values;
    },

    /**
     * Encrypts a value another module keeps in its own tables (a provisioned database's
     * password); `context` binds it to its row, so it opens only there.
     */
    seal(plaintext: string, context: string): string {
      return encryptValue(masterKey, plaintext, `sealed:${context}`);
    },

    unseal(sealed: string, context: string): string {
      return decryptValue(masterKey, sealed, `sealed:${context}`);
    },
  };
}

export type SecretsService = ReturnType<typeof createSecretsService>;
