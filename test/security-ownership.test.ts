import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';

/** Two teams as in the demo org, and no `paved-admins` group: the demo defines none either. */
const ORG = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: checkout-team }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: catalog-team }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ada }
spec: { memberOf: [checkout-team] }
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: chen }
spec: { memberOf: [catalog-team] }
`;

const ADMINS_WITH_CHEN = `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: paved-admins }
spec: { type: team, children: [], members: [chen] }
`;

const CHEN_CLAIMS_ADMIN = `apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: chen }
spec: { memberOf: [paved-admins, checkout-team] }
`;

const component = (name: string, owner: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: ${name} }
spec: { type: service, lifecycle: production, owner: ${owner} }
`;

describe.each(DIALECTS)('ownership of what locations provide, on %s', (dialect) => {
  let paved: TestPaved;
  let server: http.Server;
  let baseUrl: string;
  const served = new Map<string, string>();
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const body = served.get(request.url ?? '');
      response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/yaml' });
      response.end(body ?? 'not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    paved = await startTestPaved(dialect, {}, { PAVED_CATALOG_URL_ALLOW: '127.0.0.1', PAVED_CATALOG_TRUSTED_LOCATIONS: `${baseUrl}/org/` });
    expect((await paved.call('POST', '/api/catalog/entities', { body: ORG })).status).toBe(200);
    for (const user of ['ada', 'chen']) {
      const created = await paved.call('POST', '/api/access/tokens', { body: { name: 'laptop', userRef: `user:default/${user}` } });
      expect(created.status).toBe(201);
      tokens[user] = created.body.token;
    }
  });
  afterAll(async () => {
    await paved?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  async function registerAs(user: string | null, type: 'file' | 'url', target: string, dryRun = false) {
    return paved.call('POST', `/api/catalog/locations${dryRun ? '?dryRun=true' : ''}`, { body: { type, target }, ...(user ? { token: tokens[user] } : {}) });
  }

  async function expectChenUnprivileged() {
    const me = await paved.call('GET', '/api/access/me', { token: tokens.chen });
    expect(me.body).toEqual({ userRef: 'user:default/chen', isAdmin: false, ownershipRefs: ['user:default/chen', 'group:default/catalog-team'] });
    expect((await paved.call('GET', '/api/audit', { token: tokens.chen })).status).toBe(403);
  }

  it('refuses a Group paved-admins listing its registrant, from a file location, as a problem of the location', async () => {
    writeFiles(paved.filesDir, { 'chen/admins.yaml': ADMINS_WITH_CHEN });
    const response = await registerAs('chen', 'file', path.join(paved.filesDir, 'chen/admins.yaml'));
    expect(response.status).toBe(201);
    expect(response.body.processing.added).toBe(0);
    expect(response.body.processing.problems).toEqual([
      expect.objectContaining({ code: 'catalog.directory_untrusted', entityRef: 'group:default/paved-admins', line: 1, document: 1 }),
    ]);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/group/default/paved-admins')).status).toBe(404);
    await expectChenUnprivileged();
    const location = await paved.call('GET', `/api/catalog/locations/${response.body.location.id}`);
    expect(location.body).toMatchObject({ status: 'error', createdBy: 'user:default/chen', errors: [expect.objectContaining({ code: 'catalog.directory_untrusted' })] });
    // A dry run says the same before anything is registered.
    const dry = await registerAs('chen', 'file', path.join(paved.filesDir, 'chen/admins.yaml'), true);
    expect(dry.body.entities).toEqual([]);
    expect(dry.body.processing.problems[0].code).toBe('catalog.directory_untrusted');
  });

  it('refuses the same group and a User claiming memberOf paved-admins from a URL location', async () => {
    served.set('/chen/admins.yaml', ADMINS_WITH_CHEN);
    served.set('/chen/me.yaml', CHEN_CLAIMS_ADMIN);
    for (const file of ['admins', 'me']) {
      const response = await registerAs('chen', 'url', `${baseUrl}/chen/${file}.yaml`);
      expect(response.status).toBe(201);
      expect(response.body.processing.problems.map((problem: { code: string }) => problem.code)).toEqual(['catalog.directory_untrusted']);
    }
    await expectChenUnprivileged();
    // chen's own User entity is still the administrator's, unchanged.
    const chen = await paved.call('GET', '/api/catalog/entities/by-name/user/default/chen');
    expect(chen.body.spec.memberOf).toEqual(['catalog-team']);
  });

  it("refuses a component owned by another team, keeping the registrant's own", async () => {
    served.set('/chen/components.yaml', `${component('checkout-api', 'checkout-team')}---\n${component('search', 'catalog-team')}`);
    const response = await registerAs('chen', 'url', `${baseUrl}/chen/components.yaml`);
    expect(response.status).toBe(201);
    expect(response.body.processing).toMatchObject({ added: 1 });
    expect(response.body.processing.problems).toEqual([
      expect.objectContaining({ code: 'catalog.entity_not_owned', entityRef: 'component:default/checkout-api', document: 1 }),
    ]);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/checkout-api')).status).toBe(404);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/search')).status).toBe(200);
  });

  it("re-checks the registrant's rights on every refresh", async () => {
    served.set('/ada/cart.yaml', component('cart', 'checkout-team'));
    const response = await registerAs('ada', 'url', `${baseUrl}/ada/cart.yaml`);
    expect(response.body.processing).toMatchObject({ added: 1, problems: [] });
    // ada leaves checkout-team (the administrator changes the directory): her location may no longer provide its component.
    const adaLeaves = ORG.replace('spec: { memberOf: [checkout-team] }', 'spec: { memberOf: [] }');
    expect((await paved.call('POST', '/api/catalog/entities', { body: adaLeaves })).status).toBe(200);
    expect((await paved.call('POST', '/api/catalog/refresh', { body: { entityRef: 'component:default/cart' }, token: tokens.ada })).status).toBe(200);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/cart')).status).toBe(404);
    const location = await paved.call('GET', `/api/catalog/locations/${response.body.location.id}`);
    expect(location.body.errors).toEqual([expect.objectContaining({ code: 'catalog.entity_not_owned', entityRef: 'component:default/cart' })]);
    expect((await paved.call('POST', '/api/catalog/entities', { body: ORG })).status).toBe(200);
  });

  it('accepts users and groups from a configured trusted root whoever registers it', async () => {
    served.set('/org/platform.yaml', `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: platform-team }
spec: { type: team, children: [] }
`);
    // A prefix ends at a path segment: /org-evil/ is not inside /org/.
    served.set('/org-evil/platform.yaml', served.get('/org/platform.yaml')!);
    const outside = await registerAs('ada', 'url', `${baseUrl}/org-evil/platform.yaml`);
    expect(outside.body.processing.problems.map((problem: { code: string }) => problem.code)).toEqual(['catalog.directory_untrusted']);
    const response = await registerAs('ada', 'url', `${baseUrl}/org/platform.yaml`);
    expect(response.body.processing).toMatchObject({ added: 1, problems: [] });
    expect((await paved.call('GET', '/api/catalog/entities/by-name/group/default/platform-team')).status).toBe(200);
  });

  it('stores the same group when an administrator registers it: an administrator vouches for the directory', async () => {
    writeFiles(paved.filesDir, { 'admin/admins.yaml': ADMINS_WITH_CHEN });
    const response = await registerAs(null, 'file', path.join(paved.filesDir, 'admin/admins.yaml'));
    expect(response.body.processing).toMatchObject({ added: 1, problems: [] });
    const me = await paved.call('GET', '/api/access/me', { token: tokens.chen });
    expect(me.body.isAdmin).toBe(true);
    expect((await paved.call('GET', '/api/audit', { token: tokens.chen })).status).toBe(200);
  });
});
