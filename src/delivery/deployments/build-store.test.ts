import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createBuildStore } from './build-store.js';

const run = promisify(execFile);

describe('the build store', () => {
  it('replaces a build of the same commit without pulling it from under a process running in it, and sweeps the old one at start', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-builds-'));
    const job = (content: string) => {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'paved-job-'));
      fs.writeFileSync(path.join(folder, 'version.txt'), content);
      return folder;
    };
    const builds = createBuildStore(root);
    const first = await builds.saveFrom('team-a/shop', 'c1', job('first'));
    // An instance of the first build: it reads its files after the build was replaced.
    const instance = run('sh', ['-c', 'sleep 0.5 && cat version.txt'], { cwd: first });
    await builds.saveFrom('team-a/shop', 'c1', job('second'));
    const { stdout } = await instance;
    expect(stdout).toBe('first');
    expect(fs.readFileSync(path.join(builds.folderOf('team-a/shop', 'c1'), 'version.txt'), 'utf8')).toBe('second');

    expect(await builds.sweepRetired()).toBe(1);
    expect(fs.readdirSync(path.join(root, 'team-a', 'shop'))).toEqual(['c1']);
    expect(fs.readFileSync(path.join(builds.folderOf('team-a/shop', 'c1'), 'version.txt'), 'utf8')).toBe('second');
  });
});
