import { load } from 'js-yaml';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { DescriptorEntity, NodeLines } from './descriptor-entity.js';
import type { LocationSpec, Problem } from './types.js';
import { coreSchema } from './yaml-core-schema.js';

export interface ParsedDescriptors {
  entities: DescriptorEntity[];
  problems: Problem[];
  /** The file as a whole is unusable, or a syntax error may have hidden some of its documents. */
  failed: boolean;
}

/** Aliases one document may expand; far above honest use, far below an alias bomb. */
const MAX_ALIASES = 100;

/**
 * Parses a descriptor file into one entity per YAML document (or per item of a JSON array), with
 * 1-based document numbers and lines. Empty documents are skipped; documents that are not
 * mappings, or do not parse, become problems while their neighbours still count.
 *
 * Documents are split at `---` lines and each is read with js-yaml, ten times faster than `yaml`;
 * `yaml` still has the last word on anything js-yaml rejects (so errors read the same as in
 * Backstage), on documents with aliases (which it can bound) and on files with directives.
 */
export function parseDescriptors(text: string, location: LocationSpec, maxEntities: number): ParsedDescriptors {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const parse = /\.json$/i.test(location.type === 'url' ? urlPath(location.target) : location.target)
    ? parseJson
    : parseYaml;
  const parsed = parse(source, location, maxEntities);
  if (parsed.entities.length > maxEntities) return tooMany(maxEntities);
  return parsed;
}

type Parser = (source: string, location: LocationSpec, maxEntities: number) => ParsedDescriptors;

const parseYaml: Parser = (source, location, maxEntities) => {
  if (/^(?:%|\.\.\.(?:[ \t\r\n]|$))/m.test(source)) return parseYamlWhole(source, location);
  const starts: number[] = [];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  for (let match = marker.exec(source); match; match = marker.exec(source)) starts.push(match.index);
  if (starts[0] !== 0) starts.unshift(0);
  if (starts.length > maxEntities + 1) return tooMany(maxEntities);

  const result: ParsedDescriptors = { entities: [], problems: [], failed: false };
  let documentNumber = 0;
  let line = 1;
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    const end = starts[i + 1] ?? source.length;
    if (i > 0) line += countNewlines(source, starts[i - 1] as number, start);
    const text = source.slice(start, end);
    const contentLine = firstContentLine(text);
    const explicit = text.startsWith('---');
    if (!explicit && contentLine === undefined) continue;
    documentNumber++;
    const fast = text.includes('&') && text.includes('*') ? undefined : loadFast(text);
    if (fast) {
      if (fast.value === null || fast.value === undefined) continue;
      const lines = new NodeLines(text, line - 1);
      addDocument(result, fast.value, location, documentNumber, line + (contentLine ?? 0), lines);
      continue;
    }
    const counter = new LineCounter();
    const document = parseDocument(text, { lineCounter: counter, logLevel: 'error' });
    addYamlDocument(result, document, counter, line - 1, location, documentNumber);
  }
  return result;
};

function loadFast(text: string): { value: unknown } | undefined {
  try {
    return { value: load(text, { schema: coreSchema }) };
  } catch {
    return undefined;
  }
}

/** Files with directives or `...` markers: rare, so `yaml` reads them whole. */
function parseYamlWhole(source: string, location: LocationSpec): ParsedDescriptors {
  const result: ParsedDescriptors = { entities: [], problems: [], failed: false };
  const counter = new LineCounter();
  const documents = parseAllDocuments(source, { lineCounter: counter, logLevel: 'error' });
  const list = Array.isArray(documents) ? documents : [];
  list.forEach((document, index) => addYamlDocument(result, document, counter, 0, location, index + 1));
  return result;
}

