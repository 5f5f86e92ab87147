import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { type Paved, createPaved } from '../src/paved.js';
import { ADMIN_TOKEN } from './support/test-paved.js';

describe('logs', () => {
  const lines: string[] = [];
  let paved: Paved;
  beforeAll(async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-logs-'));
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    paved = await createPaved(loadConfig({ PAVED_DATA_DIR: dataDir, PAVED_ADMIN_TOKEN: ADMIN_TOKEN, PAVED_CATALOG_REFRESH_SECONDS: '0' }, dataDir), {
      logger: pino({ level: 'trace' }, sink),
    });
  });
  afterAll(async () => {
    await paved?.close();
  });

  it('never contain a token or a secret value, even at trace level and on errors', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const created = await paved.app.inject({ method: 'POST', url: '/api/access/tokens', headers, payload: JSON.stringify({ name: 'x', userRef: 'user:default/ada' }) });
    expect(created.statusCode).toBe(201);
    const secret = (JSON.parse(created.body) as { token: string }).token;
    await paved.app.inject({ method: 'GET', url: '/api/catalog/entities?limit=1', headers: { authorization: `Bearer ${secret}` } });
    await paved.app.inject({ method: 'GET', url: '/api/catalog/entities', headers: { authorization: 'Bearer pvd_wrong-token-value' } });
    await paved.app.inject({ method: 'POST', url: '/api/catalog/entities', headers, payload: '{"broken' });
    const secretValue = 'hunter2-super-secret-value';
    const stored = await paved.app.inject({ method: 'PUT', url: '/api/secrets/environments/production/DB_PASSWORD', headers, payload: JSON.stringify({ value: secretValue }) });
    expect(stored.statusCode).toBe(200);
    await paved.app.inject({ method: 'PUT', url: '/api/secrets/environments/production/bad-name', headers, payload: JSON.stringify({ value: secretValue }) });
    expect(lines.length).toBeGreaterThan(3);
    const all = lines.join('');
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(all).not.toContain(secret);
    expect(all).not.toContain('pvd_wrong-token-value');
    expect(all).not.toContain(secretValue);
  });
});
