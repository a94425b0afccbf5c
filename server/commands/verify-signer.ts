import type { UserActor } from '../auth/actor';
import { verifyPassword } from '../auth/passwords';
import type { Config } from '../config';
import { AccountLockedError, AuthenticationError, PasswordChangeRequiredError } from '../errors/app-error';
import { findUserByIdForUpdate, updateUser } from '../repos/users.repo';
import { lockUser } from './login';
import { RejectAfterCommit, type CommandContext } from './run-command';

/**
 * Re-authenticates a signer for an electronic signature (C07): the password is entered again
 * for every signature. A wrong password is audited and counts towards the signature lockout
 * (C12); a password set by an administrator must be changed first (11.200(a)(3)).
 * Run it as its own command before the command that records the signature.
 * @throws (after commit) AuthenticationError, AccountLockedError; PasswordChangeRequiredError.
 */
export async function verifySigner(ctx: CommandContext, config: Config, signer: UserActor, password: string): Promise<void> {
  const user = await findUserByIdForUpdate(ctx.trx, signer.id);
  if (!user || user.status !== 'active') throw new AuthenticationError('The signer is not an active user');
  if (user.lockedAt) throw new AccountLockedError('The account is locked; an administrator must unlock it');
  if (user.passwordMustChange) throw new PasswordChangeRequiredError('Change the password set by an administrator before signing');
  if (await verifyPassword(password, user.passwordHash)) {
    if (user.failedSignatureCount > 0) await updateUser(ctx.trx, user.id, { failedSignatureCount: 0 }, ctx.now);
    return;
  }
  const failures = user.failedSignatureCount + 1;
  ctx.emit({
    type: 'signature.failed',
    entity: { type: 'User', id: user.id },
    after: { reason: 'wrong_password', consecutiveFailures: failures },
  });
  if (failures >= config.security.signatureLockoutThreshold) {
    await updateUser(ctx.trx, user.id, { failedSignatureCount: failures }, ctx.now);
    await lockUser(ctx, { ...user, failedSignatureCount: failures }, user.failedLoginCount, `${failures} consecutive failed signature attempts`);
    throw new RejectAfterCommit(new AccountLockedError('Too many failed signature attempts: the account is now locked'));
  }
  await updateUser(ctx.trx, user.id, { failedSignatureCount: failures }, ctx.now);
  throw new RejectAfterCommit(new AuthenticationError('The password is not correct; the signature was not recorded'));
}
