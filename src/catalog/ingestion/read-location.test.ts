import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLocation } from './read-location.js';
import type { LocationFileResult, LocationSpec, ReaderOptions } from './types.js';

/** shared/ sits beside the repository, here and in CI. */
const examples = fileURLToPath(
  new URL('../../../../shared/fixtures/backstage/backstage/packages/catalog-model/examples', import.meta.url),
);

async function readAll(root: LocationSpec, options: ReaderOptions): Promise<LocationFileResult[]> {
  const results: LocationFileResult[] = [];
  for await (const result of readLocation(root, options)) results.push(result);
  return results;
}

function countKinds(results: LocationFileResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { entities } of results) {
    for (const { entity } of entities) counts[String(entity.kind)] = (counts[String(entity.kind)] ?? 0) + 1;
  }
  return counts;
}

const errorsOf = (results: LocationFileResult[]) => results.flatMap((result) => result.errors);

/** A temp catalog root; `write` creates files under it. */
function tempCatalog() {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'paved-location-')));
  const root = path.join(base, 'catalog');
  fs.mkdirSync(root);
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
    return path.join(root, file);
  };
  const options: ReaderOptions = { fileRoots: [root], urlAllow: [], maxFileBytes: 100_000, fetchTimeoutMs: 2000 };
  const file = (name: string): LocationSpec => ({ type: 'file', target: path.join(root, name) });
  return { base, root, write, options, file };
}

