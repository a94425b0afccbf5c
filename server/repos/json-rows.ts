/**
 * Rows read back as JSON (`to_jsonb(row)`, `jsonb_agg`) carry their timestamps, the `*_at`
 * columns, as ISO strings: make them Dates again, as the driver gives them for plain columns.
 */
export function revived<T>(rows: unknown[]): T[] {
  return rows.map((row) => revivedRow<T>(row));
}

export function revivedRow<T>(row: unknown): T {
  const copy = { ...(row as Record<string, unknown>) };
  for (const [column, value] of Object.entries(copy)) if (column.endsWith('_at') && typeof value === 'string') copy[column] = new Date(value);
  return copy as T;
}
