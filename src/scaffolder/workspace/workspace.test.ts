import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskWorkspace } from './disk-workspace.js';
import { MemoryWorkspace } from './memory-workspace.js';
import type { Workspace } from './workspace.js';

const limits = { maxBytes: 1000, maxFiles: 3 };
const makers: [string, () => Workspace][] = [
  ['on disk', () => new DiskWorkspace(fs.mkdtempSync(path.join(os.tmpdir(), 'paved-ws-')), limits)],
  ['in memory', () => new MemoryWorkspace(limits)],
];

describe.each(makers)('a workspace %s', (_, make) => {
  it('writes, keeps existing files unless told to overwrite, renames folders and removes them', async () => {
    const workspace = make();
    expect(await workspace.writeFile('a/b.txt', 'one', { what: 'w', overwrite: false })).toBe(true);
    expect(await workspace.writeFile('./a//b.txt', 'two', { what: 'w', overwrite: false })).toBe(false);
    expect((await workspace.readFile('a/b.txt', 'r')).toString()).toBe('one');
    await workspace.writeFile('a/c.sh', 'run', { what: 'w', mode: 0o755, overwrite: true });
    await workspace.rename('a', 'z/y', { from: 'f', to: 't' });
    expect(await workspace.listFiles()).toEqual(['z/y/b.txt', 'z/y/c.sh']);
    expect(await workspace.exists('z', 'e')).toBe(true);
    expect((await workspace.serialize()).map((entry) => [entry.path, entry.executable])).toEqual([['z/y/b.txt', false], ['z/y/c.sh', true]]);
    await workspace.remove('z/y', 'rm');
    expect(await workspace.listFiles()).toEqual([]);
  });

  it('refuses paths outside it, naming the field', async () => {
    const workspace = make();
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:\\x']) {
      await expect(workspace.writeFile(bad, 'x', { what: 'input.targetPath', overwrite: true }), bad).rejects.toMatchObject({ code: 'scaffolder.path_outside_workspace', details: { path: 'input.targetPath' } });
    }
  });

  it('refuses to grow past its limits', async () => {
    const workspace = make();
    await workspace.writeFile('big', 'x'.repeat(1001), { what: 'w', overwrite: true });
    await expect(workspace.checkLimits()).rejects.toThrow('The template wrote 1001 bytes; the limit is 1000');
    for (const name of ['a', 'b', 'c']) await workspace.writeFile(name, '', { what: 'w', overwrite: true });
    await expect(workspace.checkLimits()).rejects.toThrow('The template wrote 4 files; the limit is 3');
  });
});

describe('a workspace on disk', () => {
  it('refuses to write through a link that leads outside it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-ws-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-outside-'));
    fs.symlinkSync(outside, path.join(root, 'link'));
    const workspace = new DiskWorkspace(root, limits);
    await expect(workspace.writeFile('link/escaped.txt', 'x', { what: 'input.targetPath', overwrite: true })).rejects.toThrow('goes through a link that leads outside the workspace');
    expect(fs.readdirSync(outside)).toEqual([]);
    await expect(workspace.listFiles()).rejects.toMatchObject({ code: 'scaffolder.symlink_refused' });
  });
});
