import { InvalidInputError } from '../../errors.js';
import { parseDescriptors } from '../ingestion/parse-descriptors.js';
import type { ReadEntity } from '../ingestion/types.js';

/** One descriptor of a push request, numbered and located like a document of a file. */
export type SubmittedDocument = Pick<ReadEntity, 'entity' | 'document' | 'line' | 'lineOf'>;

const MAX_DOCUMENTS = 1000;

/**
 * Reads the descriptors of a push request: YAML text (one or more documents), one JSON object,
 * an array of objects, or `{ entities: [...] }`. Errors name the document and the line.
 */
export function parseDescriptorText(body: unknown): SubmittedDocument[] {
  if (typeof body === 'string') return parseYamlText(body);
  const items = Array.isArray(body) ? body : isRecord(body) && Array.isArray(body.entities) ? body.entities : [body];
  if (items.length > MAX_DOCUMENTS) throw tooMany(items.length);
  return items.map((entity: unknown, index) => {
    if (!isRecord(entity)) {
      throw new InvalidInputError('catalog.document_not_object', `Descriptor ${index + 1} is not an object`, { document: index + 1 });
    }
    return { entity, document: index + 1, line: 1, lineOf: () => undefined };
  });
}

function parseYamlText(text: string): SubmittedDocument[] {
  const parsed = parseDescriptors(text, { type: 'file', target: 'request.yaml' }, MAX_DOCUMENTS);
  const [first] = parsed.problems;
  if (first) {
    const where = [first.document && `Document ${first.document}`, first.line && `line ${first.line}`].filter(Boolean).join(', ');
    throw new InvalidInputError(first.code, `${where ? `${where}: ` : ''}${first.detail}`, {
      ...(first.document ? { document: first.document } : {}),
      ...(first.line ? { line: first.line } : {}),
      problems: parsed.problems.map(({ detail, ...rest }) => ({ ...rest, message: detail })),
    });
  }
  return parsed.entities;
}

function tooMany(count: number): InvalidInputError {
  return new InvalidInputError('catalog.too_many_documents', `${count} descriptors in one request; at most ${MAX_DOCUMENTS}`, {
    hint: 'Register a location for large sets of descriptors.',
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
