import type { Knex } from 'knex';
import { computeAuditHash, GENESIS_HASH } from '../events/audit-chain';
import { readAuditChunk } from '../repos/audit-events.repo';

export type AuditVerification = {
  ok: boolean;
  checked: number;
  lastSeq: number;
  firstBrokenSeq: number | null;
  problem: string | null;
};

const CHUNK = 2000;

/**
 * Walks the whole audit chain in order and recomputes every hash (C03). Reports the first entry
 * whose content, link or sequence number does not match: an entry altered, removed or inserted
 * behind the application's back.
 */
export async function verifyAuditChain(db: Knex): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let checked = 0;
  for (;;) {
    const chunk = await readAuditChunk(db, expectedSeq - 1, CHUNK);
    for (const entry of chunk) {
      const broken = (problem: string): AuditVerification => ({ ok: false, checked, lastSeq: entry.seq, firstBrokenSeq: entry.seq, problem });
      if (entry.seq !== expectedSeq) return { ...broken(`entry ${expectedSeq} is missing`), firstBrokenSeq: expectedSeq };
      if (entry.prevHash !== prevHash) return broken('the link to the previous entry does not match');
      if (computeAuditHash(prevHash, entry) !== entry.hash) return broken('the content does not match its hash');
      prevHash = entry.hash;
      expectedSeq += 1;
      checked += 1;
    }
    if (chunk.length < CHUNK) return { ok: true, checked, lastSeq: expectedSeq - 1, firstBrokenSeq: null, problem: null };
  }
}
