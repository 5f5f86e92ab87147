import { readLocation } from '../ingestion/read-location.js';
import type { LocationSpec, ReaderOptions } from '../ingestion/types.js';
import { jsonPathSegments } from '../model/validate-entity.js';
import type { LocationProblem } from '../store/location-store.js';
import type { ProcessedEntity } from '../store/write-entities.js';
import { processEntity } from './process-entity.js';

/** One file of a location, read and validated: plain data, so it can cross threads. */
export interface ProcessedFile {
  /** `file:/abs/path` or `url:https://…`. */
  fileKey: string;
  /** The file could not be read or parsed as a whole; what it held before must be kept. */
  failed: boolean;
  /** Read errors, then one problem per invalid document, each with its line. */
  problems: LocationProblem[];
  /** Refs of invalid documents whose ref could be told: their last valid version stays. */
  invalidRefs: string[];
  entities: { processed: ProcessedEntity; document: number; line: number }[];
}

export function locationKeyOf(spec: LocationSpec): string {
  return `${spec.type}:${spec.target}`;
}

/** Reads a location's tree file by file and validates every document; stores nothing. */
export async function* processFiles(root: LocationSpec, reader: ReaderOptions): AsyncGenerator<ProcessedFile> {
  const originKey = locationKeyOf(root);
  for await (const file of readLocation(root, reader)) {
    const fileKey = locationKeyOf(file.location);
    const processed: ProcessedFile = { fileKey, failed: file.failed, problems: [], invalidRefs: [], entities: [] };
    for (const error of file.errors) {
      processed.problems.push({
        code: error.code,
        message: error.message,
        file: fileKey,
        ...(error.document !== undefined ? { document: error.document } : {}),
        ...(error.line !== undefined ? { line: error.line } : {}),
        ...(error.path !== undefined ? { path: error.path } : {}),
      });
    }
    for (const read of file.entities) {
      const result = await processEntity(read.entity, { locationKey: fileKey, originKey });
      if (result.ok) {
        processed.entities.push({ processed: result.processed, document: read.document, line: read.line });
        continue;
      }
      if (result.ref) processed.invalidRefs.push(result.ref);
      processed.problems.push({
        code: 'catalog.entity_invalid',
        message: `${fileKey} document ${read.document}${result.ref ? ` (${result.ref})` : ''}: ${result.problem.message}`,
        file: fileKey,
        document: read.document,
        line: read.lineOf(jsonPathSegments(result.problem.path)) ?? read.line,
        ...(result.problem.path ? { path: result.problem.path } : {}),
        ...(result.ref ? { entityRef: result.ref } : {}),
      });
    }
    yield processed;
  }
}
