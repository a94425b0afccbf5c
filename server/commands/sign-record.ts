import type { UserActor } from '../auth/actor';
import { isSignatureMeaning, mayUseMeaning, type SignatureMeaning } from '../auth/signature-meanings';
import type { Config } from '../config';
import { ForbiddenError, ValidationError } from '../errors/app-error';
import { insertSignature, type Signature } from '../repos/signatures.repo';
import { runCommand, type CommandContext, type CommandDeps } from './run-command';
import { verifySigner } from './verify-signer';

/** What a signer submits: the password again, the meaning, an optional comment (11.50, 11.200). */
export type SignatureInput = { password: string; meaning: string; comment?: string | null };

/**
 * Re-authenticates the signer in a transaction of its own (a wrong password is recorded and counts
 * towards lockout even though the signed action does not happen), then runs the signed command.
 * @throws AuthenticationError, AccountLockedError, PasswordChangeRequiredError, and whatever the command throws.
 */
export async function withSignature<T>(
  deps: CommandDeps & { config: Config },
  signer: UserActor,
  request: Parameters<typeof runCommand>[2],
  signature: SignatureInput,
  command: (ctx: CommandContext) => Promise<T>,
): Promise<T> {
  await runCommand(deps, signer, request, (ctx) => verifySigner(ctx, deps.config, signer, signature.password));
  return runCommand(deps, signer, request, command);
}

/**
 * Records an electronic signature bound to the content hash of the exact record version it signs
 * (C08, C09), after checking that the meaning is one the transition allows and the signer's roles permit (C10).
 * @throws ValidationError for a meaning not allowed here; ForbiddenError for a meaning the signer may not use.
 */
export async function recordSignature(
  ctx: CommandContext,
  record: { type: string; id: string; hash: string },
  signature: { meaning: string; comment?: string | null },
  allowedMeanings: readonly SignatureMeaning[],
): Promise<Signature> {
  const signer = ctx.actor;
  if (signer.kind !== 'user') throw new ForbiddenError('Only a person can sign');
  if (!isSignatureMeaning(signature.meaning) || !allowedMeanings.includes(signature.meaning)) {
    throw new ValidationError(`The meaning must be one of: ${allowedMeanings.join(', ')}`, [
      { path: 'body.meaning', message: `one of ${allowedMeanings.join(', ')}` },
    ]);
  }
  if (!mayUseMeaning(signer.roles, signature.meaning)) {
    throw new ForbiddenError(`Your roles do not permit signing as "${signature.meaning}"`);
  }
  const saved = await insertSignature(ctx.trx, {
    recordType: record.type,
    recordId: record.id,
    recordHash: record.hash,
    signerId: signer.id,
    signerUsername: signer.username,
    printedName: signer.printedName,
    meaning: signature.meaning,
    comment: signature.comment ?? null,
    signedAt: ctx.now,
    sessionId: signer.sessionId || null,
    requestId: ctx.request.requestId ?? null,
    station: ctx.request.station ?? null,
  });
  ctx.emit({
    type: 'signature.recorded',
    entity: { type: 'Signature', id: saved.id },
    after: {
      recordType: record.type,
      recordId: record.id,
      recordHash: record.hash,
      meaning: saved.meaning,
      printedName: saved.printedName,
      signedAt: saved.signedAt.toISOString(),
      comment: saved.comment,
    },
    context: { recordType: record.type, recordId: record.id },
  });
  return saved;
}
