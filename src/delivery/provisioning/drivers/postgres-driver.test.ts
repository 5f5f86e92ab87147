import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DriverError, type DriverResult } from './driver.js';
import { createPostgresDriver } from './postgres-driver.js';

const ADMIN_URL = process.env.PAVED_TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const driver = createPostgresDriver({ adminUrl: ADMIN_URL });
const made: DriverResult[] = [];

function uniqueKey(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

async function create(key = uniqueKey()): Promise<DriverResult> {
  const result = await driver.create({ key, params: {} });
  made.push(result);
  return result;
}

/** Runs `work` connected with `url`, as a workload would. */
async function asWorkload<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Whether `password` is the role's password, checked against its stored SCRAM verifier: the test
 * server may trust every local connection, so logging in would prove nothing.
 */
async function passwordMatches(role: string, password: string): Promise<boolean> {
  const { rows } = await adminQuery('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [role]);
  const [, iterations, salt, storedKey] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):/.exec(rows[0].rolpassword) ?? [];
  const salted = pbkdf2Sync(password, Buffer.from(String(salt), 'base64'), Number(iterations), 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  return createHash('sha256').update(clientKey).digest('base64') === storedKey;
}

async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  return asWorkload(ADMIN_URL, (admin) => admin.query(text, values));
}

afterAll(async () => {
  for (const result of made) await driver.delete(result.state);
  await driver.close();
});

describe('postgres driver', () => {
  it('creates a database owned by a new login role, reachable through the url output', async () => {
    const key = uniqueKey();
    const { outputs, secretOutputs } = await create(key);

    expect(outputs).toMatchObject({ host: '127.0.0.1', port: 5432, name: key, database: key, username: key });
    expect(String(outputs.password)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(outputs.url).toBe(`postgres://${key}:${outputs.password}@127.0.0.1:5432/${key}`);
    expect(secretOutputs.sort()).toEqual(['password', 'url']);

    const { rows } = await asWorkload(String(outputs.url), async (client) => {
      await client.query('CREATE TABLE orders (id int)');
      return client.query('SELECT current_user AS role, current_database() AS db');
    });
    expect(rows[0]).toEqual({ role: key, db: key });
  });

  it('lets no other role connect to the database', async () => {
    const first = await create();
    const second = await create();
    const intrusion = String(second.outputs.url).replace(`/${second.outputs.database}`, `/${first.outputs.database}`);

    await expect(asWorkload(intrusion, (client) => client.query('SELECT 1'))).rejects.toThrow(/permission denied/);
  });

  it('gives a new password on a second create and keeps the data', async () => {
    const key = uniqueKey();
    const before = await create(key);
    await asWorkload(String(before.outputs.url), (client) => client.query('CREATE TABLE kept (id int)'));

    const after = await create(key);

    expect(after.outputs.password).not.toBe(before.outputs.password);
    expect(after.state).toEqual(before.state);
    const { rows } = await asWorkload(String(after.outputs.url), (client) => client.query(`SELECT to_regclass('kept') AS kept`));
    expect(rows[0]).toEqual({ kept: 'kept' });
    expect(await passwordMatches(key, String(after.outputs.password))).toBe(true);
    expect(await passwordMatches(key, String(before.outputs.password))).toBe(false);
  });

  it('stores only a SCRAM verifier of the password, never the password', async () => {
    const { outputs } = await create();
    const { rows } = await adminQuery('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [outputs.username]);
    expect(rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(rows[0].rolpassword).not.toContain(String(outputs.password));
    expect(await passwordMatches(String(outputs.username), String(outputs.password))).toBe(true);
  });

  it('removes the database and the role, and a second delete is fine', async () => {
    const key = uniqueKey();
    const { state, outputs } = await driver.create({ key, params: {} });
    const session = new pg.Client({ connectionString: String(outputs.url) });
    await session.connect();
    session.on('error', () => {});

    await driver.delete(state);
    await driver.delete(state);

    expect((await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [key])).rowCount).toBe(0);
    expect((await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [key])).rowCount).toBe(0);
    await session.end().catch(() => undefined);
  });

  it('refuses a key that names a role Paved did not create, and never drops it', async () => {
    const key = uniqueKey();
    await adminQuery(`CREATE ROLE ${key}`);
    try {
      await expect(driver.create({ key, params: {} })).rejects.toMatchObject({ code: 'delivery.driver_conflict' });
      await driver.delete({ role: key, database: key });
      expect((await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [key])).rowCount).toBe(1);
    } finally {
      await adminQuery(`DROP ROLE IF EXISTS ${key}`);
    }
  });

  it('reports what the server refused when the admin account may not create roles', async () => {
    const weakAdmin = uniqueKey();
    await adminQuery(`CREATE ROLE ${weakAdmin} LOGIN`);
    const weakUrl = new URL(ADMIN_URL);
    weakUrl.username = weakAdmin;
    weakUrl.password = '';
    const weak = createPostgresDriver({ adminUrl: weakUrl.href });
    try {
      await expect(weak.create({ key: uniqueKey(), params: {} })).rejects.toMatchObject({
        code: 'delivery.driver_failed',
        message: expect.stringMatching(/could not create the role and database .*permission denied to create role/),
      });
    } finally {
      await weak.close();
      await adminQuery(`DROP ROLE ${weakAdmin}`);
    }
  });

  it.each(['', 'Upper', 'a-b', '../etc', 'x'.repeat(41), 'drop"role'])('refuses the key %j', async (key) => {
    await expect(driver.create({ key, params: {} })).rejects.toMatchObject({ code: 'delivery.driver_invalid_key' });
  });

  it('reports an unreachable server as unavailable, naming the address but not the password', async () => {
    const unreachable = createPostgresDriver({ adminUrl: 'postgres://admin:hunter2secret@127.0.0.1:1/postgres' });
    try {
      const error: unknown = await unreachable.create({ key: uniqueKey(), params: {} }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DriverError);
      expect(error).toMatchObject({ code: 'delivery.driver_unavailable' });
      const message = (error as DriverError).message;
      expect(message).toContain('cannot reach the PostgreSQL server at 127.0.0.1:1 configured for postgres resources: ');
      expect(message).toMatch(/ECONNREFUSED/);
      expect(message).not.toContain('hunter2secret');
      await expect(unreachable.delete({ role: 'gone', database: 'gone' })).rejects.toMatchObject({
        code: 'delivery.driver_unavailable',
      });
    } finally {
      await unreachable.close();
    }
  });

  it('stops before touching the server when the signal is already aborted', async () => {
    const key = uniqueKey();
    await expect(driver.create({ key, params: {}, signal: AbortSignal.abort() })).rejects.toThrow();
    expect((await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [key])).rowCount).toBe(0);
  });
});