const location = (...targets: string[]) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  targets:\n${targets.map((t) => `    - ${t}\n`).join('')}`;
const component = (name: string) => `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  owner: team-a\n`;

describe('readLocation on the Backstage example catalog', () => {
  const options: ReaderOptions = { fileRoots: [examples], urlAllow: [], maxFileBytes: 1_000_000, fetchTimeoutMs: 2000 };

  it('reads acme-corp.yaml, then org.yaml, then its seven group files', async () => {
    const results = await readAll({ type: 'file', target: path.join(examples, 'acme-corp.yaml') }, options);
    expect(results.map((r) => path.relative(examples, r.location.target))).toEqual([
      'acme-corp.yaml',
      'acme/org.yaml',
      'acme/infrastructure-group.yaml',
      'acme/boxoffice-group.yaml',
      'acme/backstage-group.yaml',
      'acme/team-a-group.yaml',
      'acme/team-b-group.yaml',
      'acme/team-c-group.yaml',
      'acme/team-d-group.yaml',
    ]);
    expect(countKinds(results)).toEqual({ Location: 2, Group: 8, User: 17 });
    expect(errorsOf(results)).toEqual([]);
    expect(results.every((r) => !r.failed)).toBe(true);
    const org = results[1]?.entities;
    expect(org?.map((e) => [e.entity.kind, e.document, e.line])).toEqual([
      ['Group', 1, 1],
      ['Location', 2, 19],
    ]);
    expect(org?.[1]?.lineOf(['spec', 'targets', 6])).toBe(32);
  });

  it.each([
    ['all-components.yaml', { Location: 1, Component: 13 }, 14],
    ['all-systems.yaml', { Location: 1, System: 3 }, 4],
    ['all-domains.yaml', { Location: 1, Domain: 3 }, 4],
  ])('reads %s', async (file, kinds, files) => {
    const results = await readAll({ type: 'file', target: path.join(examples, file) }, options);
    expect(results).toHaveLength(files);
    expect(countKinds(results)).toEqual(kinds);
    expect(errorsOf(results)).toEqual([]);
  });
});

describe('readLocation on files', () => {
  const catalog = tempCatalog();
  afterAll(() => fs.rmSync(catalog.base, { recursive: true, force: true }));

  it('follows nested, relative targets depth-first, yielding the root first', async () => {
    const { write, options, file, root } = catalog;
    write('nest/a.yaml', location('./sub/b.yaml', './x.yaml'));
    write('nest/sub/b.yaml', `${component('b')}---\n${location('../c.yaml')}`);
    write('nest/c.yaml', component('c'));
    write('nest/x.yaml', component('x'));
    const results = await readAll(file('nest/a.yaml'), options);
    expect(results.map((r) => path.relative(root, r.location.target))).toEqual([
      'nest/a.yaml',
      'nest/sub/b.yaml',
      'nest/c.yaml',
      'nest/x.yaml',
    ]);
    expect(results[1]?.entities.map((e) => [e.entity.kind, e.document, e.location.target])).toEqual([
      ['Component', 1, path.join(root, 'nest/sub/b.yaml')],
      ['Location', 2, path.join(root, 'nest/sub/b.yaml')],
    ]);
    expect(errorsOf(results)).toEqual([]);
  });

  it('uses spec.target as well as spec.targets, and defaults spec.type to the file type', async () => {
    const { write, options, file } = catalog;
    write('single/a.yaml', 'kind: Location\nspec:\n  type: file\n  target: ./b.yaml\n  targets: [./c.yaml]\n');
    write('single/b.yaml', component('b'));
    write('single/c.yaml', component('c'));
    const results = await readAll(file('single/a.yaml'), options);
    expect(countKinds(results)).toEqual({ Location: 1, Component: 2 });
  });

  it('reports a cycle on the document that closes it, naming the chain, and reads each file once', async () => {
    const { write, options, file } = catalog;
    write('cycle/a.yaml', location('./b.yaml'));
    write('cycle/b.yaml', `${component('b')}---\n${location('./a.yaml')}`);
    const results = await readAll(file('cycle/a.yaml'), options);
    expect(results).toHaveLength(2);
    expect(results[0]?.errors).toEqual([]);
    expect(results[1]?.errors).toEqual([
      expect.objectContaining({
        code: 'catalog.location_cycle',
        location: file('cycle/b.yaml'),
        document: 2,
        line: 14,
        path: 'spec.targets[0]',
        message: 'cycle/b.yaml document 2 line 14 (spec.targets[0]): locations form a cycle: cycle/a.yaml -> cycle/b.yaml -> cycle/a.yaml; remove one of these targets',
      }),
    ]);
    expect(results[1]?.failed).toBe(false);
  });

  it('reports a Location pointing at its own file as a cycle', async () => {
    const { write, options, file } = catalog;
    write('self/a.yaml', location('./a.yaml'));
    const results = await readAll(file('self/a.yaml'), options);
    expect(errorsOf(results).map((e) => e.code)).toEqual(['catalog.location_cycle']);
  });

  it('reads a file reached by two branches once, without an error', async () => {
    const { write, options, file } = catalog;
    write('diamond/a.yaml', location('./b.yaml', './c.yaml'));
    write('diamond/b.yaml', location('./d.yaml'));
    write('diamond/c.yaml', location('./d.yaml', './b.yaml'));
    write('diamond/d.yaml', component('d'));
    const results = await readAll(file('diamond/a.yaml'), options);
    expect(results.map((r) => path.basename(r.location.target))).toEqual(['a.yaml', 'b.yaml', 'd.yaml', 'c.yaml']);
    expect(errorsOf(results)).toEqual([]);
  });

  it('yields a failed result for a missing target, saying who referenced it', async () => {
    const { write, options, file } = catalog;
    write('missing/a.yaml', `${component('a')}---\n${location('./gone.yaml')}`);
    const results = await readAll(file('missing/a.yaml'), options);
    expect(results).toHaveLength(2);
    expect(results[1]).toMatchObject({ location: file('missing/gone.yaml'), entities: [], failed: true });
    expect(results[1]?.errors).toEqual([
      expect.objectContaining({
        code: 'catalog.location_not_found',
        message: expect.stringMatching(/^missing\/gone\.yaml: .*does not exist \(referenced by missing\/a\.yaml document 2 line 14 \(spec\.targets\[0\]\)\)$/),
      }),
    ]);
  });

  it('yields one failed result when the root itself is missing, never throwing', async () => {
    const results = await readAll(catalog.file('nope/root.yaml'), catalog.options);
    expect(results).toEqual([
      expect.objectContaining({ failed: true, entities: [], errors: [expect.objectContaining({ code: 'catalog.location_not_found' })] }),
    ]);
  });

  it('refuses targets that leave the roots by ../ or by symlink', async () => {
    const { write, options, file, base } = catalog;
    fs.writeFileSync(path.join(base, 'secret.yaml'), component('secret'));
    fs.writeFileSync(path.join(base, 'other-secret.yaml'), component('other-secret'));
    write('escape/a.yaml', location('../../secret.yaml', './link.yaml'));
    fs.symlinkSync(path.join(base, 'other-secret.yaml'), path.join(catalog.root, 'escape', 'link.yaml'));
    const results = await readAll(file('escape/a.yaml'), options);
    expect(results.slice(1).map((r) => [r.failed, r.errors.map((e) => e.code)])).toEqual([
      [true, ['catalog.location_file_outside_roots']],
      [true, ['catalog.location_file_outside_roots']],
    ]);
    expect(countKinds(results)).toEqual({ Location: 1 });
  });

  it('refuses a root outside the file roots', async () => {
    const results = await readAll({ type: 'file', target: '/etc/hostname' }, catalog.options);
    expect(results[0]?.errors.map((e) => e.code)).toEqual(['catalog.location_file_outside_roots']);
  });

  it('expands glob targets, sorted, and reports a glob matching nothing', async () => {
    const { write, options, file, root } = catalog;
    write('glob/a.yaml', location('./components/*.yaml', './**/catalog-info.yaml', './nothing/*.yaml'));
    write('glob/components/b.yaml', component('b'));
    write('glob/components/a.yaml', component('a'));
    write('glob/components/readme.md', 'not yaml');
    write('glob/svc/one/catalog-info.yaml', component('one'));
    write('glob/svc/two/catalog-info.yaml', component('two'));
    const results = await readAll(file('glob/a.yaml'), options);
    expect(results.map((r) => path.relative(path.join(root, 'glob'), r.location.target))).toEqual([
      'a.yaml',
      'components/a.yaml',
      'components/b.yaml',
      'svc/one/catalog-info.yaml',
      'svc/two/catalog-info.yaml',
    ]);
    expect(results[0]?.errors).toEqual([
      expect.objectContaining({ code: 'catalog.location_not_found', path: 'spec.targets[2]' }),
    ]);
  });

  it('accepts a glob as the root location', async () => {
    const { write, options, root } = catalog;
    write('rootglob/x/catalog-info.yaml', component('x'));
    write('rootglob/y/catalog-info.yaml', component('y'));
    const results = await readAll({ type: 'file', target: path.join(root, 'rootglob/*/catalog-info.yaml') }, options);
    expect(countKinds(results)).toEqual({ Component: 2 });
  });

  it('substitutes placeholders relative to the file, and reports a bad one on its document only', async () => {
    const { write, options, file } = catalog;
    write('ph/docs/openapi.yaml', 'openapi: 3.0.0\n');
    write('ph/values.json', '{"a": 1}');
    write(
      'ph/a.yaml',
      [
        'kind: API',
        'metadata:',
        '  name: pets',
        'spec:',
        '  definition:',
        '    $text: ./docs/openapi.yaml',
        '  parsed:',
        '    $yaml: ./docs/openapi.yaml',
        '  values: {$json: ./values.json}',
        '---',
        'kind: API',
        'metadata:',
        '  name: broken',
        'spec:',
        '  definition:',
        '    $text: ./docs/missing.yaml',
        '---',
        'kind: API',
        'spec:',
        '  definition:',
        '    $text: ../../secret.yaml',
        '',
      ].join('\n'),
    );
    const [result] = await readAll(file('ph/a.yaml'), options);
    expect(result?.failed).toBe(false);
    expect(result?.entities.map((e) => e.entity)).toEqual([
      { kind: 'API', metadata: { name: 'pets' }, spec: { definition: 'openapi: 3.0.0\n', parsed: { openapi: '3.0.0' }, values: { a: 1 } } },
    ]);
    expect(result?.errors).toEqual([
      expect.objectContaining({ code: 'catalog.placeholder_invalid', document: 2, line: 15, path: 'spec.definition' }),
      expect.objectContaining({ code: 'catalog.placeholder_invalid', document: 3, line: 20, path: 'spec.definition' }),
    ]);
    expect(result?.errors[0]?.message).toMatch(/^ph\/a\.yaml document 2 line 15 \(spec\.definition\): \$text \.\/docs\/missing\.yaml could not be read: .*does not exist/);
    expect(result?.errors[1]?.message).toMatch(/outside the catalog file roots/);
  });

  it('returns the valid documents of a malformed file and marks it failed', async () => {
    const { write, options, file } = catalog;
    write('bad/a.yaml', location('./b.yaml'));
    write('bad/b.yaml', `${component('good')}---\nkind: Component\nmetadata:\n  name: [unclosed\n---\n${component('also-good')}`);
    const results = await readAll(file('bad/a.yaml'), options);
    expect(results[1]?.failed).toBe(true);
    expect(results[1]?.entities.map((e) => (e.entity.metadata as { name: string }).name)).toEqual(['good', 'also-good']);
    expect(results[1]?.errors).toEqual([expect.objectContaining({ code: 'catalog.yaml_invalid', document: 2 })]);
    expect(results[1]?.errors[0]?.line).toBeGreaterThanOrEqual(9);
  });

  it('refuses an oversized file', async () => {
    const { write, options, file } = catalog;
    write('large/a.yaml', `kind: Component\nmetadata:\n  description: ${'x'.repeat(2000)}\n`);
    const results = await readAll(file('large/a.yaml'), { ...options, maxFileBytes: 1000 });
    expect(results).toEqual([expect.objectContaining({ failed: true, errors: [expect.objectContaining({ code: 'catalog.location_too_large' })] })]);
  });

  it('stops at the nesting limit, reporting it on the referencing document', async () => {
    const { write, options, file } = catalog;
    write('deep/a.yaml', location('./b.yaml'));
    write('deep/b.yaml', location('./c.yaml'));
    write('deep/c.yaml', location('./d.yaml'));
    write('deep/d.yaml', component('d'));
    const results = await readAll(file('deep/a.yaml'), { ...options, maxDepth: 2 });
    expect(results.map((r) => path.basename(r.location.target))).toEqual(['a.yaml', 'b.yaml', 'c.yaml']);
    expect(results[2]?.errors).toEqual([expect.objectContaining({ code: 'catalog.location_too_deep', path: 'spec.targets[0]' })]);
  });

  it('reports malformed Location specs with their paths', async () => {
    const { write, options, file } = catalog;
    write('malformed/a.yaml', 'kind: Location\nspec:\n  targets: [./ok.yaml, 42]\n---\nkind: Location\nspec:\n  type: github-discovery\n  target: x\n---\nkind: Location\nspec: {}\n');
    write('malformed/ok.yaml', component('ok'));
    const results = await readAll(file('malformed/a.yaml'), options);
    expect(results).toHaveLength(2);
    expect(results[0]?.errors.map((e) => [e.code, e.document, e.path])).toEqual([
      ['catalog.location_target_invalid', 1, 'spec.targets[1]'],
      ['catalog.location_type_unsupported', 2, 'spec.type'],
      ['catalog.location_target_invalid', 3, 'spec'],
    ]);
  });
});

describe('readLocation on URLs', () => {
  let server: http.Server;
  let origin: string;
  const catalog = tempCatalog();
  const pages: Record<string, string> = {
    '/catalog/root.yaml': [
      'kind: Location',
      'spec:',
      '  targets:',
      '    - ./child.yaml',
      '    - ./child.yaml#again',
      '---',
      'kind: Location',
      'spec:',
      '  type: file',
      '  target: /etc/passwd',
      '',
    ].join('\n'),
    '/catalog/child.yaml': 'kind: API\nspec:\n  definition:\n    $text: ../docs/api.yaml\n  local:\n    $text: file:///etc/hostname\n',
    '/docs/api.yaml': 'openapi: 3.0.0\n',
  };

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const page = pages[request.url ?? ''];
      if (page === undefined) response.writeHead(404).end();
      else response.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(catalog.base, { recursive: true, force: true });
  });

  it('refuses a loopback URL location unless its host is allowed', async () => {
    const results = await readAll({ type: 'url', target: `${origin}/catalog/root.yaml` }, catalog.options);
    expect(results).toEqual([
      expect.objectContaining({ failed: true, errors: [expect.objectContaining({ code: 'catalog.location_url_refused' })] }),
    ]);
  });

  it('follows relative URL targets once, never reads local files for a remote document, and resolves placeholders against the URL', async () => {
    const options = { ...catalog.options, urlAllow: ['127.0.0.1'] };
    const results = await readAll({ type: 'url', target: `${origin}/catalog/root.yaml` }, options);
    expect(results.map((r) => r.location)).toEqual([
      { type: 'url', target: `${origin}/catalog/root.yaml` },
      { type: 'url', target: `${origin}/catalog/child.yaml` },
    ]);
    expect(results[0]?.errors).toEqual([
      expect.objectContaining({ code: 'catalog.location_type_mismatch', document: 2, line: 10, path: 'spec.target' }),
    ]);
    expect(results[0]?.errors[0]?.message).toMatch(new RegExp(`^${origin}/catalog/root.yaml document 2 line 10`));
    expect(results[1]?.entities).toEqual([]);
    expect(results[1]?.errors).toEqual([
      expect.objectContaining({ code: 'catalog.placeholder_invalid', path: 'spec.local', message: expect.stringMatching(/only http: and https:/) }),
    ]);
  });

  it('reads a URL target from a file location', async () => {
    const { write, options, file } = catalog;
    write('a.yaml', `kind: Location\nspec:\n  type: url\n  target: ${origin}/docs/api.yaml\n`);
    const results = await readAll(file('a.yaml'), { ...options, urlAllow: ['127.0.0.1'] });
    expect(results.map((r) => r.location.type)).toEqual(['file', 'url']);
    expect(results[1]?.entities.map((e) => e.entity)).toEqual([{ openapi: '3.0.0' }]);
  });
});
