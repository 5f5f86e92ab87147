import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, FIXTURES_DIR, type TestPaved, startTestPaved, writeFiles } from './support/test-paved.js';
import { REPO_ROOT, runPaved } from './support/run-cli.js';

const EXAMPLE_COMPONENTS = path.join(FIXTURES_DIR, 'backstage/backstage/packages/catalog-model/examples/components');


const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const componentYaml = (name: string, extra = '  owner: team-a\n') =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  lifecycle: production\n${extra}`;

describe('paved catalog validate, offline', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-validate-'));
  // No server listens on port 1 and there is no token: validate must not need either.
  const offline = { HOME: dir, PAVED_URL: 'http://127.0.0.1:1', PAVED_DATA_DIR: path.join(dir, 'none') };
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("accepts Backstage's own example components, exit 0", async () => {
    const files = fs.readdirSync(EXAMPLE_COMPONENTS).filter((file) => file.endsWith('.yaml'));
    const run = await runPaved(['catalog', 'validate', ...files.map((file) => path.join(EXAMPLE_COMPONENTS, file))], { env: offline });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${files.length} files, ${files.length} documents: all valid.`);
  });

  it('rejects a descriptor without an owner with exit 2, naming the file, the line and spec.owner', async () => {
    const file = path.join(dir, 'catalog-info.yaml');
    fs.writeFileSync(file, `${componentYaml('fine')}---\n${componentYaml('ownerless', '')}`);
    const run = await runPaved(['catalog', 'validate', file], { env: offline });
    expect(run.code).toBe(2);
    // Document 2 starts on line 10; its spec (where owner is missing) is on line 14.
    expect(run.stdout).toContain(`${file}:14: document 2: spec.owner`);
    expect(run.stdout).toContain('1 problem in 1 of 1 file');
  });

  it('reports YAML syntax errors with their line, and every problem as JSON with --json', async () => {
    const file = path.join(dir, 'broken.yaml');
    fs.writeFileSync(file, `${componentYaml('ok-one')}---\nkind: Component\nmetadata: {name: [oops\n`);
    const run = await runPaved(['catalog', 'validate', '--json', file], { env: offline });
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout);
    expect(report.valid).toBe(false);
    expect(report.files[0].entities).toEqual(['component:default/ok-one']);
    expect(report.files[0].problems[0]).toMatchObject({ file, document: 2, line: expect.any(Number) });
    expect(report.files[0].problems[0].message).toMatch(/^YAML syntax: /);
  });

  it('says which file it cannot read, exit 2', async () => {
    const run = await runPaved(['catalog', 'validate', path.join(dir, 'missing.yaml')], { env: offline });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain('missing.yaml: Cannot read');
  });
});

