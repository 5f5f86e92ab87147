import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { TEAM_A_PEOPLE } from './support/people.js';

const run = promisify(execFile);

async function git(cwd: string, ...args: string[]) {
  return run('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' } });
}

describe.each(DIALECTS)('embedded git hosting on %s', (dialect) => {
  let paved: TestPaved;
  let base: string;
  let ada: string;
  let eve: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-git-'));

  beforeAll(async () => {
    paved = await startTestPaved(dialect);
    const address = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    base = address.replace('http://', '');
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 'git', userRef: 'user:default/ada' } })).body.token;
    eve = (await paved.call('POST', '/api/access/tokens', { body: { name: 'git', userRef: 'user:default/eve' } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('creates a repository that its owners can push to and anyone signed in can clone', async () => {
    const created = await paved.call('POST', '/api/git/repositories', { body: { namespace: 'team-a', name: 'cart', ownerRef: 'group:default/team-a' }, token: ada });
    expect(created.status).toBe(201);
    expect(created.body.path).toBe('/git/team-a/cart.git');

    const clone = path.join(work, `${dialect}-ada`);
    await git(work, 'clone', '--quiet', `http://ada:${ada}@${base}/git/team-a/cart.git`, clone);
    fs.writeFileSync(path.join(clone, 'README.md'), '# cart\n');
    await git(clone, 'add', 'README.md');
    await git(clone, 'commit', '--quiet', '-m', 'First commit');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');

    const other = path.join(work, `${dialect}-eve`);
    await git(work, 'clone', '--quiet', `http://eve:${eve}@${base}/git/team-a/cart.git`, other);
    expect(fs.readFileSync(path.join(other, 'README.md'), 'utf8')).toBe('# cart\n');

    fs.writeFileSync(path.join(other, 'README.md'), '# not yours\n');
    await git(other, 'commit', '--quiet', '-am', 'Sneaky');
    await expect(git(other, 'push', '--quiet', 'origin', 'HEAD:main')).rejects.toThrow(/403/);
  });

  it('records each push with its commits and lets anyone signed in browse the repository', async () => {
    let pushes = await paved.call('GET', '/api/git/repositories/team-a/cart/pushes', { token: eve });
    for (let i = 0; i < 50 && pushes.body.items.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      pushes = await paved.call('GET', '/api/git/repositories/team-a/cart/pushes', { token: eve });
    }
    expect(pushes.body.items).toHaveLength(1);
    expect(pushes.body.items[0]).toMatchObject({ repository: 'team-a/cart', ref: 'refs/heads/main', before: '0'.repeat(40), pusher: 'user:default/ada' });
    expect(pushes.body.items[0].commits).toEqual([expect.objectContaining({ author: 'Ada', email: 'ada@example.com', message: 'First commit' })]);
    const audit = await paved.call('GET', '/api/audit?action=git.push');
    expect(audit.body.items[0]).toMatchObject({ actor: 'user:default/ada', target: 'repo:team-a/cart' });

    expect((await paved.call('GET', '/api/git/repositories/team-a/cart/branches', { token: eve })).body.items).toEqual([{ name: 'main', commit: pushes.body.items[0].after }]);
    expect((await paved.call('GET', '/api/git/repositories/team-a/cart/tree', { token: eve })).body.items).toEqual([{ name: 'README.md', type: 'file', size: 7 }]);
    expect((await paved.call('GET', '/api/git/repositories/team-a/cart/file?path=README.md', { token: eve })).body).toBe('# cart\n');
    expect((await paved.call('GET', '/api/git/repositories/team-a/cart/log', { token: eve })).body.items.map((commit: { message: string }) => commit.message)).toEqual(['First commit']);
    expect((await paved.call('GET', '/api/git/repositories/team-a/cart/log?ref=--output=/tmp/x', { token: eve })).status).toBe(400);
    expect((await paved.call('GET', '/api/git/repositories/team-a/cart/file?path=../../etc/passwd', { token: eve })).status).toBe(400);
    expect((await paved.call('GET', '/api/git/repositories/team-a/cart/file?path=missing.txt', { token: eve })).status).toBe(404);
  });

  it('asks for credentials and refuses a wrong token', async () => {
    await expect(git(work, 'clone', '--quiet', `http://${base}/git/team-a/cart.git`, path.join(work, `${dialect}-anon`))).rejects.toThrow(/Authentication failed|could not read Username|401/);
    await expect(git(work, 'clone', '--quiet', `http://x:pvd_wrong@${base}/git/team-a/cart.git`, path.join(work, `${dialect}-wrong`))).rejects.toThrow(/Authentication failed|401/);
  });

  it('refuses names that could escape the repository root', async () => {
    for (const name of ['../etc', '.hidden', 'UPPER', 'a/b', 'x.git']) {
      const response = await paved.call('POST', '/api/git/repositories', { body: { namespace: 'team-a', name }, token: ada });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('git.invalid_name');
    }
    const traversal = await paved.call('GET', '/git/..%2F..%2Fetc/passwd.git/info/refs?service=git-upload-pack', { token: ada });
    expect([400, 404]).toContain(traversal.status);
    expect((await paved.call('POST', '/api/git/repositories', { body: { namespace: 'team-b', name: 'x', ownerRef: 'group:default/team-b' }, token: ada })).status).toBe(403);
  });

  it('lists and deletes repositories, owners only', async () => {
    const list = await paved.call('GET', '/api/git/repositories', { token: eve });
    expect(list.body.items.map((repository: { path: string }) => repository.path)).toContain('/git/team-a/cart.git');
    expect((await paved.call('DELETE', '/api/git/repositories/team-a/cart', { token: eve })).status).toBe(403);
    expect((await paved.call('DELETE', '/api/git/repositories/team-a/cart', { token: ada })).status).toBe(204);
    expect((await paved.call('GET', '/api/git/repositories/team-a/cart', { token: ada })).status).toBe(404);
  });
});
