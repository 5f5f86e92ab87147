import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createPaved } from '../src/paved.js';
import { MasterKeyError } from '../src/secrets/index.js';
import { loadMasterKey } from '../src/secrets/master-key.js';
import { createSecretsService } from '../src/secrets/secrets-service.js';
import { TEAM_A_PEOPLE } from './support/people.js';
import { ADMIN_TOKEN, DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';

const cart = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: cart }
spec: { type: service, lifecycle: production, owner: group:default/team-a }
`;

describe.each(DIALECTS)('secrets on %s', (dialect) => {
  let paved: TestPaved;
  let ada: string;
  let eve: string;

  beforeAll(async () => {
    paved = await startTestPaved(dialect);
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    await paved.call('POST', '/api/catalog/entities', { body: cart });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    eve = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/eve' } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
  });

  it("lets a team's members set and rotate its secrets; lists show names and versions, never values", async () => {
    const first = await paved.call('PUT', '/api/secrets/groups/default/team-a/NPM_TOKEN', { token: ada, body: { value: 'npm_first_value' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ name: 'NPM_TOKEN', scope: 'group:default/team-a', version: 1, updatedBy: 'user:default/ada' });
    const second = await paved.call('PUT', '/api/secrets/groups/default/team-a/NPM_TOKEN', { token: ada, body: { value: 'npm_second_value' } });
    expect(second.body.version).toBe(2);
    const list = await paved.call('GET', '/api/secrets/groups/default/team-a', { token: ada });
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'NPM_TOKEN', version: 2 })]);
    const versions = await paved.call('GET', '/api/secrets/groups/default/team-a/NPM_TOKEN', { token: ada });
    expect(versions.body.items.map((item: { version: number }) => item.version)).toEqual([2, 1]);
    expect(JSON.stringify([first.body, second.body, list.body, versions.body])).not.toMatch(/npm_(first|second)_value/);
    const audit = await paved.call('GET', '/api/audit?target=secret:group:default/team-a/NPM_TOKEN');
    expect(audit.body.items.map((event: { action: string }) => event.action)).toEqual(['secret.rotate', 'secret.create']);
  });

  it('keeps values encrypted at rest, bound to their secret; reveals them to runs only, audited', async () => {
    await paved.call('PUT', '/api/secrets/components/default/cart/DB_PASSWORD', { token: ada, body: { value: 'correct horse battery staple' } });
    await paved.call('PUT', '/api/secrets/components/default/cart/API_KEY', { token: ada, body: { value: 'other value' } });
    const rows = await paved.database.db.selectFrom('secret_versions').selectAll().where('scope', '=', 'component:default/cart').execute();
    expect(JSON.stringify(rows)).not.toContain('correct horse');

    const secrets = createSecretsService({ db: paved.database.db, masterKey: loadMasterKey(undefined, paved.dataDir), ownersOf: async () => [] });
    const revealed = await secrets.reveal(['component:default/cart', 'group:default/team-a'], ['DB_PASSWORD', 'NPM_TOKEN', 'MISSING'], { actor: 'pipeline:cart/1', purpose: 'build' });
    expect(Object.fromEntries(revealed)).toEqual({ DB_PASSWORD: 'correct horse battery staple', NPM_TOKEN: 'npm_second_value' });
    const reads = await paved.call('GET', '/api/audit?action=secret.read&actor=pipeline:cart/1');
    expect(reads.body.items.map((event: { target: string }) => event.target).sort()).toEqual(['secret:component:default/cart/DB_PASSWORD', 'secret:group:default/team-a/NPM_TOKEN']);

    // A ciphertext moved to another secret's row does not decrypt as that secret.
    const password = rows.find((row) => row.name === 'DB_PASSWORD')!;
    await sql`update secret_versions set ciphertext = ${password.ciphertext} where name = 'API_KEY'`.execute(paved.database.db);
    await expect(secrets.reveal(['component:default/cart'], ['API_KEY'], { actor: 'pipeline:cart/2', purpose: 'build' })).rejects.toThrow();
  });

  it("lets only a scope's owners (or administrators) see or change its secrets", async () => {
    expect((await paved.call('PUT', '/api/secrets/groups/default/team-a/X_TOKEN', { token: eve, body: { value: 'v' } })).status).toBe(403);
    expect((await paved.call('GET', '/api/secrets/groups/default/team-a', { token: eve })).status).toBe(403);
    expect((await paved.call('DELETE', '/api/secrets/groups/default/team-a/NPM_TOKEN', { token: eve })).status).toBe(403);
    expect((await paved.call('PUT', '/api/secrets/components/default/cart/X_TOKEN', { token: eve, body: { value: 'v' } })).status).toBe(403);
    expect((await paved.call('PUT', '/api/secrets/environments/production/X_TOKEN', { token: ada, body: { value: 'v' } })).status).toBe(403);
    expect((await paved.call('PUT', '/api/secrets/environments/production/X_TOKEN', { body: { value: 'v' } })).status).toBe(200);
    expect((await paved.call('GET', '/api/secrets/environments/production', { token: null })).status).toBe(401);
  });

  it('refuses odd names, empty and oversized values, naming the field', async () => {
    for (const name of ['lower_case', '1ABC', 'A-B', 'A%2FB']) {
      const refused = await paved.call('PUT', `/api/secrets/groups/default/team-a/${name}`, { token: ada, body: { value: 'v' } });
      expect(refused.status, name).toBe(400);
      // A "/" in a path parameter is refused by the shared path-parameter schemas before the service sees it.
      expect(refused.body.error.code).toBe(name.includes('%') ? 'request.invalid' : 'secrets.invalid_name');
    }
    const badScope = await paved.call('PUT', '/api/secrets/groups/default/Team_A/OK', { token: ada, body: { value: 'v' } });
    expect(badScope.body.error.code).toBe('secrets.invalid_scope');
    expect((await paved.call('PUT', '/api/secrets/groups/default/team-a/EMPTY', { token: ada, body: { value: '' } })).body.error.code).toBe('secrets.value_empty');
    expect((await paved.call('PUT', '/api/secrets/groups/default/team-a/HUGE', { token: ada, body: { value: 'x'.repeat(70_000) } })).body.error.code).toBe('secrets.value_too_large');
    expect((await paved.call('PUT', '/api/secrets/groups/default/team-a/NOVALUE', { token: ada, body: {} })).status).toBe(400);
  });

  it('deletes a secret with all its versions', async () => {
    await paved.call('PUT', '/api/secrets/groups/default/team-a/GONE', { token: ada, body: { value: 'v' } });
    expect((await paved.call('DELETE', '/api/secrets/groups/default/team-a/GONE', { token: ada })).status).toBe(204);
    expect((await paved.call('GET', '/api/secrets/groups/default/team-a/GONE', { token: ada })).status).toBe(404);
    expect((await paved.call('DELETE', '/api/secrets/groups/default/team-a/GONE', { token: ada })).status).toBe(404);
  });
});

describe('the master key', () => {
  it('is generated once into the data dir (owner-only), and a different key is refused at start, naming the setting', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-key-'));
    const env = { PAVED_DATA_DIR: dataDir, PAVED_ADMIN_TOKEN: ADMIN_TOKEN, PAVED_DEMO: 'false', PAVED_GOLDEN_PATHS: 'false', PAVED_CATALOG_REFRESH_SECONDS: '0' };
    const first = await createPaved(loadConfig(env, dataDir));
    await first.app.inject({ method: 'PUT', url: '/api/secrets/environments/prod/TOKEN', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, payload: '{"value":"v"}' });
    await first.close();
    expect(fs.statSync(path.join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);

    const again = await createPaved(loadConfig(env, dataDir));
    await again.close();
    const wrongKey = Buffer.alloc(32, 7).toString('base64');
    const refused = await createPaved(loadConfig({ ...env, PAVED_MASTER_KEY: wrongKey }, dataDir)).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(MasterKeyError);
    expect((refused as Error).message).toContain('is not the one the stored secrets were encrypted with');
    const malformed = await createPaved(loadConfig({ ...env, PAVED_MASTER_KEY: 'too-short' }, dataDir)).catch((error: Error) => error);
    expect((malformed as Error).message).toContain('PAVED_MASTER_KEY must be 32 bytes');
  });
});
