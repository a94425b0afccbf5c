import { hashPassword, passwordPolicyViolation, verifyPassword } from '../auth/passwords';
import type { Role } from '../auth/roles';
import { ConflictError, NotFoundError, ValidationError, AuthenticationError } from '../errors/app-error';
import { endSessionsOfUser } from '../repos/sessions.repo';
import { findUserByIdForUpdate, insertUser, updateUser, type User, type UserWithSecret } from '../repos/users.repo';
import { RejectAfterCommit, type CommandContext } from './run-command';

// The administration of accounts (C11, C06): every change is audited with before, after and reason.

/** The audited view of a user: never the password hash. */
export function auditView(user: User): Record<string, unknown> {
  return {
    username: user.username,
    printedName: user.printedName,
    email: user.email,
    roles: user.roles,
    status: user.status,
    locked: Boolean(user.lockedAt),
    passwordMustChange: user.passwordMustChange,
  };
}

function assertPasswordPolicy(password: string, username: string, field: string): void {
  const violation = passwordPolicyViolation(password, username);
  if (violation) throw new ValidationError(`The password ${violation}`, [{ path: `body.${field}`, message: violation }]);
}

async function loadForUpdate(ctx: CommandContext, id: string): Promise<UserWithSecret> {
  const user = await findUserByIdForUpdate(ctx.trx, id);
  if (!user) throw new NotFoundError(`No user with id ${id}`);
  return user;
}

export type CreateUserInput = {
  username: string;
  printedName: string;
  email?: string | null;
  roles: Role[];
  password: string;
  reason?: string;
};

/**
 * Creates an account. A password set by an administrator must be changed by its owner before
 * they can sign anything (11.200(a)(3)); seeds may create ready-to-use demo accounts.
 * @throws ValidationError (password policy), ConflictError (user name taken).
 */
export async function createUser(ctx: CommandContext, input: CreateUserInput, options: { passwordMustChange: boolean } = { passwordMustChange: true }): Promise<User> {
  assertPasswordPolicy(input.password, input.username, 'password');
  const user = await insertUser(ctx.trx, {
    username: input.username,
    printedName: input.printedName,
    email: input.email ?? null,
    roles: [...new Set(input.roles)],
    passwordHash: await hashPassword(input.password),
    passwordMustChange: options.passwordMustChange,
    createdBy: ctx.actor.kind === 'anonymous' ? 'anonymous' : ctx.actor.id,
    now: ctx.now,
  });
  ctx.emit({ type: 'user.created', entity: { type: 'User', id: user.id }, after: auditView(user), reason: input.reason });
  return user;
}

export type UpdateUserInput = { printedName?: string; email?: string | null; roles?: Role[]; reason: string };

/** Changes a user's printed name, e-mail or roles (a permission change, C06). */
export async function updateUserProfile(ctx: CommandContext, id: string, input: UpdateUserInput): Promise<User> {
  const before = await loadForUpdate(ctx, id);
  if (before.status !== 'active') throw new ConflictError('A deactivated account cannot be changed');
  const after = await updateUser(
    ctx.trx,
    id,
    { printedName: input.printedName, email: input.email, roles: input.roles ? [...new Set(input.roles)] : undefined },
    ctx.now,
  );
  ctx.emit({ type: 'user.updated', entity: { type: 'User', id }, before: auditView(before), after: auditView(after), reason: input.reason });
  return after;
}

/** Deactivates an account (never deleted, 11.100(a)); its sessions end at once. */
export async function deactivateUser(ctx: CommandContext, id: string, input: { reason: string }): Promise<User> {
  if (ctx.actor.kind === 'user' && ctx.actor.id === id) throw new ConflictError('You cannot deactivate your own account');
  const before = await loadForUpdate(ctx, id);
  if (before.status === 'deactivated') throw new ConflictError('The account is already deactivated');
  const after = await updateUser(ctx.trx, id, { status: 'deactivated', deactivatedAt: ctx.now }, ctx.now);
  const ended = await endSessionsOfUser(ctx.trx, id, 'deactivated', ctx.now);
  ctx.emit({
    type: 'user.deactivated',
    entity: { type: 'User', id },
    before: auditView(before),
    after: { ...auditView(after), endedSessions: ended.length },
    reason: input.reason,
  });
  return after;
}

/** Unlocks an account locked by failed logins or signatures, and resets its counters. */
export async function unlockUser(ctx: CommandContext, id: string, input: { reason: string }): Promise<User> {
  const before = await loadForUpdate(ctx, id);
  if (!before.lockedAt) throw new ConflictError('The account is not locked');
  const after = await updateUser(ctx.trx, id, { lockedAt: null, lockedReason: null, failedLoginCount: 0, failedSignatureCount: 0 }, ctx.now);
  ctx.emit({ type: 'user.unlocked', entity: { type: 'User', id }, before: auditView(before), after: auditView(after), reason: input.reason });
  return after;
}

/**
 * Sets a temporary password chosen by an administrator. The owner must change it before any
 * signature; open sessions end.
 */
export async function resetPassword(ctx: CommandContext, id: string, input: { newPassword: string; reason: string }): Promise<User> {
  if (ctx.actor.kind === 'user' && ctx.actor.id === id) throw new ConflictError('Change your own password with /auth/password');
  const before = await loadForUpdate(ctx, id);
  if (before.status !== 'active') throw new ConflictError('A deactivated account cannot be changed');
  assertPasswordPolicy(input.newPassword, before.username, 'newPassword');
  const after = await updateUser(
    ctx.trx,
    id,
    { passwordHash: await hashPassword(input.newPassword), passwordMustChange: true, passwordChangedAt: ctx.now, failedSignatureCount: 0 },
    ctx.now,
  );
  const ended = await endSessionsOfUser(ctx.trx, id, 'password_reset', ctx.now);
  ctx.emit({
    type: 'user.passwordReset',
    entity: { type: 'User', id },
    before: auditView(before),
    after: { ...auditView(after), endedSessions: ended.length },
    reason: input.reason,
  });
  return after;
}

/**
 * The signed-in user changes their own password, proving the current one. A wrong current
 * password is audited and refused.
 */
export async function changeOwnPassword(ctx: CommandContext, input: { currentPassword: string; newPassword: string }): Promise<User> {
  if (ctx.actor.kind !== 'user') throw new AuthenticationError('Only a signed-in user can change a password');
  const before = await loadForUpdate(ctx, ctx.actor.id);
  if (!(await verifyPassword(input.currentPassword, before.passwordHash))) {
    ctx.emit({ type: 'user.passwordChangeFailed', entity: { type: 'User', id: before.id }, after: { reason: 'wrong_current_password' } });
    throw new RejectAfterCommit(new AuthenticationError('The current password is not correct'));
  }
  assertPasswordPolicy(input.newPassword, before.username, 'newPassword');
  if (await verifyPassword(input.newPassword, before.passwordHash)) {
    throw new ValidationError('The new password must differ from the current one', [{ path: 'body.newPassword', message: 'same as current' }]);
  }
  const after = await updateUser(
    ctx.trx,
    before.id,
    { passwordHash: await hashPassword(input.newPassword), passwordMustChange: false, passwordChangedAt: ctx.now },
    ctx.now,
  );
  ctx.emit({ type: 'user.passwordChanged', entity: { type: 'User', id: before.id }, before: auditView(before), after: auditView(after) });
  return after;
}
