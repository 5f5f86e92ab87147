import type { Entity } from '@backstage/catalog-model';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import { refreshStatistics } from '../../db/refresh-statistics.js';
import type { LocationSpec, ReaderOptions } from '../ingestion/types.js';
import { deleteEntities, writeEntities, type ProcessedEntity } from '../store/write-entities.js';
import type { LocationProblem } from '../store/location-store.js';
import { type Registrant, admissionProblem } from './entity-admission.js';
import { locationKeyOf, processFiles } from './process-files.js';

export interface LocationReadSummary {
  /** The valid entities read, in a dry run only (nothing is stored then). */
  entities?: Entity[];
  added: number;
  updated: number;
  unchanged: number;
  removed: number;
  problems: LocationProblem[];
  entityCount: number;
  /** Set when the registered target itself could not be read at all (as opposed to malformed). */
  rootUnreadable?: LocationProblem;
}

/** Problems that mean a file was never read, as opposed to read and found malformed. */
const MALFORMED_CODES = new Set(['catalog.yaml_invalid', 'catalog.json_invalid']);

const BATCH_SIZE = 5000;
/** Changes after which the query planner's statistics are refreshed. */
const STATISTICS_THRESHOLD = 1000;


/**
 * Reads a location's whole tree and makes the stored entities of `source` match it, batch by
 * batch, so memory stays flat however large the tree is. Entities from a file that could not be
 * read (missing, malformed, refused) are kept as they were; an entity whose new descriptor is
 * invalid keeps its last valid version. Only entities that really left their source are removed.
 * Each entity must be admitted under the location's registrant (`admissionProblem`): one that is
 * not is a problem of the location and is not stored, and a copy stored by an earlier read goes.
 * A dry run reads and validates the same way but stores nothing and returns the entities.
 */
export async function processLocation(
  db: Kysely<Database>,
  location: { id: string } & LocationSpec,
  readerOptions: ReaderOptions,
  registrant: Registrant,
  options: { dryRun?: boolean } = {},
): Promise<LocationReadSummary> {
  const source = `location:${location.id}`;
  const originKey = locationKeyOf(location);
  const summary: LocationReadSummary = { added: 0, updated: 0, unchanged: 0, removed: 0, problems: [], entityCount: 0 };
  const seenRefs = new Set<string>();
  const readFiles = new Set<string>();
  let anyFileFailed = false;
  let batch: ProcessedEntity[] = [];
  const batchFiles = new Map<string, string>();

  const flush = async () => {
    if (batch.length === 0) return;
    if (options.dryRun) {
      (summary.entities ??= []).push(...batch.map((item) => item.entity));
      batch = [];
      return;
    }
    const items = batch;
    batch = [];
    const outcome = await db.transaction().execute((trx) => writeEntities(trx, source, items));
    summary.added += outcome.added.length;
    summary.updated += outcome.updated.length;
    summary.unchanged += outcome.unchanged;
    for (const conflict of outcome.conflicts) {
      summary.problems.push({
        code: 'catalog.entity_conflict',
        message: `${conflict.ref} is already provided by ${conflict.ownedBySource}; this location's copy was ignored. Remove one of the two descriptors, or delete the other source first.`,
        file: batchFiles.get(conflict.ref) ?? originKey,
        entityRef: conflict.ref,
      });
    }
    batchFiles.clear();
  };

  let isRoot = true;
  for await (const file of processFiles(location, readerOptions)) {
    if (file.failed) anyFileFailed = true;
    else readFiles.add(file.fileKey);
    const firstProblem = file.problems[0];
    if (isRoot && file.failed && file.entities.length === 0 && firstProblem && !MALFORMED_CODES.has(firstProblem.code)) {
      summary.rootUnreadable = { code: firstProblem.code, message: firstProblem.message, file: file.fileKey };
    }
    isRoot = false;
    summary.problems.push(...file.problems);
    // Keep the last valid version of an entity whose descriptor went bad.
    for (const ref of file.invalidRefs) seenRefs.add(ref);
    for (const { processed, document, line } of file.entities) {
      if (seenRefs.has(processed.ref)) {
        summary.problems.push({
          code: 'catalog.entity_duplicate',
          message: `${processed.ref} is described twice in this location; the later copy in ${file.fileKey} document ${document} was ignored`,
          file: file.fileKey,
          document,
          line,
          entityRef: processed.ref,
        });
        continue;
      }
      const refused = admissionProblem(processed, registrant);
      if (refused) {
        summary.problems.push({ ...refused, file: file.fileKey, document, line, entityRef: processed.ref });
        continue;
      }
      seenRefs.add(processed.ref);
      batch.push(processed);
      batchFiles.set(processed.ref, file.fileKey);
      if (batch.length >= BATCH_SIZE) await flush();
    }
  }
  await flush();
  if (options.dryRun) {
    summary.entityCount = summary.entities?.length ?? 0;
    return summary;
  }

  // An entity left its source when its file was read fine without it, or when its file is no
  // longer referenced and the whole walk succeeded (otherwise we cannot tell).
  const stored = await db.selectFrom('catalog_entities').select(['entity_id', 'entity_ref', 'location_key']).where('source', '=', source).execute();
  const gone = stored.filter((row) => !seenRefs.has(row.entity_ref) && (readFiles.has(row.location_key) || !anyFileFailed));
  if (gone.length > 0) await db.transaction().execute((trx) => deleteEntities(trx, gone.map((row) => row.entity_id)));
  summary.removed = gone.length;
  summary.entityCount = stored.length - gone.length;
  if (summary.added + summary.updated + summary.removed >= STATISTICS_THRESHOLD) {
    await refreshStatistics(db, ['catalog_entities', 'catalog_search', 'catalog_relations', 'catalog_text']);
  }
  return summary;
}
