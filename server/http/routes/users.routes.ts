import { createUser, deactivateUser, resetPassword, unlockUser, updateUserProfile } from '../../commands/manage-users';
import { runCommand } from '../../commands/run-command';
import { NotFoundError } from '../../errors/app-error';
import { presentUser } from '../../presenters/user.presenter';
import { findUserById, listUsers, type User } from '../../repos/users.repo';
import { actorOf, type AppContext } from '../context';
import { can } from '../middleware/authorize';
import { defineRoutes, type RouteDef } from '../route';
import { userSchema } from './auth.schema';
import { errorResponses, idParams, paged } from './common.schema';
import { createUserBody, listUsersQuery, reasonBody, resetPasswordBody, updateUserBody } from './users.schema';

type UserCommand = (ctx: Parameters<Parameters<typeof runCommand>[3]>[0], id: string, body: any) => Promise<User>;

/** One admin action on one user: POST /users/:id/<verb> {reason…} → the user after. */
function userAction(id: string, verb: string, summary: string, permission: RouteDef['permission'], body: RouteDef['schema'], command: UserCommand): RouteDef {
  return {
    id,
    method: 'post',
    path: `/users/:id/${verb}`,
    summary,
    tags: ['users'],
    auth: 'user',
    permission,
    schema: { params: idParams, ...body },
    responses: { 200: { description: 'The user after the change', schema: userSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params, body: input } = ctx.state.input;
      const user = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => command(c, params.id, input));
      ctx.body = presentUser(user);
    },
  };
}

export const userRoutes = defineRoutes([
  {
    id: 'users.list',
    method: 'get',
    path: '/users',
    summary: 'List user accounts',
    tags: ['users'],
    auth: 'user',
    permission: ['read', 'User'],
    schema: { query: listUsersQuery },
    responses: { 200: { description: 'Users', schema: paged(userSchema) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const page = await listUsers(ctx.deps.db, ctx.state.input.query);
      ctx.body = { items: page.items.map(presentUser), total: page.total };
    },
  },
  {
    id: 'users.create',
    method: 'post',
    path: '/users',
    summary: 'Create a user account (the password must be changed at first use)',
    tags: ['users'],
    auth: 'user',
    permission: ['create', 'User'],
    schema: { body: createUserBody },
    responses: { 201: { description: 'Created', schema: userSchema }, ...errorResponses(400, 401, 403, 409) },
    async handler(ctx: AppContext) {
      const user = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => createUser(c, ctx.state.input.body));
      ctx.status = 201;
      ctx.body = presentUser(user);
    },
  },
  {
    id: 'users.read',
    method: 'get',
    path: '/users/:id',
    summary: 'Read a user account',
    tags: ['users'],
    auth: 'user',
    schema: { params: idParams },
    responses: { 200: { description: 'The user', schema: userSchema }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      const user = await findUserById(ctx.deps.db, ctx.state.input.params.id);
      // Whoever may not read it learns nothing about whether it exists.
      if (!user || !can(ctx, 'read', 'User', { id: user.id })) {
        throw new NotFoundError(`No user with id ${ctx.state.input.params.id}`);
      }
      ctx.body = presentUser(user);
    },
  },
  {
    id: 'users.update',
    method: 'put',
    path: '/users/:id',
    summary: "Change a user's printed name, e-mail or roles",
    tags: ['users'],
    auth: 'user',
    permission: ['update', 'User'],
    schema: { params: idParams, body: updateUserBody },
    responses: { 200: { description: 'The user after the change', schema: userSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const user = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => updateUserProfile(c, params.id, body));
      ctx.body = presentUser(user);
    },
  },
  userAction('users.deactivate', 'deactivate', 'Deactivate an account (accounts are never deleted)', ['deactivate', 'User'], { body: reasonBody }, deactivateUser),
  userAction('users.unlock', 'unlock', 'Unlock an account locked by failed attempts', ['unlock', 'User'], { body: reasonBody }, unlockUser),
  userAction('users.resetPassword', 'reset-password', 'Set a temporary password the owner must change', ['resetPassword', 'User'], { body: resetPasswordBody }, resetPassword),
]);
