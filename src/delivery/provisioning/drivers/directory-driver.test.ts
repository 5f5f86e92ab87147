import { mkdtemp, mkdir, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResourceDriver } from './driver.js';
import { createDirectoryDriver } from './directory-driver.js';

describe('directory driver', () => {
  let scratch: string;
  let root: string;
  let driver: ResourceDriver;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'paved-directory-driver-'));
    root = path.join(scratch, 'volumes');
    driver = createDirectoryDriver({ root });
  });
  afterAll(async () => {
    await driver.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('creates a directory only its owner may enter, named by the key', async () => {
    const { state, outputs, secretOutputs } = await driver.create({ key: 'dev_checkout_data', params: {} });

    expect(outputs).toEqual({ source: 'dev_checkout_data', path: path.join(root, 'dev_checkout_data') });
    expect(path.isAbsolute(String(outputs.path))).toBe(true);
    expect(secretOutputs).toEqual([]);
    expect(state).toEqual({ key: 'dev_checkout_data' });
    const created = await stat(String(outputs.path));
    expect(created.isDirectory()).toBe(true);
    expect(created.mode & 0o777).toBe(0o700);
  });

  it('keeps the directory and its files when created again', async () => {
    const first = await driver.create({ key: 'kept', params: {} });
    await writeFile(path.join(String(first.outputs.path), 'data.txt'), 'kept');

    const second = await driver.create({ key: 'kept', params: {} });

    expect(second).toEqual(first);
    expect(await readdir(String(second.outputs.path))).toEqual(['data.txt']);
  });

  it('removes the directory with its contents, and a second delete is fine', async () => {
    const { state, outputs } = await driver.create({ key: 'removed', params: {} });
    await mkdir(path.join(String(outputs.path), 'nested'));
    await writeFile(path.join(String(outputs.path), 'nested', 'file'), 'x');

    await driver.delete(state);
    await driver.delete(state);

    expect(await readdir(root)).not.toContain('removed');
  });

  it('refuses a symbolic link in place of the directory, and deleting removes only the link', async () => {
    const outside = path.join(scratch, 'outside');
    await mkdir(outside);
    await writeFile(path.join(outside, 'precious'), 'x');
    await mkdir(root, { recursive: true });
    await symlink(outside, path.join(root, 'planted'));

    await expect(driver.create({ key: 'planted', params: {} })).rejects.toMatchObject({ code: 'delivery.driver_conflict' });
    await driver.delete({ key: 'planted' });

    expect(await readdir(outside)).toEqual(['precious']);
    expect(await readdir(root)).not.toContain('planted');
  });

  it.each(['', '..', '../outside', 'a/b', '/etc', 'Upper', 'x'.repeat(41)])('refuses the key %j', async (key) => {
    await expect(driver.create({ key, params: {} })).rejects.toMatchObject({ code: 'delivery.driver_invalid_key' });
    await expect(driver.delete({ key })).rejects.toMatchObject({ code: 'delivery.driver_invalid_key' });
  });
});
