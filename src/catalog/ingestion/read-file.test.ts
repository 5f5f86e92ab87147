import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isInsideRoots, readFileWithinRoots } from './read-file.js';

const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paved-read-file-')));
const root = path.join(base, 'cat');
const sibling = path.join(base, 'catalog-evil');
fs.mkdirSync(path.join(root, 'components'), { recursive: true });
fs.mkdirSync(sibling);
fs.writeFileSync(path.join(root, 'components', 'a.yaml'), 'kind: A\n');
fs.writeFileSync(path.join(sibling, 'secret.yaml'), 'kind: Secret\n');
fs.symlinkSync(path.join(sibling, 'secret.yaml'), path.join(root, 'escape.yaml'));
fs.symlinkSync(path.join(root, 'components', 'a.yaml'), path.join(root, 'inside-link.yaml'));
fs.writeFileSync(path.join(root, 'big.yaml'), 'x'.repeat(2048));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const options = { fileRoots: [root], maxBytes: 1024 };

describe('readFileWithinRoots', () => {
  it('reads a file inside a root', async () => {
    expect(await readFileWithinRoots(path.join(root, 'components', 'a.yaml'), options)).toEqual({ ok: true, text: 'kind: A\n' });
  });

  it('follows a symlink that stays inside the root', async () => {
    expect(await readFileWithinRoots(path.join(root, 'inside-link.yaml'), options)).toMatchObject({ ok: true });
  });

  it('refuses ../ traversal out of the root', async () => {
    const outcome = await readFileWithinRoots(path.join(root, 'components', '..', '..', 'catalog-evil', 'secret.yaml'), options);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_file_outside_roots' });
  });

  it('refuses a sibling directory whose name merely starts with the root name', async () => {
    const roots = { ...options, fileRoots: [path.join(base, 'cat')] };
    const outcome = await readFileWithinRoots(path.join(sibling, 'secret.yaml'), roots);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_file_outside_roots' });
  });

  it('refuses a symlink inside the root that points outside it', async () => {
    const outcome = await readFileWithinRoots(path.join(root, 'escape.yaml'), options);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_file_outside_roots' });
    expect(outcome.ok === false && outcome.detail).toMatch(/symlink/);
  });

  it('does not reveal whether a file outside the roots exists', async () => {
    const missing = await readFileWithinRoots('/definitely/not/here.yaml', options);
    const present = await readFileWithinRoots('/etc/hostname', options);
    expect(missing).toMatchObject({ code: 'catalog.location_file_outside_roots' });
    expect(present).toMatchObject({ code: 'catalog.location_file_outside_roots' });
  });

  it('refuses everything when no root is configured', async () => {
    const outcome = await readFileWithinRoots(path.join(root, 'components', 'a.yaml'), { ...options, fileRoots: [] });
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_file_outside_roots' });
  });

  it('reports a missing file as not found', async () => {
    const outcome = await readFileWithinRoots(path.join(root, 'nope.yaml'), options);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_not_found' });
  });

  it('refuses a file larger than the limit', async () => {
    const outcome = await readFileWithinRoots(path.join(root, 'big.yaml'), options);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_too_large' });
  });

  it('reports a directory as unreadable', async () => {
    const outcome = await readFileWithinRoots(path.join(root, 'components'), options);
    expect(outcome).toMatchObject({ ok: false, code: 'catalog.location_read_failed' });
  });
});

describe('isInsideRoots', () => {
  it('is path-boundary aware', () => {
    expect(isInsideRoots('/srv/cat', ['/srv/cat'])).toBe(true);
    expect(isInsideRoots('/srv/cat/a.yaml', ['/srv/cat'])).toBe(true);
    expect(isInsideRoots('/srv/cat/..a.yaml', ['/srv/cat'])).toBe(true);
    expect(isInsideRoots('/srv/catalog-evil/a.yaml', ['/srv/cat'])).toBe(false);
    expect(isInsideRoots('/srv/a.yaml', ['/srv/cat'])).toBe(false);
    expect(isInsideRoots('/anything', ['/'])).toBe(true);
  });
});
