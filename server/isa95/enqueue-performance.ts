import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../commands/run-command';
import { insertOutboxMessage, type OutboxMessage } from './outbox.repo';
import { buildProductionPerformance, deliveryVariables, performanceReportSchema, type PerformanceReportInput } from './production-performance';

/** Where ProductionPerformance messages go unless told otherwise: the ERP connector's confirmation. */
export const DEFAULT_PERFORMANCE_TARGET = { connector: 'erp', operation: 'confirmPerformance' } as const;
export const DEFAULT_MAX_ATTEMPTS = 8;

export type EnqueueOptions = {
  /** The connector operation that delivers it (a registered connector). */
  target?: { connector: string; operation: string };
  /** Makes a repeated enqueue (a retried job) return the first message instead of adding one. */
  idempotencyKey?: string;
  /** The instance the performance belongs to. */
  instanceId?: string | null;
  /** Delivery attempts before the message is dead-lettered. */
  maxAttempts?: number;
};

/**
 * Writes a ProductionPerformance message (I02) to the outbox in the caller's transaction, so it
 * commits with the work it reports or not at all; the outbox dispatcher delivers it after commit,
 * at least once (I04). Returns the message and whether it is new.
 * @throws ZodError when the report does not satisfy `performanceReportSchema` (callers validate
 * their input at the edge; the built-in operation turns it into a connector failure).
 */
export async function enqueuePerformance(ctx: CommandContext, report: PerformanceReportInput, options: EnqueueOptions = {}): Promise<{ message: OutboxMessage; created: boolean }> {
  const parsed = performanceReportSchema.parse(report);
  const id = randomUUID();
  const performance = buildProductionPerformance(parsed, id, ctx.now);
  const target = options.target ?? DEFAULT_PERFORMANCE_TARGET;
  const result = await insertOutboxMessage(ctx.trx, {
    id,
    kind: 'ProductionPerformance',
    target,
    idempotencyKey: options.idempotencyKey ?? null,
    orderId: parsed.orderId,
    instanceId: options.instanceId ?? null,
    payload: performance,
    variables: deliveryVariables(parsed, id, performance),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    now: ctx.now,
  });
  if (result.created) {
    ctx.emit({
      type: 'outboxMessage.enqueued',
      entity: { type: 'OutboxMessage', id },
      after: { kind: 'ProductionPerformance', orderId: parsed.orderId, operation: parsed.operation ?? null, target, status: parsed.status, produced: parsed.produced, consumed: parsed.consumed },
      context: { ...(options.instanceId ? { instanceId: options.instanceId } : {}), ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}) },
    });
  }
  return result;
}
