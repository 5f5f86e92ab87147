import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskDefinition } from '../src/tasks/task-definition.js';
import { TEAM_A_PEOPLE } from './support/people.js';
import { ADMIN_TOKEN, DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';
import { cloneNewRepository, closeWithWorkloads, workloadScore, workloadServer } from './support/workload.js';

/** A task that logs a line every 100 ms until cancelled: something to keep a stream open. */
const definitions: TaskDefinition[] = [
  {
    kind: 'test.ticking',
    steps: () => [
      {
        id: 'tick',
        run: async ({ signal, log }) => {
          for (let tick = 0; !signal.aborted; tick++) {
            await log(`tick ${tick}`);
            await new Promise((resolve) => setTimeout(resolve, 100));
          }
          throw signal.reason;
        },
      },
    ],
  },
];

const person = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: User
metadata: { name: ${name} }
spec: { memberOf: [] }
`;

/** Opens an event stream over a real socket; `ended` resolves with all it received once the server ends it. */
function openStream(base: string, path: string, token: string): Promise<{ status: number; ended: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      resolve({ status: response.statusCode ?? 0, ended: new Promise((done) => response.on('end', () => done(text))) });
    });
    request.on('error', reject);
  });
}

describe.each(DIALECTS)('tokens and streams on %s', (dialect) => {
  let paved: TestPaved;
  let base: string;

  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, { PAVED_STREAM_RECHECK_SECONDS: '1', PAVED_TOKEN_MAX_TTL_DAYS: '180' }, definitions);
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    for (const name of ['ada', 'leaver', 'streamer']) expect((await paved.call('POST', '/api/catalog/entities', { body: person(name) })).status).toBeLessThan(300);
  });
  afterAll(async () => {
    await paved?.close();
  });

  const createToken = async (userRef: string, extra: Record<string, unknown> = {}) => paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef, ...extra } });

  it('gives every new token an expiry (90 days unless asked), refuses longer than the configured most, and stores only its hash', async () => {
    const before = Date.now();
    const created = await createToken('user:default/ada');
    expect(created.status).toBe(201);
    const days = (Date.parse(created.body.expiresAt) - before) / 86_400_000;
    expect(days).toBeGreaterThan(89.99);
    expect(days).toBeLessThan(90.01);

    const short = await createToken('user:default/ada', { expiresInDays: 7 });
    expect(Math.round((Date.parse(short.body.expiresAt) - before) / 86_400_000)).toBe(7);

    const tooLong = await createToken('user:default/ada', { expiresInDays: 181 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'access.token_lifetime_too_long', details: { path: 'expiresInDays' } });
    expect(tooLong.body.error.message).toContain('at most 180 days');

    const stored = await paved.database.db.selectFrom('access_tokens').selectAll().where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.body.token);
    expect(stored.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses an expired token, and a token made before expiry was the default once it is older than the most allowed', async () => {
    const token = (await createToken('user:default/ada', { expiresInDays: 1 })).body;
    expect((await paved.call('GET', '/api/access/me', { token: token.token })).status).toBe(200);
    await paved.database.db.updateTable('access_tokens').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', token.id).execute();
    const expired = await paved.call('GET', '/api/access/me', { token: token.token });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('access.token_expired');

    const legacy = (await createToken('user:default/ada')).body;
    await paved.database.db
      .updateTable('access_tokens')
      .set({ expires_at: null, created_at: new Date(Date.now() - 181 * 86_400_000).toISOString() })
      .where('id', '=', legacy.id)
      .execute();
    expect((await paved.call('GET', '/api/access/me', { token: legacy.token })).body.error.code).toBe('access.token_expired');
  });

  it("refuses the tokens of a user who left the catalog, saying so; the bootstrap administrator's token is no user's", async () => {
    const token = (await createToken('user:default/leaver')).body.token;
    expect((await paved.call('GET', '/api/access/me', { token })).status).toBe(200);
    const removed = await paved.call('DELETE', `/api/catalog/entities/by-uid/${(await paved.call('GET', '/api/catalog/entities/by-name/user/default/leaver')).body.metadata.uid}`);
    expect(removed.status).toBe(204);
    const refused = await paved.call('GET', '/api/access/me', { token });
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('access.user_not_in_catalog');
    expect(refused.body.error.message).toContain('user:default/leaver, who is no longer in the catalog');
    expect((await paved.call('GET', '/api/access/me', { token: ADMIN_TOKEN })).status).toBe(200);
  });

  it('ends an event stream at once when its token is revoked, with an error event', async () => {
    const created = (await createToken('user:default/streamer')).body;
    const task = await paved.tasks.enqueue('test.ticking', {}, { createdBy: 'user:default/streamer' });
    const stream = await openStream(base, `/api/tasks/${task.id}/events`, created.token);
    expect(stream.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const revokedAt = Date.now();
    expect((await paved.call('DELETE', `/api/access/tokens/${created.id}`)).status).toBe(200);
    const text = await stream.ended;
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(text).toContain('tick 0');
    expect(text).toContain('event: error');
    expect(text).toContain('access.stream_access_lost');
    expect(text).not.toContain('event: completion');
    await paved.tasks.cancel(task.id);
  });

  it("ends a task's event stream within the re-check interval when its user leaves the catalog", async () => {
    const created = (await createToken('user:default/streamer')).body;
    const task = await paved.tasks.enqueue('test.ticking', {}, { createdBy: 'user:default/streamer' });
    const stream = await openStream(base, `/api/tasks/${task.id}/events`, created.token);
    expect(stream.status).toBe(200);
    const uid = (await paved.call('GET', '/api/catalog/entities/by-name/user/default/streamer')).body.metadata.uid;
    const leftAt = Date.now();
    expect((await paved.call('DELETE', `/api/catalog/entities/by-uid/${uid}`)).status).toBe(204);
    const text = await stream.ended;
    // PAVED_STREAM_RECHECK_SECONDS=1 here (5 by default).
    expect(Date.now() - leftAt).toBeLessThan(2500);
    expect(text).toContain('access.stream_access_lost');
    await paved.tasks.cancel(task.id);
  });
});

describe("a workload's followed log", () => {
  // The workload log stream is the one stream not built on the task engine: it gets its own test.
  let paved: TestPaved;
  let base: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-security-tokens-'));

  beforeAll(async () => {
    paved = await startTestPaved('sqlite', {}, { PAVED_DELIVERY_READINESS_TIMEOUT_SECONDS: '20' });
    base = await paved.app.listen({ port: 0, host: '127.0.0.1' });
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
  }, 60_000);
  afterAll(() => closeWithWorkloads(paved, work));

  it('ends when the token following it is revoked', async () => {
    const ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token as string;
    const repository = await cloneNewRepository(paved, { token: ada, host: base.replace('http://', ''), work });
    await repository.push({ 'server.js': workloadServer(), 'score.yaml': workloadScore({ version: '1' }) });
    const created = await paved.call('POST', '/api/delivery/deployments', { token: ada, body: { repository: 'team-a/shop', environment: 'dev' } });
    expect(created.status).toBe(201);
    const done = await until(async () => (await paved.call('GET', `/api/delivery/deployments/${created.body.id}`)).body, (body) => ['succeeded', 'failed', 'rejected'].includes(body.status), 60_000);
    expect(done.status).toBe('succeeded');
    // The workload's own answers go around Fastify: none of Paved's headers are forced on them.
    const own = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: new URL(base).port, path: '/', headers: { host: `${created.body.workload}.dev.localhost` }, agent: false }, (response) => resolve(response.resume())).on('error', reject);
    });
    expect(own.statusCode).toBe(200);
    expect(own.headers['content-security-policy']).toBeUndefined();
    expect(own.headers['x-frame-options']).toBeUndefined();

    const reader = (await paved.call('POST', '/api/access/tokens', { body: { name: 'reader', userRef: 'user:default/ada' } })).body;
    const stream = await openStream(base, `/api/delivery/environments/dev/workloads/${created.body.workload}/logs?follow=true`, reader.token);
    expect(stream.status).toBe(200);
    const revokedAt = Date.now();
    expect((await paved.call('DELETE', `/api/access/tokens/${reader.id}`)).status).toBe(200);
    const text = await stream.ended;
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(text).toContain('listening on');
    expect(text).toContain('access.stream_access_lost');
  }, 120_000);

  it("refuses a workload file whose source is a link out of the repository (Paved's environment, its database)", async () => {
    const ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token as string;
    const repository = await cloneNewRepository(paved, { token: ada, host: base.replace('http://', ''), work, name: 'linker' });
    const links: [string, string][] = [
      ['environ', '/proc/self/environ'],
      ['database', '../../../../../paved.sqlite'],
    ];
    for (const [link, target] of links) {
      fs.rmSync(path.join(repository.clone, link), { force: true });
      fs.symlinkSync(target, path.join(repository.clone, link));
      const score = workloadScore({ version: '1', name: `linker-${link}` }).replace('    image: .\n', `    image: .\n    files:\n      /app/leak:\n        source: ${link}\n`);
      await repository.push({ 'server.js': workloadServer(), 'score.yaml': score });
      const created = await paved.call('POST', '/api/delivery/deployments', { token: ada, body: { repository: 'team-a/linker', environment: 'dev' } });
      expect(created.status).toBe(201);
      const done = await until(async () => (await paved.call('GET', `/api/delivery/deployments/${created.body.id}`)).body, (body) => ['succeeded', 'failed', 'rejected'].includes(body.status), 60_000);
      expect(done.status, link).toBe('failed');
      expect(JSON.stringify(done.error), link).toContain('must be a regular file inside the repository');
    }
  }, 120_000);
});
