import type { UserActor } from '../../auth/actor';
import { ConflictError, ValidationError } from '../../errors/app-error';
import { findReleasedVersion, lockKey, updateProcessVersion, type ProcessVersionWithContent } from '../../repos/process-versions.repo';
import { findSignaturesOf, type Signature } from '../../repos/signatures.repo';
import { recordSignature } from '../sign-record';
import type { CommandContext } from '../run-command';
import { versionAuditView } from './create-process-version';
import { expectStatus, loadVersionForUpdate } from './review-process-version';

/**
 * Releases an approved version, or re-releases a superseded one (rollback, W06), with an
 * electronic signature. The key's released version, if any, becomes superseded in the same
 * transaction: exactly one released version per key. Running instances keep their version (W03).
 * @throws ConflictError when not approved/superseded, when the approval no longer matches the
 * content, or when a rollback gives no reason.
 */
export async function releaseProcessVersion(
  ctx: CommandContext & { actor: UserActor },
  id: string,
  signature: { meaning: string; comment?: string | null },
): Promise<{ version: ProcessVersionWithContent; superseded: ProcessVersionWithContent | null; signature: Signature }> {
  const target = await loadVersionForUpdate(ctx, id);
  await lockKey(ctx.trx, target.key);
  expectStatus(target, ['approved', 'superseded'], 'released');
  const rollback = target.status === 'superseded';
  if (rollback && !signature.comment?.trim()) {
    throw new ValidationError('Re-releasing a superseded version (rollback) needs a reason in the comment', [{ path: 'body.comment', message: 'required for a rollback' }]);
  }
  // C09: the approval must be of exactly this content.
  const approvals = (await findSignaturesOf(ctx.trx, 'ProcessVersion', id)).filter((s) => s.meaning === 'approved' && s.recordHash === target.sha256);
  if (approvals.length === 0) throw new ConflictError('The version has no valid approval signature for its content');

  const current = await findReleasedVersion(ctx.trx, target.key);
  let superseded: ProcessVersionWithContent | null = null;
  if (current) {
    superseded = await updateProcessVersion(ctx.trx, current.id, { status: 'superseded', supersededAt: ctx.now }, ctx.now);
    ctx.emit({
      type: 'processVersion.superseded',
      entity: { type: 'ProcessVersion', id: current.id },
      before: versionAuditView(current),
      after: { ...versionAuditView(superseded), supersededBy: id },
      reason: rollback ? `rolled back to version ${target.version}` : `version ${target.version} released`,
    });
  }
  const signed = await recordSignature(ctx, { type: 'ProcessVersion', id, hash: target.sha256 }, signature, ['released']);
  const released = await updateProcessVersion(ctx.trx, id, { status: 'released', releasedAt: ctx.now, supersededAt: null }, ctx.now);
  ctx.emit({
    type: rollback ? 'processVersion.rolledBack' : 'processVersion.released',
    entity: { type: 'ProcessVersion', id },
    before: versionAuditView(target),
    after: { ...versionAuditView(released), signatureId: signed.id, supersedes: current?.id ?? null },
    reason: signature.comment ?? undefined,
    audience: { roles: ['process_owner', 'validation_reviewer', 'supervisor'] },
    payload: { id, key: released.key, version: released.version, status: released.status },
  });
  return { version: released, superseded, signature: signed };
}

/**
 * Retires a released or superseded version: no new instance starts on it (running ones finish).
 * @throws ConflictError when it is neither released nor superseded.
 */
export async function retireProcessVersion(ctx: CommandContext, id: string, input: { reason: string }): Promise<ProcessVersionWithContent> {
  const before = await loadVersionForUpdate(ctx, id);
  expectStatus(before, ['released', 'superseded'], 'retired');
  const after = await updateProcessVersion(ctx.trx, id, { status: 'retired', retiredAt: ctx.now }, ctx.now);
  ctx.emit({
    type: 'processVersion.retired',
    entity: { type: 'ProcessVersion', id },
    before: versionAuditView(before),
    after: versionAuditView(after),
    reason: input.reason,
    audience: { roles: ['process_owner', 'supervisor'] },
    payload: { id, key: after.key, version: after.version, status: after.status },
  });
  return after;
}
