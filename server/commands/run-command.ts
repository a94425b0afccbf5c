import type { Knex } from 'knex';
import { describeActor, type Actor, type RequestContext } from '../auth/actor';
import type { AppError } from '../errors/app-error';
import { toStoredJson } from '../events/audit-chain';
import type { EventBus } from '../events/bus';
import type { DomainEvent, PublishedEvent } from '../events/domain-event';
import type { Clock } from '../lib/clock';
import type { Logger } from '../lib/logger';
import { appendAuditEntries } from '../repos/audit-events.repo';

/** What every command needs from the process. */
export type CommandDeps = {
  db: Knex;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Tells this node's job poller that new jobs are due (after commit); absent in tools and seeds. */
  wakeJobs?: () => void;
};

/** What a command receives: its transaction, who acts, one server time, and emit(). */
export type CommandContext = {
  trx: Knex.Transaction;
  actor: Actor;
  request: RequestContext;
  /** The server time of this command; every row it writes carries it. */
  now: Date;
  emit(event: DomainEvent): void;
  /** Runs after a successful commit (never inside the transaction): wake-ups, network calls. */
  afterCommit(task: () => void | Promise<void>): void;
  /** Wakes this node's job poller; call it through afterCommit. */
  wakeJobs?: () => void;
};

/**
 * Thrown by a command whose refusal must itself be recorded: the transaction (with the events
 * emitted so far, e.g. a failed login) commits, then `error` reaches the caller.
 */
export class RejectAfterCommit extends Error {
  constructor(public readonly error: AppError) {
    super(error.message);
    this.name = 'RejectAfterCommit';
  }
}

const RETRYABLE_CODES = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 3;

/**
 * Runs one command in one transaction: the command's writes and the audit entries of the events
 * it emitted commit together or not at all; the events are published only after commit.
 * Serialization failures and deadlocks are retried (commands do no I/O outside the transaction).
 * @throws whatever the command throws; the transaction is then rolled back.
 */
export async function runCommand<T>(
  deps: CommandDeps,
  actor: Actor,
  request: RequestContext,
  command: (ctx: CommandContext) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const events: DomainEvent[] = [];
    const afterCommitTasks: Array<() => void | Promise<void>> = [];
    const now = deps.clock.now();
    let rejection: AppError | undefined;
    try {
      const { result, published } = await deps.db.transaction(async (trx) => {
        let value: T | undefined;
        try {
          value = await command({
            trx,
            actor,
            request,
            now,
            emit: (event) => events.push(event),
            afterCommit: (task) => afterCommitTasks.push(task),
            wakeJobs: deps.wakeJobs,
          });
        } catch (error) {
          if (!(error instanceof RejectAfterCommit)) throw error;
          rejection = error.error;
        }
        const written = await recordEvents(trx, actor, request, now, events);
        return { result: value as T, published: written };
      });
      deps.bus.publish(published);
      for (const task of afterCommitTasks) {
        Promise.resolve()
          .then(task)
          .catch((error) => deps.logger.error({ err: error }, 'after-commit task failed'));
      }
      if (rejection) throw rejection;
      return result;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt < MAX_ATTEMPTS && code && RETRYABLE_CODES.has(code)) {
        deps.logger.warn({ code, attempt }, 'transaction conflict, retrying command');
        continue;
      }
      throw error;
    }
  }
}

async function recordEvents(
  trx: Knex.Transaction,
  actor: Actor,
  request: RequestContext,
  now: Date,
  events: DomainEvent[],
): Promise<PublishedEvent[]> {
  const who = describeActor(actor);
  const requestContext = compact({ ip: request.ip, station: request.station, userAgent: request.userAgent });
  const audited = events.filter((event) => event.audit !== false);
  const written = await appendAuditEntries(
    trx,
    audited.map((event) => ({
      occurredAt: now,
      ...who,
      action: event.type,
      entityType: event.entity.type,
      entityId: event.entity.id,
      before: toStoredJson(event.before),
      after: toStoredJson(event.after),
      reason: event.reason ?? null,
      requestId: request.requestId ?? null,
      context: toStoredJson(nullIfEmpty({ ...requestContext, ...(event.context ?? {}) })),
    })),
  );
  const seqOf = new Map(audited.map((event, index) => [event, written[index].seq]));
  return events.map((event) => ({ ...event, seq: seqOf.get(event) ?? null, occurredAt: now, actorId: who.actorId }));
}

function compact(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Record<string, string>;
}

function nullIfEmpty(record: Record<string, unknown>): Record<string, unknown> | null {
  return Object.keys(record).length ? record : null;
}
