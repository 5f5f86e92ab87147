import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDescriptors } from './parse-descriptors.js';
import type { LocationSpec } from './types.js';

const yamlFile: LocationSpec = { type: 'file', target: '/catalog/components/a.yaml' };
const jsonFile: LocationSpec = { type: 'file', target: '/catalog/components/a.json' };

const parseYaml = (text: string, maxEntities = 20_000) => parseDescriptors(text, yamlFile, maxEntities);

describe('parseDescriptors', () => {
  it('returns one entity per document with its 1-based number and the line its content starts on', () => {
    const text = [
      '# leading comment',
      'apiVersion: v1',
      'kind: Component',
      '---',
      '# a comment inside the second document',
      '',
      'kind: Group',
      '--- {kind: User}',
      '---',
      '',
    ].join('\n');
    const { entities, problems, failed } = parseYaml(text);
    expect(problems).toEqual([]);
    expect(failed).toBe(false);
    expect(entities.map((e) => [e.entity.kind, e.document, e.line])).toEqual([
      ['Component', 1, 2],
      ['Group', 2, 7],
      ['User', 3, 8],
    ]);
    expect(entities[0]?.location).toEqual(yamlFile);
  });

  it('skips empty documents, such as a trailing --- or one holding only comments, yet keeps counting them', () => {
    const { entities, problems } = parseYaml('---\n---\n# nothing\n---\nkind: A\n---\n');
    expect(problems).toEqual([]);
    expect(entities.map((e) => [e.entity.kind, e.document, e.line])).toEqual([['A', 3, 5]]);
  });

  it('reports a document that is not a mapping with its number and line, and keeps the others', () => {
    const { entities, problems, failed } = parseYaml('kind: A\n---\n- just\n- a list\n---\nplain words\n---\nkind: B\n');
    expect(entities.map((e) => e.entity.kind)).toEqual(['A', 'B']);
    expect(failed).toBe(false);
    expect(problems).toEqual([
      expect.objectContaining({ code: 'catalog.document_not_object', document: 2, line: 3 }),
      expect.objectContaining({ code: 'catalog.document_not_object', document: 3, line: 6 }),
    ]);
  });

  it('reports a syntax error with document and line, still returns the valid documents, and marks the file failed', () => {
    const text = 'kind: A\n---\nkind: B\nspec:\n  targets: [a, b\n  owner: x\n---\nkind: C\n';
    const { entities, problems, failed } = parseYaml(text);
    expect(entities.map((e) => e.entity.kind)).toEqual(['A', 'C']);
    expect(entities[1]?.document).toBe(3);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'catalog.yaml_invalid', document: 2 });
    expect(problems[0]?.line).toBeGreaterThanOrEqual(5);
    expect(problems[0]?.line).toBeLessThanOrEqual(6);
    expect(failed).toBe(true);
  });

  it('rejects duplicate keys as Backstage does, naming the line of the duplicate', () => {
    const { entities, problems } = parseYaml('kind: A\n---\nkind: B\nmetadata:\n  name: x\n  name: y\n');
    expect(entities.map((e) => e.entity.kind)).toEqual(['A']);
    expect(problems[0]).toMatchObject({ code: 'catalog.yaml_invalid', document: 2, line: 6 });
    expect(problems[0]?.detail).toMatch(/unique/i);
  });

  it('refuses an alias bomb quickly with a clean error instead of expanding it', () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const started = Date.now();
    const { entities, problems, failed } = parseYaml(`kind: Good\n---\n${levels.join('\n')}\n`);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(entities.map((e) => e.entity.kind)).toEqual(['Good']);
    expect(problems).toEqual([expect.objectContaining({ code: 'catalog.yaml_invalid', document: 2, line: 3 })]);
    expect(problems[0]?.detail).toMatch(/alias/);
    expect(failed).toBe(true);
  });

  it('still accepts a few honest anchors and aliases', () => {
    const { entities, problems } = parseYaml('kind: A\nmetadata:\n  tags: &t [x, y]\nspec:\n  tags: *t\n');
    expect(problems).toEqual([]);
    expect(entities[0]?.entity.spec).toEqual({ tags: ['x', 'y'] });
  });

  it('resolves scalars exactly as the yaml package (YAML 1.2 core schema) does', () => {
    const text = [
      'a: 0b101', 'b: +.5', 'c: -0x1', 'd: 0o17', 'e: 0x1F', 'f: yes', 'g: True', 'h: ~', 'i: 2020-01-01',
      'j: 1_000', 'k: 1e3', 'l: 017', 'm: !!str 12', 'n: .inf', 'o: "\\x41"', 'p: 12:30', 'q:',
    ].join('\n');
    const { entities } = parseYaml(text);
    expect(entities[0]?.entity).toEqual(parse(text));
  });

  it('reads a custom tag the way yaml does, instead of failing like js-yaml', () => {
    const { entities, problems } = parseYaml('kind: A\nspec:\n  value: !custom hello\n');
    expect(problems).toEqual([]);
    expect(entities[0]?.entity.spec).toEqual({ value: 'hello' });
  });

  it('reads files with a %YAML directive or ... end markers', () => {
    const { entities, problems } = parseYaml('%YAML 1.2\n---\nkind: A\n...\n---\nkind: B\n');
    expect(problems).toEqual([]);
    expect(entities.map((e) => [e.entity.kind, e.document, e.line])).toEqual([
      ['A', 1, 3],
      ['B', 2, 6],
    ]);
  });

  it('keeps a __proto__ key as plain data without touching any prototype', () => {
    const { entities } = parseYaml('kind: A\n__proto__:\n  polluted: true\n');
    const entity = entities[0]?.entity as Record<string, unknown>;
    expect(Object.getPrototypeOf(entity)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(entity)).toContain('__proto__');
  });

  it('answers lineOf for a path, or for its nearest existing parent', () => {
    const text = [
      'kind: A',
      '---',
      'apiVersion: v1',
      'kind: Component',
      'metadata:',
      '  name: x',
      '  annotations:',
      '    "backstage.io/x": y',
      'spec:',
      '  owner: team-a',
      '  targets:',
      '    - ./a.yaml',
      '    - ./b.yaml',
    ].join('\n');
    const entity = parseYaml(text).entities[1];
    expect(entity?.line).toBe(3);
    expect(entity?.lineOf(['spec', 'owner'])).toBe(10);
    expect(entity?.lineOf(['spec', 'targets', 1])).toBe(13);
    expect(entity?.lineOf(['metadata', 'annotations', 'backstage.io/x'])).toBe(8);
    expect(entity?.lineOf(['spec', 'missing', 'deeper'])).toBe(9);
    expect(entity?.lineOf([])).toBe(3);
  });

  it('answers lineOf for documents that went through the yaml fallback too', () => {
    const entity = parseYaml('kind: A\n---\nkind: B\nspec: &s\n  owner: x\nother: *s\n').entities[1];
    expect(entity?.lineOf(['spec', 'owner'])).toBe(5);
    expect(entity?.lineOf(['other', 'owner'])).toBe(5);
  });

  it('refuses a file with more documents than the limit', () => {
    const result = parseYaml('kind: A\n---\nkind: B\n---\nkind: C\n', 2);
    expect(result.failed).toBe(true);
    expect(result.entities).toEqual([]);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'catalog.location_too_many_entities' })]);
  });

  it('reads a .json file holding one object', () => {
    const { entities } = parseDescriptors('\n{\n  "kind": "A",\n  "spec": {"owner": "x"}\n}\n', jsonFile, 10);
    expect(entities.map((e) => [e.entity.kind, e.document, e.line])).toEqual([['A', 1, 2]]);
    expect(entities[0]?.lineOf(['spec', 'owner'])).toBe(4);
  });

  it('reads a .json array as one document per item, with their lines', () => {
    const text = '[\n  {"kind": "A", "note": "a, [tricky] \\"string\\""},\n  {\n    "kind": "B",\n    "spec": {"owner": "x"}\n  },\n  42\n]';
    const { entities, problems } = parseDescriptors(text, jsonFile, 10);
    expect(entities.map((e) => [e.entity.kind, e.document, e.line])).toEqual([
      ['A', 1, 2],
      ['B', 2, 3],
    ]);
    expect(entities[1]?.lineOf(['spec', 'owner'])).toBe(5);
    expect(problems).toEqual([expect.objectContaining({ code: 'catalog.document_not_object', document: 3, line: 7 })]);
  });

  it('reports malformed JSON with its line and fails the file', () => {
    const result = parseDescriptors('{\n  "kind": "A",\n  oops\n}', jsonFile, 10);
    expect(result.failed).toBe(true);
    expect(result.problems).toEqual([expect.objectContaining({ code: 'catalog.json_invalid', line: 3 })]);
  });

  it('parses a 1000-entity file in well under a second', () => {
    const text = generateEntities(1000);
    const started = performance.now();
    const { entities, problems } = parseYaml(text);
    const elapsed = performance.now() - started;
    expect(problems).toEqual([]);
    expect(entities).toHaveLength(1000);
    expect(entities[999]?.entity).toMatchObject({ metadata: { name: 'service-999' } });
    expect(elapsed).toBeLessThan(1000);
  });
});

export function generateEntities(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    text += `---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: service-${i}
  description: Service number ${i} of the benchmark catalog, with a longer description text.
  annotations:
    github.com/project-slug: acme/service-${i}
    backstage.io/techdocs-ref: dir:.
  tags: [java, backend, tier-${i % 3}]
  links:
    - url: https://example.com/service-${i}?a=1&b=2
      title: Dashboard
spec:
  type: service
  lifecycle: production
  owner: team-${i % 50}
  system: system-${i % 20}
  providesApis: [api-${i}]
  dependsOn: ['component:service-${(i + 1) % count}', 'resource:db-${i % 10}']
`;
  }
  return text;
}
