import type { User } from '../repos/users.repo';

/** The JSON of a user account; never the password hash. */
export function presentUser(user: User) {
  return {
    id: user.id,
    username: user.username,
    printedName: user.printedName,
    email: user.email,
    roles: user.roles,
    status: user.status,
    locked: Boolean(user.lockedAt),
    lockedAt: user.lockedAt?.toISOString() ?? null,
    lockedReason: user.lockedReason,
    passwordMustChange: user.passwordMustChange,
    deactivatedAt: user.deactivatedAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
export type UserJson = ReturnType<typeof presentUser>;
