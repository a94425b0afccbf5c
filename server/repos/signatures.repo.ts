import type { Knex } from 'knex';
import type { SignatureRow } from '../db/tables';

/** An electronic signature: who, printed name, when, meaning, and the exact content it binds to. */
export type Signature = {
  id: string;
  recordType: string;
  recordId: string;
  recordHash: string;
  signerId: string;
  signerUsername: string;
  printedName: string;
  meaning: string;
  comment: string | null;
  signedAt: Date;
  sessionId: string | null;
  requestId: string | null;
  station: string | null;
};

export type NewSignature = Omit<Signature, 'id'>;

export async function insertSignature(trx: Knex.Transaction, signature: NewSignature): Promise<Signature> {
  const [row] = await trx('signatures')
    .insert({
      record_type: signature.recordType,
      record_id: signature.recordId,
      record_hash: signature.recordHash,
      signer_id: signature.signerId,
      signer_username: signature.signerUsername,
      printed_name: signature.printedName,
      meaning: signature.meaning,
      comment: signature.comment,
      signed_at: signature.signedAt,
      session_id: signature.sessionId,
      request_id: signature.requestId,
      station: signature.station,
    })
    .returning('*');
  return fromRow(row as SignatureRow);
}

/** The signatures of one record, oldest first. */
export async function findSignaturesOf(db: Knex | Knex.Transaction, recordType: string, recordId: string): Promise<Signature[]> {
  const rows = await db('signatures').where({ record_type: recordType, record_id: recordId }).orderBy('signed_at').orderBy('id');
  return (rows as SignatureRow[]).map(fromRow);
}

/** The signatures of many records of one type, grouped by record id. */
export async function findSignaturesOfMany(db: Knex | Knex.Transaction, recordType: string, recordIds: string[]): Promise<Map<string, Signature[]>> {
  const byRecord = new Map<string, Signature[]>();
  if (recordIds.length === 0) return byRecord;
  const rows = await db('signatures').where({ record_type: recordType }).whereIn('record_id', recordIds).orderBy('signed_at').orderBy('id');
  for (const row of rows as SignatureRow[]) {
    const list = byRecord.get(row.record_id) ?? [];
    list.push(fromRow(row));
    byRecord.set(row.record_id, list);
  }
  return byRecord;
}

function fromRow(row: SignatureRow): Signature {
  return {
    id: row.id,
    recordType: row.record_type,
    recordId: row.record_id,
    recordHash: row.record_hash,
    signerId: row.signer_id,
    signerUsername: row.signer_username,
    printedName: row.printed_name,
    meaning: row.meaning,
    comment: row.comment,
    signedAt: row.signed_at,
    sessionId: row.session_id,
    requestId: row.request_id,
    station: row.station,
  };
}
