import type { MaterialDefinition } from './material-definitions.repo';
import type { OutboxMessage } from './outbox.repo';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** An outbox message for the dead-letter view: what, where to, how far delivery got, and the message itself. */
export function presentOutboxMessage(message: OutboxMessage) {
  return {
    id: message.id,
    kind: message.kind,
    orderId: message.orderId,
    instanceId: message.instanceId,
    target: message.target,
    status: message.status,
    attempts: message.attempts,
    maxAttempts: message.maxAttempts,
    nextAttemptAt: message.status === 'pending' ? iso(message.nextAttemptAt) : null,
    lastError: message.lastError,
    response: message.response,
    createdAt: iso(message.createdAt)!,
    deliveredAt: iso(message.deliveredAt),
    deadAt: iso(message.deadAt),
    payload: message.payload,
  };
}

/** A material definition as the API shows it. */
export function presentMaterialDefinition(definition: MaterialDefinition) {
  return {
    id: definition.id,
    description: definition.description,
    unit: definition.unit,
    status: definition.status,
    updatedBy: definition.updatedBy,
    updatedAt: definition.updatedAt.toISOString(),
  };
}
