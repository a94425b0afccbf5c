import { expireSession } from '../commands/expire-session';
import { runCommand, type CommandDeps } from '../commands/run-command';
import type { Config } from '../config';
import { AccountLockedError, AuthenticationError, SessionExpiredError } from '../errors/app-error';
import { findPrincipalByKeyHash, touchApiKey } from '../repos/service-principals.repo';
import { findSessionByTokenHash, touchSession } from '../repos/sessions.repo';
import { systemActor, type RequestContext, type ServiceActor, type UserActor } from './actor';
import { hashSecret } from './credentials';
import { isRole } from './roles';

// Writing last-seen on every request would turn every read into a write; a few seconds of
// slack cannot matter against a timeout measured in minutes.
const TOUCH_INTERVAL_MS = 5_000;

/**
 * Resolves a bearer token to the signed-in user. An idle or outlived session is ended (and the
 * end audited) the moment it is presented.
 * @throws AuthenticationError, SessionExpiredError or AccountLockedError.
 */
export async function authenticateToken(
  deps: CommandDeps & { config: Config },
  token: string,
  request: RequestContext,
): Promise<UserActor> {
  const found = await findSessionByTokenHash(deps.db, hashSecret(token));
  if (!found) throw new AuthenticationError('The token is not valid');
  if (found.endedAt) throw new SessionExpiredError('The session has ended; sign in again');
  const now = deps.clock.now();
  const idleFor = now.getTime() - found.lastSeenAt.getTime();
  const reason =
    now >= found.expiresAt ? 'lifetime_exceeded' : idleFor > deps.config.security.sessionIdleMs ? 'idle_timeout' : undefined;
  if (reason) {
    await runCommand(deps, systemActor('session-timeout'), request, (ctx) =>
      expireSession(ctx, { sessionId: found.id, userId: found.userId, reason }),
    );
    throw new SessionExpiredError(
      reason === 'idle_timeout' ? 'The session ended after inactivity; sign in again' : 'The session reached its maximum lifetime; sign in again',
    );
  }
  if (found.user.status !== 'active') throw new AuthenticationError('The account is deactivated');
  if (found.user.locked_at) throw new AccountLockedError('The account is locked; an administrator must unlock it');
  if (idleFor > TOUCH_INTERVAL_MS) await touchSession(deps.db, found.id, now);
  return {
    kind: 'user',
    id: found.user.id,
    username: found.user.username,
    printedName: found.user.printed_name,
    roles: found.user.roles.filter(isRole),
    sessionId: found.id,
    passwordMustChange: found.user.password_must_change,
  };
}

/**
 * Resolves an API key to its service principal.
 * @throws AuthenticationError for unknown or revoked keys and deactivated principals.
 */
export async function authenticateApiKey(deps: CommandDeps, key: string): Promise<ServiceActor> {
  const found = await findPrincipalByKeyHash(deps.db, hashSecret(key));
  if (!found) throw new AuthenticationError('The API key is not valid');
  if (found.key.revokedAt) throw new AuthenticationError('The API key has been revoked');
  if (found.principal.status !== 'active') throw new AuthenticationError('The service principal is deactivated');
  const now = deps.clock.now();
  if (!found.key.lastUsedAt || now.getTime() - found.key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
    await touchApiKey(deps.db, found.key.id, now);
  }
  return {
    kind: 'service',
    id: found.principal.id,
    name: found.principal.name,
    apiKeyId: found.key.id,
    allowedActions: found.principal.allowedActions,
    allowedProcessKeys: found.principal.allowedProcessKeys,
  };
}