describe('paved against a running server', () => {
  let paved: TestPaved;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    paved = await startTestPaved('sqlite');
    await paved.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = paved.app.server.address() as AddressInfo;
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-home-'));
    // PAVED_DATA_DIR points at an empty directory so a local admin-token file never stands in.
    env = { HOME: home, PAVED_URL: `http://127.0.0.1:${port}`, PAVED_TOKEN: ADMIN_TOKEN, PAVED_DATA_DIR: path.join(home, 'no-data') };
  });
  afterAll(async () => {
    await paved?.close();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('without any token, tells how to log in, exit 2', async () => {
    const { PAVED_TOKEN: _token, ...noToken } = env;
    const run = await runPaved(['catalog', 'list'], { env: noToken });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`No token for ${env.PAVED_URL}`);
    expect(run.stderr).toContain('paved login --token');
  });

  it('applies descriptors, then gets and lists them, in text and as JSON', async () => {
    const file = path.join(home, 'services.yaml');
    fs.writeFileSync(file, `${componentYaml('cli-alpha')}---\n${componentYaml('cli-beta')}`);
    const applied = await runPaved(['catalog', 'apply', '-f', file], { env });
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toBe('component:default/cli-alpha created\ncomponent:default/cli-beta created\n');

    const again = await runPaved(['catalog', 'apply', '-f', '-', '--json'], { env, stdin: componentYaml('cli-alpha') });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).items).toEqual([{ file: '<stdin>', entityRef: 'component:default/cli-alpha', status: 'unchanged' }]);

    const [yaml, json, table, listed] = await Promise.all([
      runPaved(['catalog', 'get', 'component:cli-alpha'], { env }),
      runPaved(['catalog', 'get', 'component:default/cli-alpha', '--json'], { env }),
      runPaved(['catalog', 'list', '--kind', 'component', '--owner', 'team-a'], { env }),
      runPaved(['catalog', 'list', '--kind', 'component', '--json', '--all'], { env }),
    ]);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain('kind: Component');
    expect(yaml.stdout).toContain('name: cli-alpha');
    expect(JSON.parse(json.stdout).metadata).toMatchObject({ name: 'cli-alpha', namespace: 'default' });
    expect(table.stdout).toMatch(/^REF\s+TYPE\s+OWNER\s+LIFECYCLE\n/);
    expect(table.stdout).toMatch(/component:default\/cli-alpha\s+service\s+team-a\s+production/);
    expect(table.stderr).toContain('2 entities.');
    const page = JSON.parse(listed.stdout);
    expect(page.totalItems).toBe(2);
    expect(page.items.map((entity: { metadata: { name: string } }) => entity.metadata.name)).toEqual(['cli-alpha', 'cli-beta']);
  });

  it('refuses to apply an invalid file, exit 1, naming the file, the line and spec.owner; stores nothing', async () => {
    const file = path.join(home, 'ownerless.yaml');
    fs.writeFileSync(file, componentYaml('cli-ownerless', ''));
    const run = await runPaved(['catalog', 'apply', '-f', file], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[catalog.entity_invalid]');
    expect(run.stderr).toContain(`${file}:5: document 1: spec.owner`);
    const get = await runPaved(['catalog', 'get', 'component:cli-ownerless'], { env });
    expect(get.code).toBe(1);
    expect(get.stderr).toContain('No entity component:default/cli-ownerless');
  });

  it('registers a file location, lists its entities and problems, and unregisters it', async () => {
    writeFiles(paved.filesDir, {
      'team/catalog-info.yaml': `${componentYaml('located-one')}---\n${componentYaml('located-two')}---\n${componentYaml('located-bad', '')}`,
    });
    const target = path.join(paved.filesDir, 'team/catalog-info.yaml');
    const registered = await runPaved(['catalog', 'register', target], { env });
    expect(registered.code).toBe(0);
    expect(registered.stdout).toContain('Registered location');
    expect(registered.stdout).toContain('2 entities: 2 added');
    expect(registered.stderr).toMatch(new RegExp(`warning: ${escapeRegExp(target)}:\\d+: document 3: spec\\.owner is required \\[component:default/located-bad\\]`));

    const listed = JSON.parse((await runPaved(['catalog', 'list', '--search', 'located', '--json'], { env })).stdout);
    expect(listed.items.map((entity: { metadata: { name: string } }) => entity.metadata.name).sort()).toEqual(['located-one', 'located-two']);

    const locations = JSON.parse((await runPaved(['catalog', 'locations', '--json'], { env })).stdout);
    const location = locations.items.find((item: { target: string }) => item.target === target);
    expect(location).toMatchObject({ type: 'file', status: 'error', entityCount: 2 });
    expect(location.errors).toHaveLength(1);

    const unregistered = await runPaved(['catalog', 'unregister', location.id], { env });
    expect(unregistered.code).toBe(0);
    const after = JSON.parse((await runPaved(['catalog', 'list', '--search', 'located', '--json'], { env })).stdout);
    expect(after.totalItems).toBe(0);
  });

  it('deletes an entity by ref', async () => {
    expect((await runPaved(['catalog', 'apply', '-f', '-'], { env, stdin: componentYaml('cli-doomed') })).code).toBe(0);
    const deleted = await runPaved(['catalog', 'delete', 'component:default/cli-doomed'], { env });
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('Deleted component:default/cli-doomed.\n');
    expect((await runPaved(['catalog', 'get', 'component:cli-doomed'], { env })).code).toBe(1);
  });

  it('rejects a ref without a kind as a usage error, exit 2', async () => {
    const run = await runPaved(['catalog', 'get', 'cli-alpha'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('kind:[namespace/]name');
  });

  it('creates, lists and revokes a token; the revoked token then fails with exit 1 and says so', async () => {
    const user = await paved.call('POST', '/api/catalog/entities', { body: 'apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: { name: robin }\nspec: { memberOf: [] }\n' });
    expect(user.status).toBe(200);
    const forAdmin = await runPaved(['token', 'create', 'laptop'], { env });
    expect(forAdmin.code).toBe(1);
    expect(forAdmin.stderr).toContain('bootstrap administrator');
    const created = await runPaved(['token', 'create', 'laptop', '--user', 'user:default/robin', '--expires-in-days', '30'], { env });
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^\S+$/);
    expect(created.stderr).toContain('will not be shown again');

    const withToken = { ...env, PAVED_TOKEN: secret };
    const whoami = await runPaved(['whoami', '--json'], { env: withToken });
    expect(whoami.code).toBe(0);
    expect(JSON.parse(whoami.stdout)).toMatchObject({ userRef: 'user:default/robin' });

    const list = JSON.parse((await runPaved(['token', 'list', '--user', 'user:default/robin', '--json'], { env })).stdout);
    const token = list.items.find((item: { name: string }) => item.name === 'laptop');
    expect(token).toMatchObject({ userRef: 'user:default/robin', revokedAt: null });
    expect(JSON.stringify(list)).not.toContain(secret);
    const table = await runPaved(['token', 'list', '--user', 'user:default/robin'], { env });
    expect(table.stdout).toMatch(new RegExp(`${token.id}\\s+laptop\\s+\\S+\\s+user:default/robin\\s+active`));

    const revoked = await runPaved(['token', 'revoke', token.id], { env });
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked token "laptop" (id ${token.id})`);

    const refused = await runPaved(['catalog', 'list'], { env: withToken });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('The token is not valid or was revoked [access.invalid_token]');
    expect(refused.stderr).toContain('The token came from PAVED_TOKEN');
    expect(refused.stderr).toContain('paved login');
  });

  it('saves the token with login (owner-only file under XDG_CONFIG_HOME) and uses it, saying so with --verbose', async () => {
    const { PAVED_TOKEN: _token, ...noToken } = env;
    const configHome = path.join(home, 'xdg');
    const loginEnv = { ...noToken, XDG_CONFIG_HOME: configHome };
    const login = await runPaved(['login'], { env: loginEnv, stdin: `${ADMIN_TOKEN}\n` });
    expect(login.code).toBe(0);
    expect(login.stdout).toContain('as user:default/admin');
    const file = path.join(configHome, 'paved', 'credentials.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).servers[env.PAVED_URL!].token).toBe(ADMIN_TOKEN);

    const whoami = await runPaved(['whoami', '--verbose'], { env: loginEnv });
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain('user:default/admin (administrator)');
    expect(whoami.stderr).toContain(`[paved] token from the token saved by \`paved login\` in ${file}`);

    const badLogin = await runPaved(['login', '--token', 'pvd_not-a-token'], { env: loginEnv });
    expect(badLogin.code).toBe(1);
    expect(badLogin.stderr).toContain('refused the token');
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).servers[env.PAVED_URL!].token).toBe(ADMIN_TOKEN);
  });

  it('prints server errors as JSON on stderr with --json', async () => {
    const run = await runPaved(['catalog', 'get', 'component:nope', '--json'], { env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr).error).toMatchObject({ code: 'catalog.entity_not_found', status: 404 });
  });

  it('says when the server cannot be reached, exit 1', async () => {
    const run = await runPaved(['catalog', 'list', '--url', 'http://127.0.0.1:1'], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Cannot reach Paved at http://127.0.0.1:1');
  });
});

describe('paved up', () => {
  it('starts a server that answers, prints its URL and first admin token, and stops on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-cli-up-'));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'src/cli/main.ts'), 'up', '--port', '0', '--data-dir', dataDir, '--no-demo'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: dataDir, PAVED_LOG_LEVEL: 'warn', PAVED_CATALOG_REFRESH_SECONDS: '0' },
    });
    try {
      let stdout = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`paved up did not start: ${stdout}`)), 25_000);
        child.stdout.on('data', (chunk) => {
          stdout += chunk;
          const match = /Paved is running at (\S+)/.exec(stdout);
          if (match && stdout.includes('Administrator token')) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.on('exit', (code) => reject(new Error(`paved up exited with ${code}: ${stdout}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const adminToken = fs.readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
      expect(stdout).toContain(adminToken);
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
