import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TWO_TEAMS_PEOPLE } from './support/people.js';
import { DIALECTS, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';
import { until } from './support/until.js';
import { workloadScore, workloadServer } from './support/workload.js';


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
    expect((await paved.call('POST', '/api/catalog/entities', { body: TWO_TEAMS_PEOPLE })).status).toBe(200);
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

  it('refuses the same descriptors pushed through the API: the push rules are the location rules', async () => {
    for (const body of [ADMINS_WITH_CHEN, CHEN_CLAIMS_ADMIN, component('checkout-web', 'checkout-team')]) {
      const pushed = await paved.call('POST', '/api/catalog/entities', { token: tokens.chen, body });
      expect(pushed.status).toBe(403);
    }
    await expectChenUnprivileged();
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
    const adaLeaves = TWO_TEAMS_PEOPLE.replace('spec: { memberOf: [checkout-team] }', 'spec: { memberOf: [] }');
    expect((await paved.call('POST', '/api/catalog/entities', { body: adaLeaves })).status).toBe(200);
    expect((await paved.call('POST', '/api/catalog/refresh', { body: { entityRef: 'component:default/cart' }, token: tokens.ada })).status).toBe(200);
    expect((await paved.call('GET', '/api/catalog/entities/by-name/component/default/cart')).status).toBe(404);
    const location = await paved.call('GET', `/api/catalog/locations/${response.body.location.id}`);
    expect(location.body.errors).toEqual([expect.objectContaining({ code: 'catalog.entity_not_owned', entityRef: 'component:default/cart' })]);
    expect((await paved.call('POST', '/api/catalog/entities', { body: TWO_TEAMS_PEOPLE })).status).toBe(200);
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

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Dev', GIT_AUTHOR_EMAIL: 'dev@example.com', GIT_COMMITTER_NAME: 'Dev', GIT_COMMITTER_EMAIL: 'dev@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

const annotatedComponent = (name: string, owner: string, repository: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations: { paved.dev/git-repository: ${repository} }
spec: { type: service, lifecycle: production, owner: ${owner} }
`;

/** Prints the secret's SHA-256 (not masked): which value the run was given, without showing it. */
const PRINT_CART_KEY = `apiVersion: paved.dev/v1
kind: Pipeline
metadata: { name: p }
spec:
  on: { push: {}, manual: {} }
  secrets: [CART_KEY]
  jobs:
    build: { steps: [{ name: which, run: 'printf %s "$CART_KEY" | sha256sum; echo "value $CART_KEY"' }] }
`;

describe.each(DIALECTS)("a repository's component and secrets come from Paved's records, on %s", (dialect) => {
  let paved: TestPaved;
  let host: string;
  const tokens: Record<string, string> = {};
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-ownership-'));
  const REAL_KEY = 'cart-key-of-checkout-0123';
  const SHADOW_KEY = 'shadow-key-of-chen-4567';

  beforeAll(async () => {
    paved = await startTestPaved(dialect);
    host = (await paved.app.listen({ port: 0, host: '127.0.0.1' })).replace('http://', '');
    paved.start();
    expect((await paved.call('POST', '/api/catalog/entities', { body: TWO_TEAMS_PEOPLE })).status).toBe(200);
    for (const user of ['ada', 'bruno', 'chen']) tokens[user] = (await paved.call('POST', '/api/access/tokens', { body: { name: 'laptop', userRef: `user:default/${user}` } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function createRepository(user: string, namespace: string, name: string, ownerRef: string) {
    const created = await paved.call('POST', '/api/git/repositories', { token: tokens[user], body: { namespace, name, ownerRef } });
    expect(created.status).toBe(201);
  }

  async function push(user: string, repository: string, files: Record<string, string>) {
    const clone = path.join(work, `${user}-${repository.replace('/', '-')}`);
    if (!fs.existsSync(clone)) await git(work, 'clone', '--quiet', `http://${user}:${tokens[user]}@${host}/git/${repository}.git`, clone);
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(clone, file)), { recursive: true });
      fs.writeFileSync(path.join(clone, file), text);
    }
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'change');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');
  }

  async function finishedRun(repository: string) {
    const runs = await until(async () => (await paved.call('GET', `/api/pipelines/repositories/${repository}/runs`)).body.items as { id: string }[], (items) => items.length > 0, 30_000);
    const done = await until(async () => (await paved.call('GET', `/api/pipelines/runs/${runs[0]!.id}`)).body, (r) => ['succeeded', 'failed', 'cancelled'].includes(r.status), 60_000);
    const log = ((await paved.call('GET', `/api/pipelines/runs/${runs[0]!.id}/logs`)).body.items as { message: string }[]).map((line) => line.message).join('\n');
    return { done, log };
  }

  const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

  it("gives an annotation on another team's component no rights on the repository, and the real component wins (finding 8)", async () => {
    await createRepository('ada', 'default', 'cart-service', 'group:default/checkout-team');
    // chen annotates a component of their own team with checkout-team's repository, before the real one exists.
    expect((await paved.call('POST', '/api/catalog/entities', { token: tokens.chen, body: annotatedComponent('a-cart-shadow', 'catalog-team', 'default/cart-service') })).status).toBe(200);
    expect((await paved.call('PUT', '/api/secrets/components/default/a-cart-shadow/CART_KEY', { token: tokens.chen, body: { value: SHADOW_KEY } })).status).toBe(200);
    const deploy = await paved.call('POST', '/api/delivery/deployments', { token: tokens.chen, body: { repository: 'default/cart-service', environment: 'dev' } });
    expect(deploy.status).toBe(403);
    expect(deploy.body.error.message).toContain('group:default/checkout-team');
    expect(deploy.body.error.message).not.toContain('catalog-team');

    expect((await paved.call('POST', '/api/catalog/entities', { token: tokens.ada, body: annotatedComponent('cart-service', 'checkout-team', 'default/cart-service') })).status).toBe(200);
    expect((await paved.call('PUT', '/api/secrets/components/default/cart-service/CART_KEY', { token: tokens.ada, body: { value: REAL_KEY } })).status).toBe(200);
    await push('ada', 'default/cart-service', { '.paved/pipeline.yaml': PRINT_CART_KEY, 'score.yaml': workloadScore({ version: '1', name: 'cart' }), 'server.js': workloadServer() });
    const { done, log } = await finishedRun('default/cart-service');
    expect(done.status).toBe('succeeded');
    expect(log).toContain(sha256(REAL_KEY));
    expect(log).toContain('value ***');
    expect(log).not.toContain(REAL_KEY);
    const reads = await paved.call('GET', '/api/audit?action=secret.read&target=secret:component:default/cart-service/CART_KEY');
    expect(reads.body.items.length).toBe(1);
    const shadowReads = await paved.call('GET', '/api/audit?action=secret.read&target=secret:component:default/a-cart-shadow/CART_KEY');
    expect(shadowReads.body.items).toEqual([]);

    // A production deployment waits for an owner of the repository other than who asked: never chen.
    const production = await paved.call('POST', '/api/delivery/deployments', { token: tokens.ada, body: { repository: 'default/cart-service', environment: 'prod' } });
    expect(production.status, JSON.stringify(production.body)).toBe(201);
    expect(production.body).toMatchObject({ status: 'awaiting_approval', componentRef: 'component:default/cart-service' });
    const approval = await paved.call('POST', `/api/delivery/deployments/${production.body.id}/approve`, { token: tokens.chen });
    expect(approval.status).toBe(403);
    expect(approval.body.error.code).toBe('access.forbidden');
    await paved.call('POST', `/api/delivery/deployments/${production.body.id}/reject`);
  }, 90_000);

  it("gives a teammate's annotation on the team's component no rights on a user's own repository (finding 8)", async () => {
    await createRepository('bruno', 'default', 'bruno-lab', 'user:default/bruno');
    // ada is bruno's teammate, not an owner of his repository: her team's component cannot claim it.
    expect((await paved.call('POST', '/api/catalog/entities', { token: tokens.ada, body: annotatedComponent('bruno-lab-claim', 'checkout-team', 'default/bruno-lab') })).status).toBe(200);
    const deploy = await paved.call('POST', '/api/delivery/deployments', { token: tokens.ada, body: { repository: 'default/bruno-lab', environment: 'dev' } });
    expect(deploy.status, JSON.stringify(deploy.body)).toBe(403);
    expect(deploy.body.error.message).toContain('user:default/bruno');
    expect(deploy.body.error.message).not.toContain('checkout-team');
  });

  it("gives a namesake repository in another namespace none of the component's secrets (finding 5)", async () => {
    await createRepository('chen', 'chen-lab', 'cart-service', 'group:default/catalog-team');
    await push('chen', 'chen-lab/cart-service', { '.paved/pipeline.yaml': PRINT_CART_KEY });
    const { done, log } = await finishedRun('chen-lab/cart-service');
    expect(done.status).toBe('failed');
    expect(done.error).toContain('CART_KEY are declared but set in none of group:default/catalog-team');
    expect(log).not.toContain(sha256(REAL_KEY));
    expect(log).not.toContain(REAL_KEY);
    // The team's own secret is what the repository gets.
    expect((await paved.call('PUT', '/api/secrets/groups/default/catalog-team/CART_KEY', { token: tokens.chen, body: { value: 'catalog-team-own-key' } })).status).toBe(200);
    const manual = await paved.call('POST', '/api/pipelines/repositories/chen-lab/cart-service/runs', { token: tokens.chen, body: { branch: 'main' } });
    expect(manual.status, JSON.stringify(manual.body)).toBe(201);
    const latest = async () => ((await paved.call('GET', '/api/pipelines/repositories/chen-lab/cart-service/runs')).body.items as { id: string; number: number; status: string }[]).find((item) => item.number === 2);
    const second = (await until(latest, (item) => item !== undefined && ['succeeded', 'failed'].includes(item.status), 60_000))!;
    const log2 = ((await paved.call('GET', `/api/pipelines/runs/${second.id}/logs`)).body.items as { message: string }[]).map((line) => line.message).join('\n');
    expect(second.status).toBe('succeeded');
    expect(log2).toContain(sha256('catalog-team-own-key'));
    expect(log2).not.toContain(sha256(REAL_KEY));
  }, 120_000);
});
