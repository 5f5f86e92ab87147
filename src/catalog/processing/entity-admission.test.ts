import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { insideTrustedRoot } from './entity-admission.js';

describe('insideTrustedRoot', () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paved-trusted-')));
  fs.mkdirSync(path.join(root, 'org'));
  fs.mkdirSync(path.join(root, 'org-evil'));
  fs.writeFileSync(path.join(root, 'org', 'people.yaml'), '');
  fs.writeFileSync(path.join(root, 'org-evil', 'people.yaml'), '');
  fs.symlinkSync(path.join(root, 'org-evil', 'people.yaml'), path.join(root, 'org', 'link.yaml'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const file = (target: string) => ({ type: 'file' as const, target });
  const url = (target: string) => ({ type: 'url' as const, target });

  it('trusts files inside a directory root, or the root file itself', () => {
    expect(insideTrustedRoot(file(path.join(root, 'org', 'people.yaml')), [path.join(root, 'org')])).toBe(true);
    expect(insideTrustedRoot(file(path.join(root, 'org', 'people.yaml')), [path.join(root, 'org', 'people.yaml')])).toBe(true);
  });

  it('does not trust a sibling sharing the prefix, nor a link inside the root that points out of it', () => {
    expect(insideTrustedRoot(file(path.join(root, 'org-evil', 'people.yaml')), [path.join(root, 'org')])).toBe(false);
    expect(insideTrustedRoot(file(path.join(root, 'org', 'link.yaml')), [path.join(root, 'org')])).toBe(false);
    expect(insideTrustedRoot(file(path.join(root, 'org', '..', 'org-evil', 'people.yaml')), [path.join(root, 'org')])).toBe(false);
  });

  it('matches URL prefixes at a path segment, and never a file against a URL root or the other way round', () => {
    expect(insideTrustedRoot(url('https://git.example.com/org/people.yaml'), ['https://git.example.com/org'])).toBe(true);
    expect(insideTrustedRoot(url('https://git.example.com/org-evil/people.yaml'), ['https://git.example.com/org'])).toBe(false);
    expect(insideTrustedRoot(url('https://git.example.com.evil.test/org/people.yaml'), ['https://git.example.com/org/'])).toBe(false);
    expect(insideTrustedRoot(file('/org/people.yaml'), ['https://git.example.com/'])).toBe(false);
    expect(insideTrustedRoot(url('https://git.example.com/org/people.yaml'), ['/'])).toBe(false);
  });
});
