import type { ConnectorInvoker } from '../adapters/http/connector-invoker';
import { ConnectorBpmnError, ConnectorFailedError, ConnectorRetryableError } from '../adapters/http/connector-port';
import { systemActor } from '../auth/actor';
import { runCommand, type CommandDeps } from '../commands/run-command';
import { claimDueOutboxMessages, findOutboxMessageForUpdate, nextOutboxAttemptAt, updateOutboxMessage, type OutboxMessage } from '../isa95/outbox.repo';
import { retryDelayMs } from './backoff';
import { PollingLoop } from './polling-loop';

const actor = systemActor('outbox');
// A configuration a person can fix (connector missing, disabled, secrets unreadable) is worth
// retrying; an answer the receiver gave for this very message (4xx, a mapped error) is not.
const FIXABLE_FAILURES = new Set(['unknown_connector', 'disabled', 'configuration']);

export type OutboxDispatcherDeps = CommandDeps & {
  invoker: ConnectorInvoker;
  /** This node's identity, written as the lease owner of the messages it delivers. */
  nodeId: string;
};

export type OutboxDispatcherOptions = {
  /** How long to sleep when nothing is due (ms). */
  intervalMs: number;
  /** How long a claimed message is this node's before another node may deliver it (ms). */
  leaseMs: number;
  /** The first retry's delay; each further one doubles (ms). */
  backoffMs: number;
  batchSize?: number;
};

type Outcome = { kind: 'delivered'; output: Record<string, unknown>; status: number } | { kind: 'retry'; error: string; retryAfterMs?: number } | { kind: 'dead'; error: string };

/**
 * Delivers the outbox (I04): claims due messages with `FOR UPDATE SKIP LOCKED` and a lease,
 * calls each one's connector operation outside any transaction with the message id as the
 * idempotency key, then records the outcome in a transaction of its own. At least once: a node
 * that dies mid-call loses its lease and another node delivers the message again (the receiver
 * deduplicates by the key). Failures back off exponentially; after the last attempt, or at once
 * for an answer that repeating cannot change, the message is dead-lettered for a person to look
 * at (and re-queue). Wakes when a message is enqueued or re-queued on this node.
 */
export class OutboxDispatcher {
  private readonly loop: PollingLoop;
  private unsubscribe?: () => void;

  constructor(
    private readonly deps: OutboxDispatcherDeps,
    private readonly options: OutboxDispatcherOptions,
  ) {
    this.loop = new PollingLoop({
      name: 'outbox delivery round',
      logger: deps.logger,
      intervalMs: options.intervalMs,
      minSleepMs: 25,
      now: () => deps.clock.now(),
      round: () => this.claimAndDeliver(),
      nextDueAt: () => nextOutboxAttemptAt(deps.db),
    });
  }

  start(): void {
    this.unsubscribe ??= this.deps.bus.subscribe((event) => {
      if (event.type === 'outboxMessage.enqueued' || event.type === 'outboxMessage.requeued') this.wake();
    });
    this.loop.start();
  }

  /** Stops after the message in hand. */
  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    await this.loop.stop();
  }

  wake(): void {
    this.loop.wake();
  }

  /** Delivers every message due now, round after round, then resolves with how many were tried. */
  async drain(maxRounds = 50): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const tried = await this.deliverDue();
      total += tried;
      if (tried === 0) break;
    }
    return total;
  }

  /** Claims one batch of due messages and delivers them one by one; returns how many. */
  deliverDue(): Promise<number> {
    return this.loop.runRound();
  }

  private async claimAndDeliver(): Promise<number> {
    const messages = await claimDueOutboxMessages(this.deps.db, {
      owner: this.deps.nodeId,
      now: this.deps.clock.now(),
      leaseMs: this.options.leaseMs,
      limit: this.options.batchSize ?? 10,
    });
    for (const message of messages) {
      const outcome = await this.call(message);
      await this.record(message, outcome).catch((error) =>
        this.deps.logger.error({ err: error, outboxId: message.id }, 'recording an outbox delivery failed; the message is delivered again when its lease expires'),
      );
    }
    return messages.length;
  }

  private async call(message: OutboxMessage): Promise<Outcome> {
    try {
      const result = await this.deps.invoker.invoke({ target: message.target, variables: message.variables, idempotencyKey: message.id });
      return { kind: 'delivered', output: result.output, status: result.status };
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      if (error instanceof ConnectorRetryableError) return { kind: 'retry', error: text, retryAfterMs: error.retryAfterMs };
      if (error instanceof ConnectorFailedError && FIXABLE_FAILURES.has(error.reason)) return { kind: 'retry', error: text };
      if (error instanceof ConnectorFailedError || error instanceof ConnectorBpmnError) return { kind: 'dead', error: text };
      // Not a connector answer (a defect here): retry, and dead-letter if it keeps happening.
      return { kind: 'retry', error: text };
    }
  }

  /** Records the outcome, if this node still holds the message (a slower node never overwrites a newer delivery). */
  private async record(message: OutboxMessage, outcome: Outcome): Promise<void> {
    await runCommand(this.deps, actor, { requestId: `outbox:${message.id}` }, async (ctx) => {
      const current = await findOutboxMessageForUpdate(ctx.trx, message.id);
      if (!current || current.status !== 'delivering' || current.leaseOwner !== this.deps.nodeId || current.attempts !== message.attempts) return;
      const where = { kind: current.kind, orderId: current.orderId, target: current.target, attempt: current.attempts, node: this.deps.nodeId };
      if (outcome.kind === 'delivered') {
        await updateOutboxMessage(ctx.trx, current.id, { status: 'delivered', lease: null, lastError: null, response: outcome.output, deliveredAt: ctx.now }, ctx.now);
        ctx.emit({ type: 'outboxMessage.delivered', entity: { type: 'OutboxMessage', id: current.id }, after: { ...where, status: outcome.status, response: outcome.output } });
        return;
      }
      if (outcome.kind === 'retry' && current.attempts < current.maxAttempts) {
        const delay = retryDelayMs(current.attempts, this.options.backoffMs, outcome.retryAfterMs);
        await updateOutboxMessage(ctx.trx, current.id, { status: 'pending', lease: null, lastError: outcome.error, nextAttemptAt: new Date(ctx.now.getTime() + delay) }, ctx.now);
        ctx.emit({ type: 'outboxMessage.deliveryFailed', entity: { type: 'OutboxMessage', id: current.id }, after: { ...where, error: outcome.error, retryInMs: delay }, audit: false });
        return;
      }
      await updateOutboxMessage(ctx.trx, current.id, { status: 'dead', lease: null, lastError: outcome.error, deadAt: ctx.now }, ctx.now);
      ctx.emit({
        type: 'outboxMessage.deadLettered',
        entity: { type: 'OutboxMessage', id: current.id },
        before: { status: 'delivering' },
        after: { ...where, status: 'dead', error: outcome.error },
        audience: { roles: ['quality', 'supervisor', 'admin'] },
        payload: { id: current.id, kind: current.kind, orderId: current.orderId, error: outcome.error },
      });
    });
  }
}
