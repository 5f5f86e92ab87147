import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { DriverError, type DriverResult } from './driver.js';
import { createRedisDriver } from './redis-driver.js';

const REDIS_URL = process.env.PAVED_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const driver = createRedisDriver({ url: REDIS_URL });
const made: DriverResult[] = [];
const clients: Redis[] = [];

function uniqueKey(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

async function create(key = uniqueKey()): Promise<DriverResult> {
  const result = await driver.create({ key, params: {} });
  made.push(result);
  return result;
}

/** A connection as a workload would open it; closed after the suite. */
function connectAs(url: string | number | undefined): Redis {
  // The ready check runs INFO, which a resource's user may not run.
  const client = new Redis(String(url), { maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

const admin = connectAs(REDIS_URL);

afterAll(async () => {
  for (const result of made) await driver.delete(result.state);
  await driver.close();
  for (const client of clients) client.disconnect();
});

describe('redis driver', () => {
  it('creates a user that reads and writes its own keys through the url output', async () => {
    const key = uniqueKey();
    const { outputs, secretOutputs } = await create(key);

    expect(outputs).toMatchObject({ host: '127.0.0.1', port: 6379, username: key, prefix: `${key}:` });
    expect(String(outputs.password)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(outputs.url).toBe(`redis://${key}:${outputs.password}@127.0.0.1:6379`);
    expect(secretOutputs.sort()).toEqual(['password', 'url']);

    const workload = connectAs(outputs.url);
    expect(await workload.call('ACL', 'WHOAMI')).toBe(key);
    await workload.set(`${key}:x`, 'hello');
    expect(await workload.get(`${key}:x`)).toBe('hello');
  });

  it('keeps the user away from other keys, other channels and the server itself', async () => {
    const { outputs } = await create();
    const workload = connectAs(outputs.url);

    await expect(workload.get('other:x')).rejects.toThrow(/NOPERM/);
    await expect(workload.set('other:x', '1')).rejects.toThrow(/NOPERM/);
    await expect(workload.publish('other:events', 'hi')).rejects.toThrow(/NOPERM/);
    await expect(workload.flushall()).rejects.toThrow(/NOPERM/);
    await expect(workload.flushdb()).rejects.toThrow(/NOPERM/);
    await expect(workload.call('KEYS', '*')).rejects.toThrow(/NOPERM/);
    await expect(workload.call('CONFIG', 'GET', 'requirepass')).rejects.toThrow(/NOPERM/);
    await expect(workload.call('ACL', 'SETUSER', String(outputs.username), '~*')).rejects.toThrow(/NOPERM/);
    await expect(workload.call('ACL', 'LIST')).rejects.toThrow(/NOPERM/);
    expect(await workload.publish(`${outputs.prefix}events`, 'hi')).toBe(0);
  });

  it('gives a new password on a second create: the old one stops working, the keys stay', async () => {
    const key = uniqueKey();
    const before = await create(key);
    await connectAs(before.outputs.url).set(`${key}:kept`, '1');

    const after = await create(key);

    expect(after.outputs.password).not.toBe(before.outputs.password);
    expect(after.state).toEqual(before.state);
    expect(await connectAs(after.outputs.url).get(`${key}:kept`)).toBe('1');
    const login = connectAs(REDIS_URL);
    await expect(login.call('AUTH', key, String(before.outputs.password))).rejects.toThrow(/WRONGPASS/);
    expect(await login.call('AUTH', key, String(after.outputs.password))).toBe('OK');
  });

  it('removes the user and every key under its prefix, in any database, and a second delete is fine', async () => {
    const key = uniqueKey();
    const { state, outputs } = await driver.create({ key, params: {} });
    const workload = connectAs(outputs.url);
    for (let n = 0; n < 1500; n += 500) {
      await workload.mset(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`${key}:k${n + i}`, 'v'])));
    }
    await workload.select(1);
    await workload.set(`${key}:elsewhere`, 'v');
    await admin.set(`${key}x:not_its_own`, 'v');

    await driver.delete(state);
    await driver.delete(state);

    expect(await admin.call('ACL', 'GETUSER', key)).toBeNull();
    expect(await admin.keys(`${key}:*`)).toEqual([]);
    const otherDatabase = connectAs(`${REDIS_URL}/1`);
    expect(await otherDatabase.keys(`${key}:*`)).toEqual([]);
    expect(await admin.get(`${key}x:not_its_own`)).toBe('v');
    await admin.del(`${key}x:not_its_own`);
  });

  it('refuses a key that names a user Paved did not create, and never deletes it', async () => {
    await expect(driver.create({ key: 'default', params: {} })).rejects.toMatchObject({ code: 'delivery.driver_conflict' });
    await driver.delete({ username: 'default' });
    expect(await admin.call('ACL', 'WHOAMI')).toBe('default');
    expect(await admin.call('ACL', 'GETUSER', 'default')).not.toBeNull();
  });

  it.each(['', 'Upper', 'a:b', 'a*', '../etc', 'x'.repeat(41)])('refuses the key %j', async (key) => {
    await expect(driver.create({ key, params: {} })).rejects.toMatchObject({ code: 'delivery.driver_invalid_key' });
  });

  it('reports an unreachable server as unavailable, naming the address but not the password', async () => {
    const unreachable = createRedisDriver({ url: 'redis://admin:hunter2secret@127.0.0.1:1' });
    try {
      const error: unknown = await unreachable.create({ key: uniqueKey(), params: {} }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DriverError);
      expect(error).toMatchObject({ code: 'delivery.driver_unavailable' });
      const message = (error as DriverError).message;
      expect(message).toContain('cannot reach the Redis server at 127.0.0.1:1 configured for redis resources: ');
      expect(message).toMatch(/ECONNREFUSED/);
      expect(message).not.toContain('hunter2secret');
      await expect(unreachable.delete({ username: 'gone' })).rejects.toMatchObject({ code: 'delivery.driver_unavailable' });
    } finally {
      await unreachable.close();
    }
  });

  it('connects again after the server dropped its connection', async () => {
    const { outputs } = await create();
    const clientList = String(await admin.call('CLIENT', 'LIST'));
    const driverConnections = [...clientList.matchAll(/^id=(\d+) .*name=paved:redis-driver /gm)];
    expect(driverConnections.length).toBeGreaterThan(0);
    for (const [, id] of driverConnections) await admin.call('CLIENT', 'KILL', 'ID', String(id));

    const again = await create(String(outputs.username));
    expect(await connectAs(again.outputs.url).call('ACL', 'WHOAMI')).toBe(outputs.username);
  });
});
