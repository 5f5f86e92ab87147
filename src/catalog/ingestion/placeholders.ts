import { load } from 'js-yaml';
import { parseDocument } from 'yaml';
import type { ReadOutcome } from './types.js';
import { coreSchema } from './yaml-core-schema.js';

/** Reads a placeholder's reference, relative to the file holding it, under that file's rules. */
export type ReferenceReader = (reference: string) => Promise<ReadOutcome>;

export interface PlaceholderProblem {
  path: (string | number)[];
  detail: string;
}

type Decode = (text: string) => { value: unknown } | { error: string };

const decoders: Record<string, Decode> = {
  $text: (text) => ({ value: text }),
  $json: (text) => {
    try {
      return { value: JSON.parse(text) };
    } catch (cause) {
      return { error: `is not valid JSON (${(cause as Error).message})` };
    }
  },
  $yaml: decodeYaml,
};

/** Cheap test on a whole file: without these words no document in it needs a walk. */
export function mayHavePlaceholders(text: string): boolean {
  return text.includes('$text') || text.includes('$json') || text.includes('$yaml');
}

/**
 * Replaces, in place and at any depth, each mapping whose only key is `$text`, `$json` or `$yaml`
 * by the referenced content: the text itself, or its parsed JSON or YAML. As in Backstage, other
 * mappings with `$` keys (JSON Schema's `$ref`, say) are left alone, children included, and
 * substituted content is not searched for further placeholders. Returns the new document root
 * and one problem per placeholder that could not be substituted (which is then left as it was).
 */
export async function substitutePlaceholders(
  root: unknown,
  read: ReferenceReader,
): Promise<{ value: unknown; problems: PlaceholderProblem[] }> {
  const problems: PlaceholderProblem[] = [];
  const path: (string | number)[] = [];

  const visit = async (node: unknown): Promise<unknown> => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        node[i] = await visit(node[i]);
        path.pop();
      }
      return node;
    }
    if (typeof node !== 'object' || node === null) return node;
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    if (keys.some((key) => key.startsWith('$'))) {
      const key = keys[0] as string;
      const decode = decoders[key];
      return keys.length === 1 && decode ? substitute(record, key, decode) : node;
    }
    for (const key of keys) {
      path.push(key);
      const child = record[key];
      const next = await visit(child);
      // Define rather than assign: assigning to an own `__proto__` key would set the prototype.
      if (next !== child) Object.defineProperty(record, key, { value: next, writable: true, enumerable: true, configurable: true });
      path.pop();
    }
    return node;
  };

  const substitute = async (node: Record<string, unknown>, key: string, decode: Decode): Promise<unknown> => {
    const reference = node[key];
    const fail = (detail: string) => {
      problems.push({ path: [...path], detail: `${key} ${detail}` });
      return node;
    };
    if (typeof reference !== 'string' || reference.trim() === '') {
      return fail(`must be a non-empty string naming a file or URL, e.g. { ${key}: ./openapi.yaml }`);
    }
    const outcome = await read(reference);
    if (!outcome.ok) return fail(`${reference} could not be read: ${outcome.detail}`);
    const decoded = decode(outcome.text);
    return 'error' in decoded ? fail(`${reference} ${decoded.error}`) : decoded.value;
  };

  const value = await visit(root);
  return { value, problems };
}

function decodeYaml(text: string): { value: unknown } | { error: string } {
  if (!(text.includes('&') && text.includes('*'))) {
    try {
      return { value: load(text, { schema: coreSchema }) ?? null };
    } catch {
      // `yaml` below gives the error its Backstage wording, or accepts what js-yaml would not.
    }
  }
  try {
    const document = parseDocument(text, { logLevel: 'error' });
    const error = document.errors[0];
    if (error) return { error: `is not valid YAML (${error.message.split('\n')[0]})` };
    return { value: document.toJS({ maxAliasCount: 100 }) ?? null };
  } catch (cause) {
    return { error: `is not valid YAML (${(cause as Error).message})` };
  }
}
