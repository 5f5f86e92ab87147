import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';

export interface AuditEvent {
  id: number;
  occurredAt: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export type NewAuditEvent = Omit<AuditEvent, 'id' | 'occurredAt' | 'details'> & {
  details?: Record<string, unknown>;
};

export interface AuditQuery {
  actor?: string;
  action?: string;
  /** Matches the target exactly, or every target starting with it when it ends in `*`. */
  target?: string;
  since?: string;
  until?: string;
  /** Only events older than this id: the cursor for the next page. */
  before?: number;
  limit: number;
}

/** Appends audit events. Writes go through the caller's transaction when one is given. */
export async function recordAuditEvents(db: Kysely<Database>, events: NewAuditEvent[]): Promise<void> {
  if (events.length === 0) return;
  const now = new Date().toISOString();
  await db
    .insertInto('audit_events')
    .values(
      events.map((event) => ({
        occurred_at: now,
        actor: event.actor,
        action: event.action,
        target: event.target,
        details: JSON.stringify(event.details ?? {}),
      })),
    )
    .execute();
}

/** Newest first, at most `limit` events. */
export async function queryAuditEvents(db: Kysely<Database>, query: AuditQuery): Promise<AuditEvent[]> {
  let select = db.selectFrom('audit_events').selectAll();
  if (query.actor) select = select.where('actor', '=', query.actor);
  if (query.action) select = select.where('action', '=', query.action);
  if (query.target) {
    select = query.target.endsWith('*')
      ? select.where('target', '>=', query.target.slice(0, -1)).where('target', '<', `${query.target.slice(0, -1)}\uffff`)
      : select.where('target', '=', query.target);
  }
  if (query.since) select = select.where('occurred_at', '>=', query.since);
  if (query.until) select = select.where('occurred_at', '<', query.until);
  if (query.before !== undefined) select = select.where('id', '<', query.before);
  const rows = await select.orderBy('id', 'desc').limit(query.limit).execute();
  return rows.map((row) => ({
    id: Number(row.id),
    occurredAt: row.occurred_at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}
