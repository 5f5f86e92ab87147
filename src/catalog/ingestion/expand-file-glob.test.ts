import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandFileGlob, isGlob } from './expand-file-glob.js';

const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paved-glob-')));
const root = path.join(base, 'root');
const outside = path.join(base, 'outside');
const files = [
  'catalog-info.yaml',
  'components/a.yaml',
  'components/b.yaml',
  'components/c.json',
  'components/.hidden.yaml',
  'components/deep/d.yaml',
  'services/x/catalog-info.yaml',
  'services/y/z/catalog-info.yaml',
  '.git/catalog-info.yaml',
];
for (const file of files) {
  fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  fs.writeFileSync(path.join(root, file), 'kind: A\n');
}
fs.mkdirSync(outside);
fs.writeFileSync(path.join(outside, 'catalog-info.yaml'), 'kind: Secret\n');
fs.symlinkSync(outside, path.join(root, 'services', 'linked'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const expand = async (pattern: string) => {
  const expansion = await expandFileGlob(path.join(root, pattern), [root]);
  return expansion.ok ? expansion.files.map((file) => path.relative(root, file)) : expansion;
};

describe('expandFileGlob', () => {
  it('matches * within one directory, sorted, skipping dot files', async () => {
    expect(await expand('components/*.yaml')).toEqual(['components/a.yaml', 'components/b.yaml']);
  });

  it('matches ** across directories, without entering dot directories or symlinked directories', async () => {
    expect(await expand('**/catalog-info.yaml')).toEqual([
      'catalog-info.yaml',
      'services/x/catalog-info.yaml',
      'services/y/z/catalog-info.yaml',
    ]);
  });

  it('matches {a,b} alternatives and ?', async () => {
    expect(await expand('components/*.{yaml,json}')).toEqual(['components/a.yaml', 'components/b.yaml', 'components/c.json']);
    expect(await expand('components/?.yaml')).toEqual(['components/a.yaml', 'components/b.yaml']);
  });

  it('matches dot files when the pattern asks for them', async () => {
    expect(await expand('components/.*.yaml')).toEqual(['components/.hidden.yaml']);
  });

  it('returns nothing for a glob under a missing directory', async () => {
    expect(await expand('nowhere/*.yaml')).toEqual([]);
  });

  it('refuses a glob that starts outside the roots, including by ../', async () => {
    expect(await expand('../outside/*.yaml')).toMatchObject({ ok: false, code: 'catalog.location_file_outside_roots' });
    expect(await expandFileGlob('/**/catalog-info.yaml', [root])).toMatchObject({ ok: false });
  });

  it('refuses a glob whose fixed part is a symlink leading out of the roots', async () => {
    expect(await expand('services/linked/*.yaml')).toMatchObject({ ok: false, code: 'catalog.location_file_outside_roots' });
  });
});

describe('isGlob', () => {
  it('recognises glob characters', () => {
    expect(isGlob('./components/*.yaml')).toBe(true);
    expect(isGlob('./**/catalog-info.yaml')).toBe(true);
    expect(isGlob('./components/a.yaml')).toBe(false);
  });
});
