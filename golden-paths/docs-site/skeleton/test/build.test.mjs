// Checks the output of `npm run build`: every page in docs/ was built, and every link between
// pages, and to a heading on one, resolves. Build first: the pipeline runs the build, then this.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const docsDir = path.join(root, 'docs');
const siteDir = path.join(root, 'site');

function listFiles(dir, extension) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) return listFiles(path.join(dir, entry.name), extension).map((file) => `${entry.name}/${file}`);
    return entry.name.endsWith(extension) ? [entry.name] : [];
  });
}

before(() => {
  assert.ok(existsSync(siteDir), 'site/ does not exist: run `npm run build` first');
});

test('every page in docs/ is built into site/', () => {
  const missing = listFiles(docsDir, '.md')
    .map((source) => source.replace(/\.md$/, '.html'))
    .filter((page) => !existsSync(path.join(siteDir, page)));
  assert.deepEqual(missing, [], 'pages in docs/ without a built page in site/');
});

test('every internal link resolves to a built page and heading', () => {
  const broken = [];
  for (const page of listFiles(siteDir, '.html')) {
    const html = readFileSync(path.join(siteDir, page), 'utf8');
    for (const [, href] of html.matchAll(/href="([^"]*)"/g)) {
      if (/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(href)) continue;
      const [file, fragment] = href.split('#');
      const target = file ? path.join(siteDir, file.startsWith('/') ? '' : path.dirname(page), file) : path.join(siteDir, page);
      if (!existsSync(target)) broken.push(`${page} → ${href}: no such page`);
      else if (fragment && !readFileSync(target, 'utf8').includes(`id="${fragment}"`)) broken.push(`${page} → ${href}: no such heading`);
    }
  }
  assert.deepEqual(broken, [], 'broken links');
});
