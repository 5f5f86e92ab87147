import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_A_PEOPLE } from './support/people.js';
import { DIALECTS, type TestPaved, startTestPaved } from './support/test-paved.js';
import { until } from './support/until.js';

/**
 * Issue 10 (medium): "template-run secrets sit in plain text in tasks.secrets and stay forever
 * on failed runs". They are sealed under the master key, opened only for the run's steps, and
 * a failed or cancelled run's are removed after the retention window (here 4 s); a retry after
 * that is refused until it is given them again.
 */
const BAD = 'bad-secret-value-0123';
const GOOD = 'good-secret-value-4567';
const RETENTION_HOURS = 4 / 3600;

// The run gets the secret: it picks the skeleton folder by it, so the wrong one fails the step.
const TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata: { name: guarded }
spec:
  owner: group:default/team-a
  type: service
  parameters: { properties: {} }
  steps:
    - id: announce
      action: debug:log
      input: { message: 'using \${{ secrets.apiToken }}' }
    - id: fetch
      action: fetch:template
      input:
        url: \${{ './skeleton' if secrets.apiToken == '${GOOD}' else './wrong-secret' }}
        values: {}
`;

describe.each(DIALECTS)('template-run secrets on %s', (dialect) => {
  let paved: TestPaved;
  let ada: string;

  beforeAll(async () => {
    paved = await startTestPaved(dialect, {}, { PAVED_TASK_SECRETS_RETENTION_HOURS: String(RETENTION_HOURS) });
    paved.start();
    await paved.call('POST', '/api/catalog/entities', { body: TEAM_A_PEOPLE });
    ada = (await paved.call('POST', '/api/access/tokens', { body: { name: 't', userRef: 'user:default/ada' } })).body.token;
    const dir = path.join(paved.filesDir, 'guarded');
    fs.mkdirSync(path.join(dir, 'skeleton'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'template.yaml'), TEMPLATE);
    fs.writeFileSync(path.join(dir, 'skeleton', 'README.md'), 'hello\n');
    expect((await paved.call('POST', '/api/catalog/locations', { body: { type: 'file', target: path.join(dir, 'template.yaml') } })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await paved?.close();
  });

  const row = (id: string) => paved.database.db.selectFrom('tasks').select(['secrets', 'secrets_expired_at', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
  const task = (id: string) => paved.call('GET', `/api/scaffolder/v2/tasks/${id}`, { token: ada }).then((response) => response.body);
  const finished = (id: string) => until(() => task(id), (body) => ['completed', 'failed', 'cancelled'].includes(body.status), 30_000);
  const logs = async (id: string) => ((await paved.call('GET', `/api/tasks/${id}/logs`, { token: ada })).body.items as { stepId: string | null; message: string }[]).filter((line) => line.stepId === 'announce').map((line) => line.message);

  it('stores the secrets sealed (no value, no name in the column), yet the run gets them; a failed run keeps them sealed', async () => {
    const started = await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/guarded', values: {}, secrets: { apiToken: BAD } } });
    expect(started.status).toBe(201);
    const stored = await row(started.body.id);
    expect(stored.secrets).toMatch(/\S/);
    expect(stored.secrets).not.toContain(BAD);
    expect(stored.secrets).not.toContain('apiToken');
    expect(() => JSON.parse(stored.secrets!)).toThrow();

    const done = await finished(started.body.id);
    expect(done.status).toBe('failed');
    expect(done.error.message).toContain('./wrong-secret');
    // The step saw the value: the log shows it redacted, not empty.
    expect(await logs(started.body.id)).toContain('using ***');
    const kept = await row(started.body.id);
    expect(kept.secrets).not.toBeNull();
    expect(kept.secrets).not.toContain(BAD);
  });

  it("removes a failed run's secrets after the retention window; a retry then needs them again, and runs with the new ones", async () => {
    const { id } = (await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/guarded', values: {}, secrets: { apiToken: BAD } } })).body;
    expect((await finished(id)).status).toBe('failed');
    const swept = await until(() => row(id), (stored) => stored.secrets === null, 10_000);
    expect(swept.secrets).toBeNull();
    expect(swept.secrets_expired_at).not.toBeNull();

    const refused = await paved.call('POST', `/api/scaffolder/v2/tasks/${id}/retry`, { token: ada });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('tasks.secrets_expired');
    expect(refused.body.error.message).toContain('retry it with its secrets again');
    expect((await task(id)).status).toBe('failed');

    const retried = await paved.call('POST', `/api/scaffolder/v2/tasks/${id}/retry`, { token: ada, body: { secrets: { apiToken: GOOD } } });
    expect(retried.status).toBe(201);
    expect((await row(id)).secrets).not.toContain(GOOD);
    expect((await finished(id)).status).toBe('completed');
    // A run that succeeded keeps no secrets.
    expect(await row(id)).toMatchObject({ secrets: null, status: 'succeeded' });
  });

  it('seals secrets an older Paved left in plain text', async () => {
    const { id } = (await paved.call('POST', '/api/scaffolder/v2/tasks', { token: ada, body: { templateRef: 'template:default/guarded', values: {}, secrets: { apiToken: BAD } } })).body;
    await finished(id);
    // What the column held before this change: the JSON object itself (set back to "just failed").
    await paved.database.db.updateTable('tasks').set({ secrets: JSON.stringify({ apiToken: BAD }), secrets_expired_at: null, finished_at: new Date().toISOString() }).where('id', '=', id).execute();
    const resealed = await until(() => row(id), (stored) => stored.secrets !== null && !stored.secrets.includes(BAD), 3_000);
    expect(resealed.secrets).not.toBeNull();
    expect(resealed.secrets).not.toContain(BAD);
    expect(resealed.secrets).not.toContain('apiToken');
  });
});
