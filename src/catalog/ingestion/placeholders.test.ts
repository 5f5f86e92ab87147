import { describe, expect, it } from 'vitest';
import { mayHavePlaceholders, substitutePlaceholders } from './placeholders.js';
import type { ReadOutcome } from './types.js';

const files: Record<string, string> = {
  './openapi.yaml': 'openapi: 3.0.0\ninfo:\n  title: Pets\n',
  './data.json': '{"replicas": 3, "zones": ["a", "b"]}',
  './broken.json': '{"replicas": ',
  './broken.yaml': 'a: [1, 2\nb: 3\n',
  './two.yaml': 'a: 1\n---\nb: 2\n',
};

const read = async (reference: string): Promise<ReadOutcome> =>
  reference in files
    ? { ok: true, text: files[reference] as string }
    : { ok: false, code: 'catalog.location_not_found', detail: `${reference} does not exist` };

describe('substitutePlaceholders', () => {
  it('replaces $text, $json and $yaml anywhere in the document', async () => {
    const document = {
      kind: 'API',
      spec: {
        definition: { $text: './openapi.yaml' },
        deep: [{ config: { $json: './data.json' } }, { parsed: { $yaml: './openapi.yaml' } }],
      },
    };
    const { value, problems } = await substitutePlaceholders(document, read);
    expect(problems).toEqual([]);
    expect(value).toEqual({
      kind: 'API',
      spec: {
        definition: files['./openapi.yaml'],
        deep: [{ config: { replicas: 3, zones: ['a', 'b'] } }, { parsed: { openapi: '3.0.0', info: { title: 'Pets' } } }],
      },
    });
  });

  it('leaves other $ keys alone, as JSON Schema $ref, and does not look inside them', async () => {
    const document = {
      schema: { $ref: '#/definitions/x' },
      mixed: { $text: './openapi.yaml', other: 1 },
      nested: { $schema: 'x', inner: { $text: './openapi.yaml' } },
    };
    const copy = structuredClone(document);
    const { value, problems } = await substitutePlaceholders(document, read);
    expect(problems).toEqual([]);
    expect(value).toEqual(copy);
  });

  it('reports an unreadable reference with the JSON path of the placeholder', async () => {
    const { problems } = await substitutePlaceholders({ spec: { items: ['x', { $text: './missing.md' }] } }, read);
    expect(problems).toEqual([{ path: ['spec', 'items', 1], detail: expect.stringMatching(/\$text \.\/missing\.md could not be read: .*does not exist/) }]);
  });

  it('reports content that does not parse as the placeholder says', async () => {
    const { problems } = await substitutePlaceholders(
      { a: { $json: './broken.json' }, b: { $yaml: './broken.yaml' }, c: { $yaml: './two.yaml' } },
      read,
    );
    expect(problems.map((p) => p.path)).toEqual([['a'], ['b'], ['c']]);
    expect(problems[0]?.detail).toMatch(/not valid JSON/);
    expect(problems[1]?.detail).toMatch(/not valid YAML/);
    expect(problems[2]?.detail).toMatch(/not valid YAML/);
  });

  it('reports a placeholder whose value is not a string', async () => {
    const { problems } = await substitutePlaceholders({ spec: { definition: { $text: 42 } } }, read);
    expect(problems).toEqual([{ path: ['spec', 'definition'], detail: expect.stringMatching(/must be a non-empty string/) }]);
  });

  it('replaces a placeholder under a __proto__ key without changing any prototype', async () => {
    const document = JSON.parse('{"__proto__": {"$json": "./data.json"}}') as Record<string, unknown>;
    await substitutePlaceholders(document, read);
    expect(Object.getPrototypeOf(document)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(document, '__proto__')?.value).toEqual({ replicas: 3, zones: ['a', 'b'] });
  });
});

describe('mayHavePlaceholders', () => {
  it('is false for a file without placeholder words, so its documents are not walked', () => {
    expect(mayHavePlaceholders('kind: Component\nspec:\n  owner: x\n')).toBe(false);
    expect(mayHavePlaceholders('spec:\n  definition:\n    $text: ./api.yaml\n')).toBe(true);
  });
});
