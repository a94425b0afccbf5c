/**
 * The server's clock. Every timestamp Gemba records comes from here, never from a client.
 * A controlled clock (tests and acceptance checks only, refused in production by config)
 * can be moved forward, the way Zeebe's controlled clock is.
 */
export interface Clock {
  now(): Date;
  readonly controlled: boolean;
  /** Moves a controlled clock forward; returns the new time. */
  advance(ms: number): Date;
  /** How far a controlled clock runs ahead of the system clock, in ms. */
  offsetMs(): number;
  /** Sets a controlled clock's offset (read from the database, shared by the nodes of a cluster). */
  setOffset(ms: number): void;
}

export function createClock(options: { controlled: boolean; offsetMs?: number }): Clock {
  let offset = options.offsetMs ?? 0;
  return {
    controlled: options.controlled,
    now: () => new Date(Date.now() + offset),
    advance(ms: number) {
      if (!options.controlled) throw new Error('The clock is not controlled');
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('A clock only moves forward');
      offset += ms;
      return new Date(Date.now() + offset);
    },
    offsetMs: () => offset,
    setOffset(ms: number) {
      if (!options.controlled) throw new Error('The clock is not controlled');
      // The shared offset only ever grows; a node never moves its clock back.
      if (Number.isFinite(ms) && ms > offset) offset = ms;
    },
  };
}
