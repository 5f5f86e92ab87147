import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { LocationSpec, ReadEntity } from './types.js';

type JsonPath = readonly (string | number)[];

/**
 * Answers "which line is this JSON path on" for one YAML (or JSON) text. The text is parsed into
 * `yaml` nodes only on the first question: most documents are valid and never asked, and
 * building nodes costs ten times what parsing to plain values does.
 */
export class NodeLines {
  private nodes: { document: Document; counter: LineCounter } | null | undefined;

  constructor(
    private readonly text: string,
    /** Added to a line counted inside `text` to get the line in the file. */
    private readonly lineOffset: number,
    nodes?: { document: Document; counter: LineCounter },
  ) {
    this.nodes = nodes;
  }

  lineOf(path: JsonPath): number | undefined {
    if (this.nodes === undefined) {
      try {
        const counter = new LineCounter();
        this.nodes = { document: parseDocument(this.text, { lineCounter: counter }), counter };
      } catch {
        this.nodes = null;
      }
    }
    if (!this.nodes) return undefined;
    const { document, counter } = this.nodes;
    const lineAt = (node: { range?: [number, number, number] | null } | null | undefined) =>
      node?.range ? counter.linePos(node.range[0]).line + this.lineOffset : undefined;

    let node = document.contents as Node | null;
    let line = lineAt(node);
    for (const key of path) {
      if (isAlias(node)) node = node.resolve(document) ?? null;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
        if (!pair) break;
        line = lineAt(pair.key as Node) ?? line;
        node = pair.value as Node | null;
      } else if (isSeq(node) && typeof key === 'number') {
        const item = node.items[key] as Node | undefined;
        if (!item) break;
        line = lineAt(item) ?? line;
        node = item;
      } else {
        break;
      }
    }
    return line;
  }
}

/** One parsed descriptor document; `lineOf` is answered lazily from the source text. */
export class DescriptorEntity implements ReadEntity {
  constructor(
    public entity: Record<string, unknown>,
    readonly location: LocationSpec,
    readonly document: number,
    readonly line: number,
    private readonly lines: NodeLines,
    /** Where this document sits inside `lines`' text: `[]`, or `[i]` for item i of a JSON array. */
    private readonly prefix: JsonPath = [],
  ) {}

  lineOf(path: JsonPath): number | undefined {
    return this.lines.lineOf(this.prefix.length === 0 ? path : [...this.prefix, ...path]);
  }
}
