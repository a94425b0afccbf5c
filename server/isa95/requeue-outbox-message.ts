import type { CommandContext } from '../commands/run-command';
import { ConflictError, NotFoundError } from '../errors/app-error';
import { findOutboxMessageForUpdate, updateOutboxMessage, type OutboxMessage } from './outbox.repo';

/**
 * Sends a dead-lettered message again: it becomes pending with fresh attempts and is delivered at
 * once (the dispatcher wakes on the event). Its last error stays on record until a delivery
 * succeeds. The person who re-queued it, and why, is audited.
 * @throws NotFoundError; ConflictError when the message is not dead-lettered.
 */
export async function requeueOutboxMessage(ctx: CommandContext, id: string, reason?: string): Promise<OutboxMessage> {
  const message = await findOutboxMessageForUpdate(ctx.trx, id);
  if (!message) throw new NotFoundError(`No outbox message ${id}`);
  if (message.status !== 'dead') throw new ConflictError(`Only dead-lettered messages are re-queued; this one is ${message.status}`);
  const requeued = await updateOutboxMessage(ctx.trx, id, { status: 'pending', attempts: 0, nextAttemptAt: ctx.now, lease: null, deadAt: null }, ctx.now);
  ctx.emit({
    type: 'outboxMessage.requeued',
    entity: { type: 'OutboxMessage', id },
    before: { status: 'dead', attempts: message.attempts, lastError: message.lastError },
    after: { status: 'pending', kind: message.kind, orderId: message.orderId },
    reason,
  });
  return requeued;
}
