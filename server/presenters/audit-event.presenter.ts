import type { AuditEvent } from '../repos/audit-events.repo';

/** The JSON of one audit entry, with the fields that changed between before and after (C01). */
export function presentAuditEvent(event: AuditEvent) {
  return {
    seq: event.seq,
    occurredAt: event.occurredAt.toISOString(),
    actor: { type: event.actorType, id: event.actorId, name: event.actorName, printedName: event.printedName },
    action: event.action,
    entity: { type: event.entityType, id: event.entityId },
    before: event.before,
    after: event.after,
    changedFields: changedFields(event.before, event.after),
    reason: event.reason,
    requestId: event.requestId,
    context: event.context,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}

function changedFields(before: unknown, after: unknown): string[] {
  if (!isObject(before) || !isObject(after)) return [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key])).sort();
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
