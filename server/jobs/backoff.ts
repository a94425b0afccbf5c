/**
 * Exponential backoff for failed service calls: base × 2^(attempt-1), capped, never sooner than a
 * server's Retry-After.
 */
export function retryDelayMs(attempt: number, baseMs: number, retryAfterMs?: number, capMs = 60 * 60_000): number {
  const exponential = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(exponential, retryAfterMs ?? 0);
}
