import crypto from 'node:crypto';
import { systemActor } from '../../server/auth/actor';
import type { Role } from '../../server/auth/roles';
import { createServicePrincipal } from '../../server/commands/manage-service-principals';
import { createUser } from '../../server/commands/manage-users';
import { runCommand } from '../../server/commands/run-command';
import type { User } from '../../server/repos/users.repo';
import type { TestApp } from './test-app';

export const DEFAULT_PASSWORD = 'Correct-Horse-42';

let counter = 0;
const unique = (prefix: string) => `${prefix}${++counter}${crypto.randomBytes(2).toString('hex')}`;

export type TestUser = User & { password: string };

/** Creates an active user with the given roles and a known password (no forced change unless asked). */
export async function buildUser(
  app: TestApp,
  overrides: Partial<{ username: string; printedName: string; roles: Role[]; password: string; passwordMustChange: boolean }> = {},
): Promise<TestUser> {
  const username = overrides.username ?? unique('user');
  const password = overrides.password ?? DEFAULT_PASSWORD;
  const user = await runCommand(app.deps, systemActor('test'), {}, (ctx) =>
    createUser(
      ctx,
      { username, printedName: overrides.printedName ?? `Test ${username}`, roles: overrides.roles ?? [], password },
      { passwordMustChange: overrides.passwordMustChange ?? false },
    ),
  );
  return { ...user, password };
}

/** Signs in through the API and returns the bearer token. */
export async function loginAs(app: TestApp, user: { username: string; password: string }): Promise<string> {
  const response = await app.http.post('/api/v1/auth/login').send({ username: user.username, password: user.password });
  if (response.status !== 200) throw new Error(`login of ${user.username} failed: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.token as string;
}

/** A user with roles, signed in: `{ user, token, auth }` where auth is the Authorization header. */
export async function signedInUser(app: TestApp, roles: Role[], overrides: Parameters<typeof buildUser>[1] = {}) {
  const user = await buildUser(app, { ...overrides, roles });
  const token = await loginAs(app, user);
  return { user, token, auth: { Authorization: `Bearer ${token}` } };
}

/** A service principal with one API key. */
export async function buildServicePrincipal(
  app: TestApp,
  overrides: Partial<{ name: string; allowedActions: string[]; allowedProcessKeys: string[] }> = {},
) {
  const created = await runCommand(app.deps, systemActor('test'), {}, (ctx) =>
    createServicePrincipal(ctx, {
      name: overrides.name ?? unique('system-'),
      allowedActions: overrides.allowedActions ?? ['start', 'correlate'],
      allowedProcessKeys: overrides.allowedProcessKeys ?? ['*'],
    }),
  );
  return { principal: created.principal, apiKey: created.apiKey, keyId: created.key.id, headers: { 'X-API-Key': created.apiKey } };
}

/** The audit entries of one entity, oldest first. */
export async function auditOf(app: TestApp, entityType: string, entityId: string) {
  return app.deps.db('audit_events').where({ entity_type: entityType, entity_id: entityId }).orderBy('seq');
}
