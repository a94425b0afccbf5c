import { z } from 'zod';
import type { UserActor } from '../../auth/actor';
import { SIGNATURE_MEANINGS } from '../../auth/signature-meanings';
import { assignTask, claimTask, completeUserTask, isCandidate, mayWork, unclaimTask, verifyUserTask } from '../../commands/instances/work-user-task';
import { runCommand } from '../../commands/run-command';
import { withSignature } from '../../commands/sign-record';
import { ForbiddenError, NotFoundError, ValidationError } from '../../errors/app-error';
import { presentTask } from '../../presenters/task.presenter';
import { findProcessVersion } from '../../repos/process-versions.repo';
import { findTask, findTaskWithInstance, listTasks, type UserTask } from '../../repos/user-tasks.repo';
import { validateFormData } from '../../runtime/form-validation';
import { actorOf, type AppContext } from '../context';
import { can, canOnEvery } from '../middleware/authorize';
import { defineRoutes, type RouteDef } from '../route';
import { errorResponses, idParams, pagination, reason } from './common.schema';
import { variables } from './instances.schema';

const signature = z.object({ password: z.string().min(1).max(256), meaning: z.enum(SIGNATURE_MEANINGS), comment: z.string().trim().max(2000).optional() }).strict();

const listQuery = z
  .object({
    view: z.enum(['workable', 'mine', 'all']).default('workable'),
    status: z.enum(['open', 'awaiting_verification', 'completed', 'cancelled']).default('open'),
    key: z.string().max(128).optional(),
    instanceId: z.uuid().optional(),
    activityId: z.string().max(128).optional(),
    overdue: z.enum(['true', 'false']).optional(),
    ...pagination,
  })
  .strict();

const completeBody = z.object({ variables: variables.default({}), signature: signature.optional() }).strict().meta({ id: 'CompleteTaskRequest' });
const assignBody = z.object({ assignee: z.string().trim().min(1).max(64).nullable(), reason }).strict().meta({ id: 'AssignTaskRequest' });

const taskSchema = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    instanceId: z.uuid(),
    activityId: z.string(),
    key: z.string(),
    businessKey: z.string().nullable(),
    candidateGroups: z.array(z.string()),
    candidateUsers: z.array(z.string()),
    assignee: z.string().nullable(),
    dueAt: z.string().nullable(),
    overdue: z.boolean(),
    priority: z.number(),
    status: z.string(),
    formRef: z.string().nullable(),
    signature: z.object({ required: z.boolean(), meaning: z.string(), verifierRequired: z.boolean() }).nullable(),
    createdAt: z.string(),
    claimedAt: z.string().nullable(),
    completedBy: z.string().nullable(),
    completedAt: z.string().nullable(),
    verifiedBy: z.string().nullable(),
    verifiedAt: z.string().nullable(),
    form: z.unknown().optional(),
  })
  .meta({ id: 'Task' });

/** Loads a task the caller may see: a candidate, the assignee, or anyone who may assign tasks. */
async function visibleTask(ctx: AppContext, id: string): Promise<{ task: UserTask; instance: { key: string; businessKey: string | null; versionId: string } }> {
  const found = await findTaskWithInstance(ctx.deps.db, id);
  const user = actorOf(ctx) as UserActor;
  if (!found) throw new NotFoundError(`No task ${id}`);
  const { task, instance } = found;
  const involved = mayWork(task, user) || isCandidate(task, user) || task.completedBy === user.username || canOnEvery(ctx, 'assign', 'UserTask') || can(ctx, 'read', 'Record');
  if (!involved) throw new NotFoundError(`No task ${id}`);
  return { task, instance };
}

async function formOf(ctx: AppContext, task: UserTask, versionId: string): Promise<Record<string, unknown> | null> {
  if (!task.formRef) return null;
  const version = await findProcessVersion(ctx.deps.db, versionId);
  const form = version?.forms[task.formRef];
  return form && typeof form === 'object' ? (form as Record<string, unknown>) : null;
}

async function respond(ctx: AppContext, id: string) {
  const { task, instance } = await visibleTask(ctx, id);
  ctx.body = presentTask(task, instance, ctx.deps.clock.now());
}

