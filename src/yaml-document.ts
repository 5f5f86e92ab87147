import { LineCounter, isMap, isSeq, parseDocument } from 'yaml';

/** A YAML file read as data, keeping where each value was written. */
export type ParsedYaml =
  | { ok: true; value: unknown; lineOf(path: readonly PropertyKey[]): number | undefined }
  | { ok: false; problems: { message: string; path: string; line?: number }[] };

/**
 * Parses one YAML document with alias limits, and returns a lookup from a JSON path (as
 * validators report it) to the line it sits on, so errors can say where to look.
 */
export function parseYamlWithLines(text: string, options: { maxAliasCount?: number } = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true });
  if (document.errors.length > 0) {
    return { ok: false, problems: document.errors.map((error) => ({ message: error.message.split('\n')[0]!, path: '', line: error.linePos?.[0]?.line })) };
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: options.maxAliasCount ?? 50 });
  } catch (error) {
    return { ok: false, problems: [{ message: (error as Error).message, path: '' }] };
  }
  const lineOf = (path: readonly PropertyKey[]) => {
    let node: unknown = document.contents;
    let found: number | undefined = lineCounter.linePos((document.contents as { range?: [number] } | null)?.range?.[0] ?? 0).line;
    for (const key of path) {
      if (isMap(node)) node = node.get(key as string, true);
      else if (isSeq(node)) node = node.get(Number(key), true);
      else break;
      const offset = (node as { range?: [number] } | undefined)?.range?.[0];
      if (offset === undefined) break;
      found = lineCounter.linePos(offset).line;
    }
    return found;
  };
  return { ok: true, value, lineOf };
}
