import type { UserActor } from '../../auth/actor';
import { ModelGateError, type ExecutabilityFinding, type LintFinding } from '../../bpmn';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors/app-error';
import { findProcessVersionForUpdate, updateProcessVersion, type ProcessVersionWithContent } from '../../repos/process-versions.repo';
import type { Signature } from '../../repos/signatures.repo';
import { recordSignature } from '../sign-record';
import type { CommandContext } from '../run-command';
import { versionAuditView } from './create-process-version';

/** The gate's verdict on a draft, computed outside the transaction from its exact content. */
export type GateResult = { sha256: string; lint: LintFinding[]; executability: ExecutabilityFinding[] };

async function load(ctx: CommandContext, id: string): Promise<ProcessVersionWithContent> {
  const version = await findProcessVersionForUpdate(ctx.trx, id);
  if (!version) throw new NotFoundError(`No process version ${id}`);
  return version;
}

function expectStatus(version: ProcessVersionWithContent, allowed: string[], action: string): void {
  if (!allowed.includes(version.status)) {
    throw new ConflictError(`Version ${version.version} of ${version.key} is ${version.status}; it cannot be ${action}`);
  }
}

/**
 * Submits a draft for review (W07). Lint and executability errors refuse the submit with the list;
 * warnings are kept with the version. From here on its content is frozen.
 * @throws ConflictError (not a draft, or the draft changed since it was checked), UnprocessableError (gate errors).
 */
export async function submitProcessVersion(ctx: CommandContext, id: string, gate: GateResult): Promise<ProcessVersionWithContent> {
  const before = await load(ctx, id);
  expectStatus(before, ['draft'], 'submitted');
  if (before.sha256 !== gate.sha256) throw new ConflictError('The draft changed while it was being checked; submit again');
  if (gate.executability.length || gate.lint.some((f) => f.category === 'error')) throw new ModelGateError(gate.lint, gate.executability);
  const warnings = gate.lint.filter((f) => f.category === 'warn');
  const submitter = ctx.actor.kind === 'user' ? ctx.actor.id : 'unknown';
  const after = await updateProcessVersion(
    ctx.trx,
    id,
    { status: 'in_review', lint: { checkedAt: ctx.now.toISOString(), warnings }, submittedBy: submitter, submittedAt: ctx.now },
    ctx.now,
  );
  ctx.emit({
    type: 'processVersion.submitted',
    entity: { type: 'ProcessVersion', id },
    before: versionAuditView(before),
    after: { ...versionAuditView(after), warnings: warnings.length },
    audience: { roles: ['validation_reviewer'] },
    payload: { id, key: after.key, version: after.version, status: after.status },
  });
  return after;
}

/** C10: nobody who authored or edited a version approves or rejects it. */
function assertNotAnAuthor(version: ProcessVersionWithContent, signer: UserActor): void {
  if (version.createdBy === signer.id || version.authors.includes(signer.id)) {
    throw new ForbiddenError('You authored or edited this version; another reviewer must sign it (segregation of duties)');
  }
}

/**
 * Approves a version under review with an electronic signature bound to its content hash.
 * @throws NotFoundError, ConflictError (status), ForbiddenError (author, meaning not permitted).
 */
export async function approveProcessVersion(
  ctx: CommandContext & { actor: UserActor },
  id: string,
  signature: { meaning: string; comment?: string | null },
): Promise<{ version: ProcessVersionWithContent; signature: Signature }> {
  const before = await load(ctx, id);
  expectStatus(before, ['in_review'], 'approved');
  assertNotAnAuthor(before, ctx.actor);
  const signed = await recordSignature(ctx, { type: 'ProcessVersion', id, hash: before.sha256 }, signature, ['approved']);
  const after = await updateProcessVersion(ctx.trx, id, { status: 'approved' }, ctx.now);
  ctx.emit({
    type: 'processVersion.approved',
    entity: { type: 'ProcessVersion', id },
    before: versionAuditView(before),
    after: { ...versionAuditView(after), signatureId: signed.id },
    reason: signature.comment ?? undefined,
    audience: { roles: ['process_owner'] },
    payload: { id, key: after.key, version: after.version, status: after.status },
  });
  return { version: after, signature: signed };
}

/**
 * Rejects a version under review with a signature and a mandatory comment; it can never be
 * released. A corrected model becomes a new draft.
 */
export async function rejectProcessVersion(
  ctx: CommandContext & { actor: UserActor },
  id: string,
  signature: { meaning: string; comment: string },
): Promise<{ version: ProcessVersionWithContent; signature: Signature }> {
  const before = await load(ctx, id);
  expectStatus(before, ['in_review'], 'rejected');
  assertNotAnAuthor(before, ctx.actor);
  const signed = await recordSignature(ctx, { type: 'ProcessVersion', id, hash: before.sha256 }, signature, ['rejected']);
  const after = await updateProcessVersion(ctx.trx, id, { status: 'rejected' }, ctx.now);
  ctx.emit({
    type: 'processVersion.rejected',
    entity: { type: 'ProcessVersion', id },
    before: versionAuditView(before),
    after: { ...versionAuditView(after), signatureId: signed.id },
    reason: signature.comment,
    audience: { roles: ['process_owner'] },
    payload: { id, key: after.key, version: after.version, status: after.status },
  });
  return { version: after, signature: signed };
}

export { load as loadVersionForUpdate, expectStatus };