function addYamlDocument(
  result: ParsedDescriptors,
  document: Document,
  counter: LineCounter,
  lineOffset: number,
  location: LocationSpec,
  documentNumber: number,
): void {
  const contentStart = document.contents?.range?.[0] ?? document.range?.[0] ?? 0;
  const line = counter.linePos(contentStart).line + lineOffset;
  const error = document.errors[0];
  if (error) {
    const position = error.linePos?.[0];
    const message = error.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '');
    result.failed = true;
    result.problems.push({
      code: 'catalog.yaml_invalid',
      detail: `${message}${position ? ` (column ${position.col})` : ''}; fix the YAML syntax`,
      document: documentNumber,
      line: position ? position.line + lineOffset : line,
    });
    return;
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (cause) {
    result.failed = true;
    const aliasBomb = cause instanceof ReferenceError && /alias/i.test(cause.message);
    result.problems.push({
      code: 'catalog.yaml_invalid',
      detail: aliasBomb
        ? `the document expands too many aliases (*name), as an alias bomb does; write the repeated parts out instead`
        : `the document could not be read (${(cause as Error).message})`,
      document: documentNumber,
      line,
    });
    return;
  }
  if (value === null || value === undefined) return;
  addDocument(result, value, location, documentNumber, line, new NodeLines('', lineOffset, { document, counter }));
}

function addDocument(
  result: ParsedDescriptors,
  value: unknown,
  location: LocationSpec,
  documentNumber: number,
  line: number,
  lines: NodeLines,
  prefix: readonly number[] = [],
): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    result.problems.push({
      code: 'catalog.document_not_object',
      detail: `the document is ${Array.isArray(value) ? 'a list' : `a ${typeof value === 'object' ? 'null' : typeof value}`}, but an entity must be a mapping (apiVersion, kind, metadata, spec)`,
      document: documentNumber,
      line,
    });
    return;
  }
  result.entities.push(new DescriptorEntity(value as Record<string, unknown>, location, documentNumber, line, lines, prefix));
}

/** A `.json` file holds one entity object or an array of them. */
const parseJson: Parser = (source, location, maxEntities) => {
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (cause) {
    const position = /position (\d+)/.exec((cause as Error).message)?.[1];
    return {
      entities: [],
      failed: true,
      problems: [
        {
          code: 'catalog.json_invalid',
          detail: `${(cause as Error).message}; fix the JSON syntax`,
          ...(position === undefined ? {} : { line: 1 + countNewlines(source, 0, Number(position)) }),
        },
      ],
    };
  }
  const result: ParsedDescriptors = { entities: [], problems: [], failed: false };
  const lines = new NodeLines(source, 0);
  if (!Array.isArray(value)) {
    addDocument(result, value, location, 1, 1 + countNewlines(source, 0, source.search(/\S/)), lines);
    return result;
  }
  if (value.length > maxEntities) return tooMany(maxEntities);
  const itemLines = jsonArrayItemLines(source);
  value.forEach((item, index) => addDocument(result, item, location, index + 1, itemLines[index] ?? 1, lines, [index]));
  return result;
};

/** The line each item of a top-level JSON array starts on, by a scan that tracks strings and depth. */
function jsonArrayItemLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectItem = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
    } else if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c !== 32 && c !== 9 && c !== 13) {
      if (expectItem && c !== 93) lines.push(line);
      expectItem = false;
      if (c === 34) inString = true;
      else if (c === 91 || c === 123) expectItem = ++depth === 1;
      else if (c === 93 || c === 125) depth--;
      else if (c === 44) expectItem = depth === 1;
    }
  }
  return lines;
}

/** 0-based line, within `text`, of the first line holding YAML content (not a marker, blank or comment). */
function firstContentLine(text: string): number | undefined {
  let position = 0;
  for (let line = 0; position < text.length; line++) {
    const end = text.indexOf('\n', position);
    let content = text.slice(position, end === -1 ? text.length : end).trim();
    if (line === 0 && content.startsWith('---')) content = content.slice(3).trim();
    if (content !== '' && !content.startsWith('#')) return line;
    if (end === -1) break;
    position = end + 1;
  }
  return undefined;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

function tooMany(maxEntities: number): ParsedDescriptors {
  return {
    entities: [],
    failed: true,
    problems: [
      {
        code: 'catalog.location_too_many_entities',
        detail: `the file holds more than ${maxEntities} documents; split it into several files`,
      },
    ],
  };
}

function urlPath(target: string): string {
  try {
    return new URL(target).pathname;
  } catch {
    return target;
  }
}
