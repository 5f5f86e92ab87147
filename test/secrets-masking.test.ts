import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
const git = (cwd: string, ...args: string[]) => run('git', args, { cwd, env: gitEnv });

/** Has every character class the encodings treat differently: "/", "+", "&", a space, a quote. */
const SECRET = 'Zq9/x+Secret value&"more"';

/** Each way a careless (or hostile) step prints a secret, one per step, so each is checked on its own. */
const VARIANTS: Record<string, string> = {
  plain: 'echo "plain: $S"',
  reversed: `printf '%s' "$S" | rev; echo`,
  hex: `printf '%s' "$S" | od -An -tx1 | tr -d ' \\n'; echo`,
  'hex upper': `printf '%s' "$S" | od -An -tx1 | tr -d ' \\n' | tr a-f A-F; echo`,
  base64: `printf '%s' "$S" | base64 -w0; echo`,
  'base64 offset': `printf 'x%s' "$S" | base64 -w0; echo`,
  base64url: `printf '%s' "$S" | base64 -w0 | tr '+/' '-_'; echo`,
  'url encoded': `node -e 'console.log("url: " + encodeURIComponent(process.env.S))'`,
  'form encoded': `node -e 'console.log("form: " + new URLSearchParams({ s: process.env.S }))'`,
  json: `node -e 'console.log(JSON.stringify({ s: process.env.S }))'`,
  split: `printf '%s\\n' "$S" | cut -c1-10; printf '%s\\n' "$S" | cut -c11-`,
};

/** What must not appear in the log, per variant (the split's pieces each hold half the secret). */
const LEAKS = (() => {
  const bytes = Buffer.from(SECRET);
  return {
    plain: [SECRET],
    reversed: [[...SECRET].reverse().join('')],
    hex: [bytes.toString('hex')],
    'hex upper': [bytes.toString('hex').toUpperCase()],
    base64: [bytes.toString('base64')],
    'base64 offset': [Buffer.from(`x${SECRET}`).toString('base64').slice(4, -4)],
    base64url: [bytes.toString('base64url')],
    'url encoded': [encodeURIComponent(SECRET)],
    'form encoded': [new URLSearchParams({ s: SECRET }).toString().slice(2)],
    json: [JSON.stringify(SECRET).slice(1, -1)],
    split: [SECRET.slice(0, 10), SECRET.slice(10)],
  } as Record<string, string[]>;
})();

describe('secrets printed by a real pipeline step are masked in every form', () => {
  let paved: TestPaved;
  let host: string;
  let ada: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-masking-'));

  beforeAll(async () => {
    paved = await startTestPaved('sqlite');
    host = (await paved.app.listen({ port: 0, host: '127.0.0.1' })).replace('http://', '');
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
  });
  afterAll(async () => {
    await paved?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('masks the value, reversed, hex, base64 (any alignment), base64url, URL, form and JSON encoded, and split over two lines', async () => {
    expect((await paved.call('PUT', '/api/secrets/groups/default/team-a/S', { token: ada, body: { value: SECRET } })).status).toBe(200);
    await paved.call('POST', '/api/git/repositories', { token: ada, body: { namespace: 'team-a', name: 'leaky', ownerRef: 'group:default/team-a' } });
    const clone = path.join(work, 'leaky');
    await git(work, 'clone', '--quiet', `http://ada:${ada}@${host}/git/team-a/leaky.git`, clone);
    const steps = Object.entries(VARIANTS).map(([name, command]) => `        - name: ${JSON.stringify(name)}\n          run: ${JSON.stringify(command)}`);
    fs.mkdirSync(path.join(clone, '.paved'));
    fs.writeFileSync(path.join(clone, '.paved/pipeline.yaml'), `apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: p }\nspec:\n  on: { push: {} }\n  secrets: [S]\n  jobs:\n    leak:\n      steps:\n${steps.join('\n')}\n`);
    await git(clone, 'add', '--all');
    await git(clone, 'commit', '--quiet', '-m', 'leak');
    await git(clone, 'push', '--quiet', 'origin', 'HEAD:main');

    const runs = await until(async () => (await paved.call('GET', '/api/pipelines/repositories/team-a/leaky/runs')).body.items as { id: string }[], (items) => items.length > 0);
    const done = await until(async () => (await paved.call('GET', `/api/pipelines/runs/${runs[0]!.id}`)).body, (r) => ['succeeded', 'failed', 'cancelled'].includes(r.status), 60_000);
    expect(done.status, done.error).toBe('succeeded');
    const lines = (await paved.call('GET', `/api/pipelines/runs/${runs[0]!.id}/logs`)).body.items as { message: string }[];
    const log = lines.map((line) => line.message).join('\n');
    for (const [variant, leaks] of Object.entries(LEAKS)) {
      for (const leak of leaks) expect(log, `${variant} leaked`).not.toContain(leak);
    }
    // Each step printed something, masked: the test would pass vacuously if a step printed nothing.
    expect(log).toContain('plain: ***');
    expect(log).toContain('url: ***');
    expect(log).toContain('form: s=***');
    expect(log).toContain('{"s":"***"}');
    const output = lines.map((line) => line.message).filter((message) => message === '***');
    expect(output.length).toBe(7); // reversed, hex, HEX, base64, base64url and the split's two lines
  }, 90_000);
});
