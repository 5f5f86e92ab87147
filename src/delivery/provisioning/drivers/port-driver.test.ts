import { randomBytes } from 'node:crypto';
import { type Server, createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createPortDriver } from './port-driver.js';

const servers: Server[] = [];

/** A free range of `size` ports: found by binding its first port, which is closed again. */
async function freeRange(size: number): Promise<[number, number]> {
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 40_000);
    const probe = await listenOn(first).catch(() => undefined);
    if (!probe) continue;
    await new Promise((resolve) => probe.close(resolve));
    return [first, first + size - 1];
  }
}

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port }, () => {
      servers.push(server);
      resolve(server);
    });
  });
}

function uniqueKey(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('port driver', () => {
  it('hands out a port of the range on 127.0.0.1 that a server can then listen on', async () => {
    const range = await freeRange(20);
    const driver = createPortDriver({ range, taken: async () => new Set() });

    const { state, outputs, secretOutputs } = await driver.create({ key: uniqueKey(), params: {} });

    expect(outputs.host).toBe('127.0.0.1');
    expect(outputs.port).toBeGreaterThanOrEqual(range[0]);
    expect(outputs.port).toBeLessThanOrEqual(range[1]);
    expect(state.port).toBe(outputs.port);
    expect(secretOutputs).toEqual([]);
    await listenOn(Number(outputs.port));
  });

  it('answers the same port when the same key is created twice', async () => {
    const driver = createPortDriver({ range: await freeRange(20), taken: async () => new Set() });
    const key = uniqueKey();

    const first = await driver.create({ key, params: {} });
    const second = await driver.create({ key, params: {} });

    expect(second).toEqual(first);
  });

  it('never hands out a port that is in use, taken by a resource, or already handed out', async () => {
    const range = await freeRange(4);
    const [first] = range;
    await listenOn(first);
    const driver = createPortDriver({ range, taken: async () => new Set([first + 1]) });

    const ports = await Promise.all([driver.create({ key: uniqueKey(), params: {} }), driver.create({ key: uniqueKey(), params: {} })]);

    expect(ports.map((result) => result.outputs.port).sort()).toEqual([first + 2, first + 3]);
    await expect(driver.create({ key: uniqueKey(), params: {} })).rejects.toMatchObject({ code: 'delivery.driver_exhausted' });
  });

  it('hands a deleted resource’s port out again, and a second delete is fine', async () => {
    const range = await freeRange(1);
    const driver = createPortDriver({ range, taken: async () => new Set() });
    const { state } = await driver.create({ key: uniqueKey(), params: {} });

    await driver.delete(state);
    await driver.delete(state);

    expect((await driver.create({ key: uniqueKey(), params: {} })).outputs.port).toBe(range[0]);
  });

  it('refuses an invalid key and a range outside 1-65535', async () => {
    const driver = createPortDriver({ range: await freeRange(2), taken: async () => new Set() });
    await expect(driver.create({ key: '../x', params: {} })).rejects.toMatchObject({ code: 'delivery.driver_invalid_key' });
    expect(() => createPortDriver({ range: [0, 10], taken: async () => new Set() })).toThrow(/1-65535/);
    expect(() => createPortDriver({ range: [30_000, 20_000], taken: async () => new Set() })).toThrow(/lowest first/);
  });
});
