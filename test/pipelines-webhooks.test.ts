import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';

const run = promisify(execFile);
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 'Ada', GIT_AUTHOR_EMAIL: 'ada@example.com', GIT_COMMITTER_NAME: 'Ada', GIT_COMMITTER_EMAIL: 'ada@example.com' };
const GITHUB_SECRET = 'github-webhook-secret-0123456789';
const GITLAB_TOKEN = 'gitlab-webhook-token-0123456789';

/**
 * The "forge" is a repository in this same Paved, served over HTTP: the webhook says a push
 * happened there, Paved fetches it with the configured token, mirrors it, and runs its pipeline.
 */
describe('push webhooks from GitHub and GitLab', () => {
  let paved: TestPaved;
  let base: string;
  let commit: string;

  beforeAll(async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_GITHUB_WEBHOOK_SECRET: GITHUB_SECRET, PAVED_GITHUB_TOKEN: ADMIN_TOKEN, PAVED_GITLAB_WEBHOOK_TOKEN: GITLAB_TOKEN, PAVED_GITLAB_TOKEN: ADMIN_TOKEN });
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    await paved.call('POST', '/api/git/repositories', { body: { namespace: 'forge', name: 'shop' } });
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-forge-'));
    await run('git', ['clone', '--quiet', `http://x:${ADMIN_TOKEN}@${base.replace('http://', '')}/git/forge/shop.git`, clone], { env: gitEnv });
    fs.mkdirSync(path.join(clone, '.paved'));
    fs.writeFileSync(path.join(clone, '.paved/pipeline.yaml'), 'apiVersion: paved.dev/v1\nkind: Pipeline\nmetadata: { name: shop }\nspec:\n  on: { push: {} }\n  steps: [{ run: echo built on $CI_BRANCH }]\n');
    await run('git', ['add', '--all'], { cwd: clone, env: gitEnv });
    await run('git', ['commit', '--quiet', '-m', 'pipeline'], { cwd: clone, env: gitEnv });
    await run('git', ['push', '--quiet', 'origin', 'HEAD:main'], { cwd: clone, env: gitEnv });
    commit = (await run('git', ['rev-parse', 'HEAD'], { cwd: clone })).stdout.trim();
  });
  afterAll(async () => {
    await paved?.close();
  });

  const send = (forge: string, headers: Record<string, string>, body: string) =>
    paved.app.inject({ method: 'POST', url: `/api/pipelines/webhooks/${forge}`, headers: { 'content-type': 'application/json', ...headers }, payload: body });
  const sign = (body: string) => `sha256=${crypto.createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`;
  const githubPush = () =>
    JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after: commit, repository: { name: 'Shop', owner: { login: 'Acme' }, clone_url: `${base}/git/forge/shop.git` }, pusher: { name: 'ada' } });

  it('mirrors a signed GitHub push and runs its pipeline', async () => {
    const body = githubPush();
    const response = await send('github', { 'x-github-event': 'push', 'x-hub-signature-256': sign(body) }, body);
    expect(response.statusCode, response.body).toBe(202);
    expect(JSON.parse(response.body)).toMatchObject({ repository: 'github-acme/shop', ref: 'refs/heads/main', recorded: 1 });
    const runs = await until(async () => (await paved.call('GET', '/api/pipelines/repositories/github-acme/shop/runs')).body.items, (items) => items[0]?.status === 'succeeded', 30_000);
    expect(runs[0]).toMatchObject({ commit, branch: 'main', createdBy: 'github:ada' });
    const log = (await paved.call('GET', `/api/pipelines/runs/${runs[0].id}/logs`)).body.items.map((line: { message: string }) => line.message);
    expect(log).toContain('built on main');
    expect((await paved.call('GET', '/api/git/repositories/github-acme/shop')).body.ownerRef).toBe('group:default/paved-admins');
  });

  it('refuses a GitHub push with a wrong or missing signature, and a body that is not a push', async () => {
    const body = githubPush();
    expect((await send('github', { 'x-github-event': 'push', 'x-hub-signature-256': sign(`${body} `) }, body)).statusCode).toBe(401);
    expect((await send('github', { 'x-github-event': 'push' }, body)).statusCode).toBe(401);
    const notPush = JSON.stringify({ hello: 'world' });
    const refused = await send('github', { 'x-github-event': 'push', 'x-hub-signature-256': sign(notPush) }, notPush);
    expect(refused.statusCode).toBe(400);
    expect(JSON.parse(refused.body).error.code).toBe('pipelines.webhook_payload_invalid');
    expect((await send('github', { 'x-github-event': 'ping', 'x-hub-signature-256': sign('{}') }, '{}')).statusCode).toBe(200);
  });

  it('mirrors a GitLab push with the right token only', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', before: '0'.repeat(40), after: commit, project: { path_with_namespace: 'acme/tools/shop', git_http_url: `${base}/git/forge/shop.git` }, user_username: 'ada' });
    expect((await send('gitlab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'wrong-token-0123456789' }, body)).statusCode).toBe(401);
    const response = await send('gitlab', { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': GITLAB_TOKEN }, body);
    expect(response.statusCode, response.body).toBe(202);
    expect(JSON.parse(response.body).repository).toBe('gitlab-acme/tools-shop');
    await until(async () => (await paved.call('GET', '/api/pipelines/repositories/gitlab-acme/tools-shop/runs')).body.items, (items) => items[0]?.status === 'succeeded', 30_000);
  });
});
