import crypto from 'node:crypto';

/**
 * A UUID version 7: a millisecond timestamp followed by random bits. Ids made one after another
 * sort one after another, so every index keyed by them grows at its end instead of splitting
 * pages all over the tree, which keeps bulk inserts fast on both SQLite and PostgreSQL.
 */
export function timeOrderedId(now = Date.now()): string {
  // randomUUID draws from a pooled random buffer, far cheaper per id than randomBytes; its
  // version nibble is swapped for 7 and its first 48 bits for the timestamp.
  const random = crypto.randomUUID();
  const time = now.toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
