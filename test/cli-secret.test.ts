import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMasterKey } from '../src/secrets/master-key.js';
import { createSecretsService } from '../src/secrets/secrets-service.js';
import { TEAM_A_PEOPLE } from './support/people.js';
import { type TestPaved, startTestPaved } from './support/test-paved.js';
import { type CliRun as Run, runPaved } from './support/run-cli.js';



const CART = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: cart }
spec: { type: service, lifecycle: production, owner: group:default/team-a }
`;

const FIRST = 'first-value-9f3a1c';
const SECOND = 'second-value-7d2e4b';

describe('paved secret', () => {
  let paved: TestPaved;
  let home: string;
  let ada: Record<string, string>;
  let eve: Record<string, string>;
  const outputs: string[] = [];

  async function run(args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
    const result = await runPaved(args, { env, stdin });
    outputs.push(result.stdout, result.stderr);
    return result;
  }

  async function stored(scope: string, name: string): Promise<string | undefined> {
    const secrets = createSecretsService({ db: paved.database.db, masterKey: loadMasterKey(undefined, paved.dataDir), ownersOf: async () => [] });
    return (await secrets.reveal([scope], [name], { actor: 'test', purpose: 'test' })).get(name);
  }

  beforeAll(async () => {
    paved = await startTestPaved('sqlite');
    await paved.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = paved.app.server.address() as AddressInfo;
    // ada is in team-a, which owns cart; eve is in no group.
    expect((await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE })).status).toBe(200);
    expect((await paved.call('POST', '/api/catalog/entities', { body: CART })).status).toBe(200);
    const tokenOf = async (user: string) => (await paved.call('POST', '/api/access/tokens', { body: { name: 'cli', userRef: `user:default/${user}` } })).body.token as string;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-secret-'));
    const base = { HOME: home, PAVED_URL: `http://127.0.0.1:${port}`, PAVED_DATA_DIR: path.join(home, 'no-data') };
    ada = { ...base, PAVED_TOKEN: await tokenOf('ada') };
    eve = { ...base, PAVED_TOKEN: await tokenOf('eve') };
  });
  afterAll(async () => {
    await paved?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('sets a secret from standard input, rotates it, and lists names and versions, never the value', async () => {
    const set = await run(['secret', 'set', 'group:team-a', 'NPM_TOKEN'], ada, `${FIRST}\n`);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('NPM_TOKEN version 1 set in group:default/team-a\n');
    // One trailing newline is dropped, nothing else.
    expect(await stored('group:default/team-a', 'NPM_TOKEN')).toBe(FIRST);

    const listed = await run(['secret', 'list', 'group:default/team-a'], ada);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^NAME\s+VERSION\s+UPDATED BY\s+UPDATED AT\n/);
    expect(listed.stdout).toMatch(/\nNPM_TOKEN\s+1\s+user:default\/ada\s+\d{4}-\d\d-\d\dT/);

    const again = await run(['secret', 'set', 'group:team-a', 'NPM_TOKEN', '--json'], ada, SECOND);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ name: 'NPM_TOKEN', scope: 'group:default/team-a', version: 2, updatedBy: 'user:default/ada' });
    expect(await stored('group:default/team-a', 'NPM_TOKEN')).toBe(SECOND);

    const versions = await run(['secret', 'list', 'group:team-a', 'NPM_TOKEN'], ada);
    expect(versions.code).toBe(0);
    expect([...versions.stdout.matchAll(/^NPM_TOKEN\s+(\d+)/gm)].map((match) => match[1])).toEqual(['2', '1']);
    const json = await run(['secret', 'list', 'group:team-a', 'NPM_TOKEN', '--json'], ada);
    expect(JSON.parse(json.stdout).items.map((item: { version: number }) => item.version)).toEqual([2, 1]);
    expect((await run(['secret', 'list', 'group:team-a', '--json'], ada)).stdout).toContain('"version": 2');
  });

  it("refuses a user who does not own the scope with exit 1 and the server's reason", async () => {
    const set = await run(['secret', 'set', 'group:team-a', 'EVE_TOKEN'], eve, 'not-hers');
    expect(set.code).toBe(1);
    expect(set.stderr).toContain('user:default/eve may not secrets.secret.write group:default/team-a/EVE_TOKEN');
    expect(set.stderr).toContain('[access.forbidden]');
    const list = await run(['secret', 'list', 'group:team-a'], eve);
    expect(list.code).toBe(1);
    expect(list.stderr).toContain('[access.forbidden]');
    const environment = await run(['secret', 'set', 'environment:production', 'DB_PASSWORD'], ada, 'not-for-ada');
    expect(environment.code).toBe(1);
    expect(environment.stderr).toContain('may not secrets.environment.write environment:production/DB_PASSWORD: only administrators');
  });

  it('refuses a scope of another form with exit 2, showing the accepted forms', async () => {
    for (const scope of ['team-a', 'user:ada', 'environment:default/production', 'group:a/b/c']) {
      const refused = await run(['secret', 'list', scope], ada);
      expect(refused.code, scope).toBe(2);
      expect(refused.stderr).toContain(`"${scope}" is not a secret scope`);
      expect(refused.stderr).toContain('group:team-a or group:default/team-a');
      expect(refused.stderr).toContain('environment:production');
    }
  });

  it('refuses a value given as an argument (exit 2, nothing stored), and an empty value', async () => {
    const refused = await run(['secret', 'set', 'group:team-a', 'ARGV_TOKEN', 'argv-value-5c8d'], ada, 'stdin-value');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('shell history');
    expect(refused.stderr).not.toContain('argv-value-5c8d');
    expect((await run(['secret', 'set', 'group:team-a', 'ARGV_TOKEN', '--value', 'argv-value-5c8d'], ada)).code).toBe(2);
    const empty = await run(['secret', 'set', 'group:team-a', 'ARGV_TOKEN'], ada, '\n');
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('The value is empty');
    expect((await paved.call('GET', '/api/secrets/groups/default/team-a/ARGV_TOKEN')).status).toBe(404);
  });

  it('deletes a secret; listing it then fails with exit 1 (404)', async () => {
    expect((await run(['secret', 'set', 'component:cart', 'API_KEY'], ada, 'api-value-1e6f')).code).toBe(0);
    const deleted = await run(['secret', 'delete', 'component:default/cart', 'API_KEY'], ada);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('Deleted API_KEY from component:default/cart\n');
    const gone = await run(['secret', 'list', 'component:cart', 'API_KEY'], ada);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('No secret API_KEY in component:default/cart [secrets.secret_not_found]');
  });

  it('never printed a value', () => {
    expect(outputs.length).toBeGreaterThan(0);
    for (const value of [FIRST, SECOND, 'not-hers', 'not-for-ada', 'argv-value-5c8d', 'stdin-value', 'api-value-1e6f']) {
      expect(outputs.join('\n')).not.toContain(value);
    }
  });
});
