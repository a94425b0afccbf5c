import type { Knex } from 'knex';
import type { AuditEventRow } from '../db/tables';
import { computeAuditHash, GENESIS_HASH, type AuditEntryContent } from '../events/audit-chain';

// One arbitrary constant: the advisory lock that orders appends to the chain across nodes.
const AUDIT_CHAIN_LOCK = 4_711_000_001;

export type NewAuditEntry = Omit<AuditEntryContent, 'seq'>;
export type AuditEvent = AuditEntryContent & { prevHash: string; hash: string };

/**
 * Appends entries to the hash chain inside the caller's transaction. The chain head is locked
 * until that transaction ends, so sequence numbers are gapless and follow commit order.
 */
export async function appendAuditEntries(trx: Knex.Transaction, entries: NewAuditEntry[]): Promise<AuditEvent[]> {
  if (entries.length === 0) return [];
  await trx.raw('SELECT pg_advisory_xact_lock(?)', [AUDIT_CHAIN_LOCK]);
  const head = await trx('audit_events').select('seq', 'hash').orderBy('seq', 'desc').first();
  let seq = head ? Number(head.seq) : 0;
  let prevHash = head ? head.hash : GENESIS_HASH;
  const written: AuditEvent[] = [];
  for (const entry of entries) {
    seq += 1;
    const content: AuditEntryContent = { ...entry, seq };
    const hash = computeAuditHash(prevHash, content);
    written.push({ ...content, prevHash, hash });
    prevHash = hash;
  }
  await trx('audit_events').insert(written.map(toRow));
  return written;
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

function toRow(event: AuditEvent): AuditEventRow {
  return {
    seq: event.seq,
    occurred_at: event.occurredAt,
    actor_type: event.actorType,
    actor_id: event.actorId,
    actor_name: event.actorName,
    printed_name: event.printedName,
    action: event.action,
    entity_type: event.entityType,
    entity_id: event.entityId,
    // knex would send JS arrays as PostgreSQL arrays; jsonb wants JSON text.
    before: event.before === null || event.before === undefined ? null : JSON.stringify(event.before),
    after: event.after === null || event.after === undefined ? null : JSON.stringify(event.after),
    reason: event.reason,
    request_id: event.requestId,
    context: event.context === null ? null : (JSON.stringify(event.context) as unknown as Record<string, unknown>),
    prev_hash: event.prevHash,
    hash: event.hash,
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
