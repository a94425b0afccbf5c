import type { ProcessVersion } from '../repos/process-versions.repo';
import type { Signature } from '../repos/signatures.repo';
import type { AuditEvent } from '../repos/audit-events.repo';

/**
 * A signature as every screen and export shows it (C08): printed name, meaning and UTC time, and
 * whether it still binds to the record's current content (C09).
 */
export function presentSignature(signature: Signature, currentHash: string) {
  return {
    id: signature.id,
    signer: signature.signerUsername,
    signerId: signature.signerId,
    printedName: signature.printedName,
    meaning: signature.meaning,
    comment: signature.comment,
    signedAt: signature.signedAt.toISOString(),
    recordHash: signature.recordHash,
    valid: signature.recordHash === currentHash,
  };
}

/** The JSON of a process version (without its XML, which has its own endpoint). */
export function presentProcessVersion(version: ProcessVersion, signatures: Signature[] = []) {
  return {
    id: version.id,
    key: version.key,
    version: version.version,
    name: version.name,
    status: version.status,
    sha256: version.sha256,
    changeReason: version.changeReason,
    basedOnId: version.basedOnId,
    createdBy: version.createdBy,
    authors: version.authors,
    createdAt: version.createdAt.toISOString(),
    updatedAt: version.updatedAt.toISOString(),
    submittedBy: version.submittedBy,
    submittedAt: version.submittedAt?.toISOString() ?? null,
    releasedAt: version.releasedAt?.toISOString() ?? null,
    supersededAt: version.supersededAt?.toISOString() ?? null,
    retiredAt: version.retiredAt?.toISOString() ?? null,
    lint: version.lint,
    signatures: signatures.map((s) => presentSignature(s, version.sha256)),
  };
}

/** One step of a version's status history, read from its audit trail. */
export function presentStatusChange(event: AuditEvent) {
  const after = (event.after ?? {}) as { status?: string };
  const before = (event.before ?? {}) as { status?: string };
  return {
    seq: event.seq,
    action: event.action,
    from: before.status ?? null,
    to: after.status ?? null,
    at: event.occurredAt.toISOString(),
    actor: event.actorName,
    printedName: event.printedName,
    reason: event.reason,
  };
}
