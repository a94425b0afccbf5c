import { NotFoundError } from '../../errors/app-error';
import { presentAuditEvent } from '../../presenters/audit-event.presenter';
import { presentProcessVersion } from '../../presenters/process-version.presenter';
import { listAuditEvents } from '../../repos/audit-events.repo';
import { findProcessVersion } from '../../repos/process-versions.repo';
import { findSignaturesOf } from '../../repos/signatures.repo';
import type { CommandContext } from '../run-command';

/**
 * Exports a version's complete record as one JSON document (C15): content, signatures with
 * printed names, times and meanings, lint result and the full audit trail. The export itself is
 * an audited action (C06), recorded in the same transaction that reads the record.
 * @throws NotFoundError
 */
export async function exportProcessVersionRecord(ctx: CommandContext, id: string) {
  const version = await findProcessVersion(ctx.trx, id);
  if (!version) throw new NotFoundError(`No process version ${id}`);
  const signatures = await findSignaturesOf(ctx.trx, 'ProcessVersion', id);
  const audit = await listAuditEvents(ctx.trx, { entityType: 'ProcessVersion', entityId: id, limit: 10_000, offset: 0 });
  const signatureIds = signatures.map((s) => s.id);
  const signatureAudit = signatureIds.length
    ? (await Promise.all(signatureIds.map((sid) => listAuditEvents(ctx.trx, { entityType: 'Signature', entityId: sid, limit: 10, offset: 0 })))).flatMap((p) => p.items)
    : [];
  ctx.emit({
    type: 'processVersion.exported',
    entity: { type: 'ProcessVersion', id },
    after: { format: 'json', sha256: version.sha256 },
  });
  return {
    recordType: 'ProcessVersion',
    exportedAt: ctx.now.toISOString(),
    exportedBy: ctx.actor.kind === 'user' ? { username: ctx.actor.username, printedName: ctx.actor.printedName } : { name: ctx.actor.kind },
    version: presentProcessVersion(version, signatures),
    content: { sha256: version.sha256, xml: version.xml, forms: version.forms },
    auditTrail: [...audit.items, ...signatureAudit].sort((a, b) => a.seq - b.seq).map(presentAuditEvent),
  };
}
