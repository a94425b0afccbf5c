import { loginActor, login } from '../../commands/login';
import { logout } from '../../commands/logout';
import { changeOwnPassword } from '../../commands/manage-users';
import { runCommand } from '../../commands/run-command';
import { verifyPassword } from '../../auth/passwords';
import { AuthenticationError } from '../../errors/app-error';
import { presentUser } from '../../presenters/user.presenter';
import { findUserById, findUserByUsername } from '../../repos/users.repo';
import type { AnonymousActor, UserActor } from '../../auth/actor';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { changePasswordBody, loginBody, loginResponse, meResponse, userSchema } from './auth.schema';
import { errorResponses } from './common.schema';

// A fixed scrypt hash to verify against when the user name is unknown, so that a failed login
// takes as long whether or not the account exists.
const DUMMY_HASH =
  'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$Jc3GQvD6WPAmXv8I7SCD7YmJ2uGQfwJq3g9kQbJx8cW0o1OeWm9oU8qkS8nYQn8M7U1pB3dZlC2yZJm0q7s4QA==';

export const authRoutes = defineRoutes([
  {
    id: 'auth.login',
    method: 'post',
    path: '/auth/login',
    summary: 'Sign in with user name and password; returns a bearer token',
    tags: ['auth'],
    auth: 'public',
    schema: { body: loginBody },
    responses: { 200: { description: 'Signed in', schema: loginResponse }, ...errorResponses(400, 401) },
    async handler(ctx: AppContext) {
      const { deps } = ctx;
      const input = ctx.state.input.body as { username: string; password: string };
      const user = await findUserByUsername(deps.db, input.username);
      const passwordOk = await verifyPassword(input.password, user ? user.passwordHash : DUMMY_HASH);
      const actor: UserActor | AnonymousActor = user ? loginActor(user) : { kind: 'anonymous', claimedName: input.username };
      const result = await runCommand(deps, actor, ctx.state.request, (c) =>
        login(c, deps.config, input, { passwordHash: user?.passwordHash, passwordOk }),
      );
      ctx.body = {
        token: result.token,
        expiresAt: result.session.expiresAt.toISOString(),
        idleTimeoutSeconds: deps.config.security.sessionIdleMs / 1000,
        user: presentUser(result.user),
      };
    },
  },
  {
    id: 'auth.logout',
    method: 'post',
    path: '/auth/logout',
    summary: 'End the current session',
    tags: ['auth'],
    auth: 'user',
    responses: { 204: { description: 'Signed out' }, ...errorResponses(401) },
    async handler(ctx: AppContext) {
      const actor = actorOf(ctx) as UserActor;
      await runCommand(ctx.deps, actor, ctx.state.request, (c) => logout({ ...c, actor }));
      ctx.status = 204;
    },
  },
  {
    id: 'auth.changePassword',
    method: 'post',
    path: '/auth/password',
    summary: 'Change your own password (required after an administrator reset)',
    tags: ['auth'],
    auth: 'user',
    schema: { body: changePasswordBody },
    responses: { 200: { description: 'Changed', schema: userSchema }, ...errorResponses(400, 401) },
    async handler(ctx: AppContext) {
      const user = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => changeOwnPassword(c, ctx.state.input.body));
      ctx.body = presentUser(user);
    },
  },
  {
    id: 'me.read',
    method: 'get',
    path: '/me',
    summary: 'Who is calling, and what they may do',
    tags: ['auth'],
    auth: 'principal',
    responses: { 200: { description: 'The caller', schema: meResponse }, ...errorResponses(401) },
    async handler(ctx: AppContext) {
      const actor = actorOf(ctx);
      const permissions = (ctx.state.ability?.rules ?? [])
        .filter((rule) => !rule.inverted)
        .flatMap((rule) => [rule.action].flat().map((action) => ({ action: String(action), subject: String(rule.subject) })));
      if (actor.kind === 'user') {
        const user = await findUserById(ctx.deps.db, actor.id);
        if (!user) throw new AuthenticationError('The account no longer exists');
        ctx.body = { kind: 'user', user: presentUser(user), permissions };
      } else if (actor.kind === 'service') {
        const { id, name, allowedActions, allowedProcessKeys } = actor;
        ctx.body = { kind: 'service', servicePrincipal: { id, name, allowedActions, allowedProcessKeys }, permissions };
      }
    },
  },
]);

