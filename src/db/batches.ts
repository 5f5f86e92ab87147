/**
 * Splits rows into chunks small enough for one INSERT: SQLite allows 32,766 bound parameters
 * per statement and PostgreSQL 65,535, so the chunk size follows from the columns per row.
 */
export function chunkForInsert<T>(rows: readonly T[], columnsPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(30_000 / columnsPerRow));
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += size) chunks.push(rows.slice(start, start + size));
  return chunks;
}

/** Splits values for an `IN (...)` list, for the same parameter limits. */
export function chunkValues<T>(values: readonly T[], size = 10_000): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < values.length; start += size) chunks.push(values.slice(start, start + size));
  return chunks;
}

/** Escapes `%`, `_` and `\` so user text matches literally inside `LIKE ... ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}
