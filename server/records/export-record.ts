import type { Knex } from 'knex';
import { describeActor } from '../auth/actor';
import type { CommandContext } from '../commands/run-command';
import { sha256Hex } from '../lib/hash';
import { buildRecord, type RecordDocument, type RecordType } from './build-record';
import { renderRecordPdf } from './render-pdf';

/** A record exported in one format, with the hash of exactly what left the server. */
export type RecordExport = { record: RecordDocument; format: 'json' | 'pdf'; body: Buffer | RecordDocument; sha256: string };

/**
 * Builds the record of a work order, lot or serial and renders it as JSON or PDF (outside any
 * transaction: it only reads).
 * @throws NotFoundError when nothing was recorded about it.
 */
export async function prepareRecordExport(
  db: Knex,
  input: { type: RecordType; identifier: string; format: 'json' | 'pdf'; timeZone: string; now: Date; generatedBy: string },
): Promise<RecordExport> {
  const record = await buildRecord(db, input.type, input.identifier, { now: input.now, timeZone: input.timeZone, generatedBy: input.generatedBy });
  if (input.format === 'pdf') {
    const pdf = await renderRecordPdf(record);
    return { record, format: 'pdf', body: pdf, sha256: sha256Hex(pdf) };
  }
  return { record, format: 'json', body: record, sha256: record.integrity.sha256 };
}

/** Exports are audited actions (C06, C20): who exported which record, in which format, with the hash of what was sent. */
export async function auditRecordExport(ctx: CommandContext, exported: RecordExport): Promise<void> {
  const { record } = exported;
  ctx.emit({
    type: 'record.exported',
    entity: { type: 'Record', id: `${record.recordType}:${record.identifier}` },
    after: {
      recordType: record.recordType,
      identifier: record.identifier,
      format: exported.format,
      sha256: exported.sha256,
      recordSha256: record.integrity.sha256,
      steps: record.steps.length,
      signatures: record.steps.reduce((sum, s) => sum + s.signatures.length, 0),
      exportedBy: describeActor(ctx.actor).printedName,
    },
  });
}
