import type { Kysely } from 'kysely';
import type { Database } from '../../db/database.js';
import type { LocationRow } from '../tables.js';

/** A registered location as the API shows it. */
export interface CatalogLocation {
  id: string;
  type: string;
  target: string;
}

export interface LocationProblem {
  code: string;
  message: string;
  /** The file or URL where the problem is, which may be nested below the registered target. */
  file: string;
  document?: number;
  line?: number;
  path?: string;
  entityRef?: string;
}

/** A location with the state of its last read. */
export interface LocationStatus extends CatalogLocation {
  createdBy: string;
  createdAt: string;
  status: 'pending' | 'ok' | 'error';
  lastReadAt: string | null;
  entityCount: number;
  errors: LocationProblem[];
}

export function locationStatusFromRow(row: LocationRow): LocationStatus {
  return {
    id: row.id,
    type: row.type,
    target: row.target,
    createdBy: row.created_by,
    createdAt: row.created_at,
    status: row.status as LocationStatus['status'],
    lastReadAt: row.last_read_at,
    entityCount: Number(row.entity_count),
    errors: JSON.parse(row.errors) as LocationProblem[],
  };
}

export async function findLocation(db: Kysely<Database>, id: string): Promise<LocationRow | undefined> {
  return db.selectFrom('catalog_locations').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findLocationByTarget(db: Kysely<Database>, type: string, target: string): Promise<LocationRow | undefined> {
  return db.selectFrom('catalog_locations').selectAll().where('type', '=', type).where('target', '=', target).executeTakeFirst();
}

export async function listLocations(db: Kysely<Database>): Promise<LocationRow[]> {
  return db.selectFrom('catalog_locations').selectAll().orderBy('created_at').execute();
}
