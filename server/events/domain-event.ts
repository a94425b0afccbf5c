/**
 * A fact a command recorded. Every domain event is written to the audit trail in the
 * command's transaction and published to subscribers (socket.io, …) only after commit.
 * Names are `<aggregate>.<pastTense>`.
 */
export type DomainEvent = {
  type: string;
  entity: { type: string; id: string };
  before?: unknown;
  after?: unknown;
  reason?: string;
  /** Extra context for the record: process instance, task, field names… */
  context?: Record<string, unknown>;
  /** Who may receive it live. Without one, the event is not sent over socket.io. */
  audience?: Audience;
  /** The live payload (built by a presenter); defaults to `after`. */
  payload?: unknown;
  /** The socket.io event name, when it differs from the domain event's (e.g. `instance.updated`). */
  broadcastAs?: string;
  /**
   * false for pure notifications that record nothing new (the facts are in other tables or
   * other entries): published after commit, not written to the audit trail.
   */
  audit?: false;
};

export type Audience = { users?: string[]; roles?: string[]; rooms?: string[] };

/** An event as published after commit, with the audit sequence number it was recorded under. */
export type PublishedEvent = DomainEvent & { seq: number | null; occurredAt: Date; actorId: string | null };
