import type { Knex } from 'knex';
import type { AuditEventRow } from '../db/tables';
import { auditCanonicalPrefix, type AuditEntryContent } from '../events/audit-chain';

export type NewAuditEntry = Omit<AuditEntryContent, 'seq'>;
export type AuditEvent = AuditEntryContent & { prevHash: string; hash: string };

/**
 * Appends entries to the hash chain inside the caller's transaction, in one statement: the
 * database function gemba_audit_append (migration 20261208000000) takes the chain's advisory
 * lock (key 4711000001), reads the head, hashes and inserts the entries. One round trip instead
 * of three means the lock, held until the transaction ends, is held only for that statement and
 * the COMMIT, so sequence numbers stay gapless and in commit order without queueing every
 * transaction behind round trips. Call it as the transaction's last statement.
 */
export async function appendAuditEntries(trx: Knex.Transaction, entries: NewAuditEntry[]): Promise<AuditEvent[]> {
  if (entries.length === 0) return [];
  const result = await trx.raw(
    'SELECT entry_seq, entry_prev_hash, entry_hash FROM gemba_audit_append(?::jsonb) ORDER BY entry_seq',
    [JSON.stringify(entries.map(toAppendArgument))],
  );
  const rows = result.rows as Array<{ entry_seq: number | string; entry_prev_hash: string; entry_hash: string }>;
  return entries.map((entry, index) => ({
    ...entry,
    seq: Number(rows[index].entry_seq),
    prevHash: rows[index].entry_prev_hash,
    hash: rows[index].entry_hash,
  }));
}

export type AuditFilter = {
  entityType?: string;
  entityId?: string;
  actorId?: string;
  action?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
};

/** A page of audit entries, newest first, and the total that matches the filter. */
export async function listAuditEvents(db: Knex | Knex.Transaction, filter: AuditFilter): Promise<{ items: AuditEvent[]; total: number }> {
  const where = (query: Knex.QueryBuilder) => {
    if (filter.entityType) query.where('entity_type', filter.entityType);
    if (filter.entityId) query.where('entity_id', filter.entityId);
    if (filter.actorId) query.where('actor_id', filter.actorId);
    if (filter.action) query.where('action', filter.action);
    if (filter.from) query.where('occurred_at', '>=', filter.from);
    if (filter.to) query.where('occurred_at', '<', filter.to);
    return query;
  };
  const rows = await where(db('audit_events').select('*')).orderBy('seq', 'desc').limit(filter.limit).offset(filter.offset);
  const [{ count }] = await where(db('audit_events').count({ count: '*' }));
  return { items: (rows as AuditEventRow[]).map(fromRow), total: Number(count) };
}

/** Entries with seq > afterSeq in chain order, at most `limit`. */
export async function readAuditChunk(db: Knex | Knex.Transaction, afterSeq: number, limit: number): Promise<AuditEvent[]> {
  const rows = await db('audit_events').where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit);
  return (rows as AuditEventRow[]).map(fromRow);
}

/**
 * One element of gemba_audit_append's argument: the row's columns, the JSON columns as JSON values
 * (null or absent is stored as SQL NULL, as before), and the hash's canonical prefix.
 */
function toAppendArgument(entry: NewAuditEntry): Record<string, unknown> {
  return {
    occurred_at: entry.occurredAt.toISOString(),
    actor_type: entry.actorType,
    actor_id: entry.actorId,
    actor_name: entry.actorName,
    printed_name: entry.printedName,
    action: entry.action,
    entity_type: entry.entityType,
    entity_id: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason,
    request_id: entry.requestId,
    context: entry.context,
    canonical_prefix: auditCanonicalPrefix(entry),
  };
}

function fromRow(row: AuditEventRow): AuditEvent {
  return {
    seq: Number(row.seq),
    occurredAt: row.occurred_at,
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorName: row.actor_name,
    printedName: row.printed_name,
    action: row.action,
    entityType: row.entity_type,
    entityId: row.entity_id,
    before: row.before ?? null,
    after: row.after ?? null,
    reason: row.reason,
    requestId: row.request_id,
    context: row.context,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
