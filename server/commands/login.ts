import type { UserActor } from '../auth/actor';
import { hashSecret, newSessionToken } from '../auth/credentials';
import { verifyPassword } from '../auth/passwords';
import { isRole } from '../auth/roles';
import type { Config } from '../config';
import { AccountLockedError, AuthenticationError } from '../errors/app-error';
import { endSessionsOfUser, insertSession, type Session } from '../repos/sessions.repo';
import { findUserByUsernameForUpdate, updateUser, type User, type UserWithSecret } from '../repos/users.repo';
import { RejectAfterCommit, type CommandContext } from './run-command';

export type LoginInput = { username: string; password: string };
export type LoginResult = { token: string; session: Session; user: User };

/** What login checked outside the transaction (scrypt is slow; no lock is held while it runs). */
export type CheckedCredentials = { passwordHash: string | undefined; passwordOk: boolean };

const INVALID = 'The user name or password is not correct';

/**
 * Signs a user in and opens a session (C07, C12). Every failure is audited; the threshold-th
 * consecutive failure locks the account and alerts administrators in real time.
 * @throws (after commit) AuthenticationError or AccountLockedError.
 */
export async function login(
  ctx: CommandContext,
  config: Config,
  input: LoginInput,
  checked: CheckedCredentials,
): Promise<LoginResult> {
  const user = await findUserByUsernameForUpdate(ctx.trx, input.username);
  if (!user) {
    ctx.emit({ type: 'user.loginFailed', entity: { type: 'User', id: `username:${input.username.slice(0, 64)}` }, after: { reason: 'unknown_user' } });
    throw new RejectAfterCommit(new AuthenticationError(INVALID));
  }
  const entity = { type: 'User', id: user.id };
  if (user.status !== 'active') {
    ctx.emit({ type: 'user.loginFailed', entity, after: { reason: 'deactivated' } });
    throw new RejectAfterCommit(new AuthenticationError(INVALID));
  }
  if (user.lockedAt) {
    ctx.emit({ type: 'user.loginFailed', entity, after: { reason: 'locked' } });
    throw new RejectAfterCommit(new AccountLockedError('The account is locked; an administrator must unlock it'));
  }
  // A password changed between the check and the lock must be checked again.
  const passwordOk = user.passwordHash === checked.passwordHash ? checked.passwordOk : await verifyPassword(input.password, user.passwordHash);
  if (!passwordOk) {
    await recordFailedLogin(ctx, config, user);
    throw new RejectAfterCommit(new AuthenticationError(INVALID));
  }

  if (user.failedLoginCount > 0) await updateUser(ctx.trx, user.id, { failedLoginCount: 0 }, ctx.now);
  const token = newSessionToken();
  const session = await insertSession(ctx.trx, {
    tokenHash: hashSecret(token),
    userId: user.id,
    now: ctx.now,
    expiresAt: new Date(ctx.now.getTime() + config.security.sessionMaxMs),
    ip: ctx.request.ip,
    userAgent: ctx.request.userAgent,
    station: ctx.request.station,
  });
  ctx.emit({
    type: 'user.loggedIn',
    entity,
    after: { sessionId: session.id, expiresAt: session.expiresAt.toISOString() },
  });
  const { passwordHash: _secret, ...publicUser } = user;
  return { token, session, user: publicUser };
}

async function recordFailedLogin(ctx: CommandContext, config: Config, user: UserWithSecret): Promise<void> {
  const failures = user.failedLoginCount + 1;
  const threshold = config.security.loginLockoutThreshold;
  const entity = { type: 'User', id: user.id };
  ctx.emit({ type: 'user.loginFailed', entity, after: { reason: 'wrong_password', consecutiveFailures: failures } });
  if (failures < threshold) {
    await updateUser(ctx.trx, user.id, { failedLoginCount: failures }, ctx.now);
    return;
  }
  await lockUser(ctx, user, failures, `${failures} consecutive failed logins`);
}

/** Locks an account after too many failures, ends its sessions and alerts administrators (C12). */
export async function lockUser(ctx: CommandContext, user: UserWithSecret, failures: number, reason: string): Promise<void> {
  await updateUser(ctx.trx, user.id, { failedLoginCount: failures, lockedAt: ctx.now, lockedReason: reason }, ctx.now);
  const endedSessions = await endSessionsOfUser(ctx.trx, user.id, 'account_locked', ctx.now);
  ctx.emit({
    type: 'user.locked',
    entity: { type: 'User', id: user.id },
    before: { locked: false },
    after: { locked: true, lockedReason: reason, endedSessions: endedSessions.length },
    reason,
    audience: { roles: ['admin'] },
    payload: { severity: 'high', userId: user.id, username: user.username, reason, at: ctx.now.toISOString() },
  });
}

/** The acting user, as a login command records it before a session exists. */
export function loginActor(user: User): UserActor {
  return {
    kind: 'user',
    id: user.id,
    username: user.username,
    printedName: user.printedName,
    roles: user.roles.filter(isRole),
    sessionId: '',
    passwordMustChange: user.passwordMustChange,
  };
}