/** A task action without a body beyond its schema: claim, unclaim. */
function taskAction(id: string, verb: string, summary: string, action: 'claim' | 'unclaim', command: typeof claimTask): RouteDef {
  return {
    id,
    method: 'post',
    path: `/tasks/:id/${verb}`,
    summary,
    tags: ['tasks'],
    auth: 'user',
    permission: [action, 'UserTask'],
    schema: { params: idParams },
    responses: { 200: { description: 'The task', schema: taskSchema }, ...errorResponses(401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const user = actorOf(ctx) as UserActor;
      await runCommand(ctx.deps, user, ctx.state.request, (c) => command({ ...c, actor: user }, ctx.state.input.params.id));
      await respond(ctx, ctx.state.input.params.id);
    },
  };
}

export const taskRoutes = defineRoutes([
  {
    id: 'tasks.list',
    method: 'get',
    path: '/tasks',
    summary: 'The task list: tasks I can work (assigned to me or offered to me or my roles), mine, or all (supervisors)',
    tags: ['tasks'],
    auth: 'user',
    permission: ['read', 'UserTask'],
    schema: { query: listQuery },
    responses: { 200: { description: 'Tasks, most urgent first', schema: z.object({ items: z.array(taskSchema), total: z.number() }) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const query = ctx.state.input.query;
      const user = actorOf(ctx) as UserActor;
      if (query.view === 'all' && !canOnEvery(ctx, 'assign', 'UserTask')) throw new ForbiddenError('Only those who assign tasks see all of them');
      const now = ctx.deps.clock.now();
      const page = await listTasks(ctx.deps.db, {
        status: query.status,
        key: query.key,
        instanceId: query.instanceId,
        activityId: query.activityId,
        overdueAt: query.overdue === 'true' ? now : undefined,
        ...(query.view === 'mine' ? { assignee: user.username } : query.view === 'workable' ? { workableBy: { userId: user.id, username: user.username, roles: user.roles } } : {}),
        limit: query.limit,
        offset: query.offset,
      });
      ctx.body = { items: page.items.map((t) => presentTask(t, t, now)), total: page.total };
    },
  },
  {
    id: 'tasks.read',
    method: 'get',
    path: '/tasks/:id',
    summary: 'A task with its form',
    tags: ['tasks'],
    auth: 'user',
    permission: ['read', 'UserTask'],
    schema: { params: idParams },
    responses: { 200: { description: 'The task', schema: taskSchema }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      const { task, instance } = await visibleTask(ctx, ctx.state.input.params.id);
      ctx.body = { ...presentTask(task, instance, ctx.deps.clock.now(), await formOf(ctx, task, instance.versionId)), submitted: task.submitted };
    },
  },
  taskAction('tasks.claim', 'claim', 'Claim a task offered to you', 'claim', claimTask),
  taskAction('tasks.unclaim', 'unclaim', 'Give a claimed task back', 'unclaim', unclaimTask),
  {
    id: 'tasks.assign',
    method: 'post',
    path: '/tasks/:id/assign',
    summary: 'Assign (or reassign) a task to a person, or back to its candidates (null), with a reason',
    tags: ['tasks'],
    auth: 'user',
    permission: ['assign', 'UserTask'],
    schema: { params: idParams, body: assignBody },
    responses: { 200: { description: 'The task', schema: taskSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const user = actorOf(ctx) as UserActor;
      const { params, body } = ctx.state.input;
      await runCommand(ctx.deps, user, ctx.state.request, (c) => assignTask({ ...c, actor: user }, params.id, body));
      await respond(ctx, params.id);
    },
  },
  {
    id: 'tasks.complete',
    method: 'post',
    path: '/tasks/:id/complete',
    summary: 'Complete a task with its form data (validated against the form) and, when it requires one, a signature',
    tags: ['tasks'],
    auth: 'user',
    permission: ['complete', 'UserTask'],
    schema: { params: idParams, body: completeBody },
    responses: { 200: { description: 'The task after completion', schema: taskSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const user = actorOf(ctx) as UserActor;
      const { params, body } = ctx.state.input;
      const { task, instance } = await visibleTask(ctx, params.id);
      const form = await formOf(ctx, task, instance.versionId);
      if (form) {
        const errors = validateFormData(form, body.variables);
        if (errors.length) throw new ValidationError(`${errors[0].message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, errors);
      }
      const command = (c: Parameters<Parameters<typeof runCommand>[3]>[0]) =>
        completeUserTask({ ...c, actor: user }, ctx.deps.engine, params.id, { variables: body.variables, signature: body.signature && { meaning: body.signature.meaning, comment: body.signature.comment } });
      const done = body.signature ? await withSignature(ctx.deps, user, ctx.state.request, body.signature, command) : await runCommand(ctx.deps, user, ctx.state.request, command);
      // The task as this completion committed it: the performer may see it (completedBy).
      ctx.body = presentTask(done.task, instance, ctx.deps.clock.now());
    },
  },
  {
    id: 'tasks.verify',
    method: 'post',
    path: '/tasks/:id/verify',
    summary: 'Verify a performed step as a second person (signature, meaning "verified")',
    tags: ['tasks'],
    auth: 'user',
    permission: ['complete', 'UserTask'],
    schema: { params: idParams, body: signature.meta({ id: 'VerifyTaskRequest' }) },
    responses: { 200: { description: 'The task after verification', schema: taskSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const user = actorOf(ctx) as UserActor;
      const { params, body } = ctx.state.input;
      // The command checks that the verifier is a candidate and not the performer.
      if (!(await findTask(ctx.deps.db, params.id))) throw new NotFoundError(`No task ${params.id}`);
      await withSignature(ctx.deps, user, ctx.state.request, body, (c) => verifyUserTask({ ...c, actor: user }, ctx.deps.engine, params.id, { meaning: body.meaning, comment: body.comment }));
      await respond(ctx, params.id);
    },
  },
]);
