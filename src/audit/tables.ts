import type { Generated, Insertable, Selectable } from 'kysely';

export interface AuditEventsTable {
  id: Generated<number>;
  occurred_at: string;
  /** Entity ref of the user who acted, or `system` for background work. */
  actor: string;
  /** Dotted verb, e.g. `catalog.entity.delete`. */
  action: string;
  /** What was acted on, e.g. an entity ref or `location:<id>`. */
  target: string;
  /** JSON object with whatever else explains the change; never secrets. */
  details: string;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
}

export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
