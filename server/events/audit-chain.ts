import { canonicalJson } from '../lib/canonical-json';
import { sha256Hex } from '../lib/hash';

/** The hash the first entry of the chain links to. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of an audit entry that its hash covers: all of them but the hashes. */
export type AuditEntryContent = {
  seq: number;
  occurredAt: Date;
  actorType: 'user' | 'service' | 'system';
  actorId: string | null;
  actorName: string | null;
  printedName: string | null;
  action: string;
  entityType: string;
  entityId: string;
  before: unknown;
  after: unknown;
  reason: string | null;
  requestId: string | null;
  context: Record<string, unknown> | null;
};

/**
 * SHA-256 over the previous entry's hash and the canonical JSON of this entry (C03).
 * Changing any field of any entry, or removing or reordering entries, breaks the chain.
 */
export function computeAuditHash(prevHash: string, entry: AuditEntryContent): string {
  return sha256Hex(`${prevHash}\n${canonicalJson({ ...hashedFields(entry), seq: entry.seq })}`);
}

/**
 * The canonical JSON that computeAuditHash hashes, without its closing `,"seq":<n>}`: the database
 * assigns seq when it appends the entry and completes the text there (audit-events.repo.ts).
 * This works because `seq` sorts after every other key of the content; a new hashed field that
 * sorts after `seq` would need another scheme (audit-chain.test.ts guards it).
 */
export function auditCanonicalPrefix(entry: Omit<AuditEntryContent, 'seq'>): string {
  return canonicalJson(hashedFields(entry)).slice(0, -1);
}

function hashedFields(entry: Omit<AuditEntryContent, 'seq'>): Record<string, unknown> {
  return {
    occurredAt: entry.occurredAt.toISOString(),
    actorType: entry.actorType,
    actorId: entry.actorId,
    actorName: entry.actorName,
    printedName: entry.printedName,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason,
    requestId: entry.requestId,
    context: entry.context,
  };
}

/**
 * Makes a value exactly what jsonb will give back (no undefined, dates as ISO strings), so the
 * hash computed before insert is the hash recomputed by verify.
 */
export function toStoredJson<T>(value: T): T | null {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as T);
}
