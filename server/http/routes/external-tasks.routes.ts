import type Koa from 'koa';
import type { Next } from 'koa';
import { z } from 'zod';
import { runCommand } from '../../commands/run-command';
import { NotFoundError } from '../../errors/app-error';
import { mayWorkKey } from '../../external-tasks/access';
import { completeExternalTask } from '../../external-tasks/complete-external-task';
import { toCamundaError } from '../../external-tasks/errors';
import { extendExternalTaskLock, lockExternalTask, unlockExternalTask } from '../../external-tasks/external-task-locks';
import { presentExternalTask, presentLockedTask } from '../../external-tasks/external-task.presenter';
import { findExternalTask } from '../../external-tasks/external-tasks.repo';
import { fetchAndLock, type FetchAndLockInput } from '../../external-tasks/fetch-and-lock';
import { handleExternalTaskBpmnError } from '../../external-tasks/handle-external-task-bpmn-error';
import { handleExternalTaskFailure } from '../../external-tasks/handle-external-task-failure';
import { notFound } from '../../external-tasks/held-task';
import { TaskWaiters } from '../../external-tasks/task-waiters';
import { actorOf, type AppContext, type AppDeps } from '../context';
import { defineRoutes, type ResponseSpec, type RouteDef } from '../route';
import { buildRouter } from '../router';
import {
  bpmnErrorBody,
  camundaErrorSchema,
  completeBody,
  extendLockBody,
  externalTaskSchema,
  failureBody,
  fetchAndLockBody,
  idParams,
  lockBody,
  lockedTaskSchema,
  unlockBody,
} from './external-tasks.schema';

/** Where Camunda 7's REST API lives; existing workers are pointed at `<gemba>/engine-rest`. */
export const ENGINE_REST_PREFIX = '/engine-rest';

const errors = (...statuses: number[]): Record<number, ResponseSpec> =>
  Object.fromEntries(statuses.map((status) => [status, { description: `Camunda error ({type, message})`, schema: camundaErrorSchema }]));
const noContent = { 204: { description: 'Done; no content' } };

/** Camunda's clients compare the content type exactly: `application/json`, without a charset. */
function sendJson(ctx: AppContext, body: unknown, status = 200): void {
  ctx.status = status;
  ctx.body = JSON.stringify(body);
  ctx.set('Content-Type', 'application/json');
}

function noContentReply(ctx: AppContext): void {
  ctx.status = 204;
  ctx.body = null;
}

/**
 * The external task endpoints of Camunda 7's REST API, paths below `/engine-rest`. Every route
 * needs the `work` permission on ExternalTask (service principals: scope `work`); each task is
 * further checked against the caller's process keys.
 */
export function externalTaskRoutes(options: { waiters: TaskWaiters; repollMs: number }): RouteDef[] {
  return defineRoutes([
    {
      id: 'externalTasks.fetchAndLock',
      method: 'post',
      path: '/external-task/fetchAndLock',
      summary: 'Fetch and lock external tasks of the given topics (long polling with asyncResponseTimeout)',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { body: fetchAndLockBody },
      responses: { 200: { description: 'The locked tasks (an empty list when none came in time)', schema: z.array(lockedTaskSchema) }, ...errors(400, 401, 403) },
      async handler(ctx: AppContext) {
        const input = ctx.state.input.body as FetchAndLockInput;
        const aborted = new AbortController();
        const onClose = () => {
          if (!ctx.res.writableFinished) aborted.abort();
        };
        ctx.res.once('close', onClose);
        try {
          const locked = await fetchAndLock({ ...ctx.deps, ...options }, actorOf(ctx), ctx.state.request, input, aborted.signal);
          if (aborted.signal.aborted && locked.length) {
            // The worker has gone: give the tasks back at once instead of waiting for their locks to run out.
            for (const { task } of locked) await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => unlockExternalTask(c, task.id)).catch(() => undefined);
            noContentReply(ctx);
            return;
          }
          sendJson(
            ctx,
            locked.map(({ task, topic }) => presentLockedTask(task, { names: topic.variables, localOnly: topic.localVariables, includeExtensionProperties: topic.includeExtensionProperties })),
          );
        } finally {
          ctx.res.off('close', onClose);
        }
      },
    },
    {
      id: 'externalTasks.read',
      method: 'get',
      path: '/external-task/:id',
      summary: 'One external task',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams },
      responses: { 200: { description: 'The task', schema: externalTaskSchema }, ...errors(401, 403, 404) },
      async handler(ctx: AppContext) {
        const id = ctx.state.input.params.id as string;
        const task = await findExternalTask(ctx.deps.db, id);
        if (!task || task.status === 'done' || task.status === 'cancelled' || !mayWorkKey(actorOf(ctx), task.key)) throw notFound(id);
        sendJson(ctx, presentExternalTask(task));
      },
    },
    {
      id: 'externalTasks.errorDetails',
      method: 'get',
      path: '/external-task/:id/errorDetails',
      summary: 'The error details a worker last reported for a task',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams },
      responses: { 200: { description: 'The details, as text', contentType: 'text/plain', schema: z.string() }, ...errors(401, 403, 404) },
      async handler(ctx: AppContext) {
        const id = ctx.state.input.params.id as string;
        const task = await findExternalTask(ctx.deps.db, id);
        if (!task || !mayWorkKey(actorOf(ctx), task.key)) throw notFound(id);
        ctx.type = 'text/plain';
        ctx.body = task.errorDetails ?? '';
      },
    },
    {
      id: 'externalTasks.complete',
      method: 'post',
      path: '/external-task/:id/complete',
      summary: 'Complete a locked task with variables in Camunda’s typed form; the instance moves on',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams, body: completeBody },
      responses: { ...noContent, ...errors(400, 401, 403, 404) },
      async handler(ctx: AppContext) {
        await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => completeExternalTask(c, ctx.deps.engine, ctx.state.input.params.id, ctx.state.input.body));
        noContentReply(ctx);
      },
    },
    {
      id: 'externalTasks.failure',
      method: 'post',
      path: '/external-task/:id/failure',
      summary: 'Report a failure: retried after retryTimeout while retries are left, else an incident',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams, body: failureBody },
      responses: { ...noContent, ...errors(400, 401, 403, 404) },
      async handler(ctx: AppContext) {
        await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => handleExternalTaskFailure(c, ctx.state.input.params.id, ctx.state.input.body));
        noContentReply(ctx);
      },
    },
    {
      id: 'externalTasks.bpmnError',
      method: 'post',
      path: '/external-task/:id/bpmnError',
      summary: 'Report a business error, caught by an error boundary event with the same code',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams, body: bpmnErrorBody },
      responses: { ...noContent, ...errors(400, 401, 403, 404) },
      async handler(ctx: AppContext) {
        await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => handleExternalTaskBpmnError(c, ctx.deps.engine, ctx.state.input.params.id, ctx.state.input.body));
        noContentReply(ctx);
      },
    },
    {
      id: 'externalTasks.extendLock',
      method: 'post',
      path: '/external-task/:id/extendLock',
      summary: 'Set a held lock to end newDuration ms from now',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams, body: extendLockBody },
      responses: { ...noContent, ...errors(400, 401, 403, 404) },
      async handler(ctx: AppContext) {
        await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => extendExternalTaskLock(c, ctx.state.input.params.id, ctx.state.input.body));
        noContentReply(ctx);
      },
    },
    {
      id: 'externalTasks.lock',
      method: 'post',
      path: '/external-task/:id/lock',
      summary: 'Lock one task by id for a worker',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams, body: lockBody },
      responses: { ...noContent, ...errors(400, 401, 403, 404) },
      async handler(ctx: AppContext) {
        await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => lockExternalTask(c, ctx.state.input.params.id, ctx.state.input.body));
        noContentReply(ctx);
      },
    },
    {
      id: 'externalTasks.unlock',
      method: 'post',
      path: '/external-task/:id/unlock',
      summary: 'Release a task’s lock so that any worker can fetch it',
      tags: ['external tasks'],
      auth: 'principal',
      permission: ['work', 'ExternalTask'],
      schema: { params: idParams, body: unlockBody },
      responses: { ...noContent, ...errors(401, 403, 404) },
      async handler(ctx: AppContext) {
        await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => unlockExternalTask(c, ctx.state.input.params.id));
        noContentReply(ctx);
      },
    },
  ]);
}

/** The mounted Camunda-compatible API of one node. */
export type EngineRestApi = {
  routes: RouteDef[];
  /** Koa middleware serving `/engine-rest/…` with Camunda's error bodies; other paths pass through. */
  middleware: Koa.Middleware<any, any>;
  /** Answers every waiting long poll now and stops listening for new tasks (node shutdown). */
  close(): void;
};

/**
 * Builds the external task API of Camunda 7 under `/engine-rest`: the routes, behind the same
 * authentication, permission, body and validation chain as `/api/v1`, and an error mapper that
 * answers Camunda's `{type, message}` (with Gemba's request id) instead of problem+json.
 * `repollMs` is how often a long poll looks again without a wake-up from this node.
 */
export function createEngineRestApi(deps: Pick<AppDeps, 'bus' | 'logger' | 'config'>, options: { repollMs?: number } = {}): EngineRestApi {
  const waiters = new TaskWaiters(deps.bus);
  const routes = externalTaskRoutes({ waiters, repollMs: options.repollMs ?? 1000 });
  const router = buildRouter(ENGINE_REST_PREFIX, routes, deps.config.http.jsonLimit);
  const dispatch = router.routes();
  const methods = router.allowedMethods({ throw: false });
  const middleware = async (ctx: AppContext, next: Next) => {
    if (ctx.path !== ENGINE_REST_PREFIX && !ctx.path.startsWith(`${ENGINE_REST_PREFIX}/`)) return next();
    acceptBasicApiKey(ctx);
    try {
      await dispatch(ctx as never, async () => methods(ctx as never, async () => undefined));
      if (ctx.status === 404 && ctx.body === undefined) throw notFoundPath(ctx);
    } catch (error) {
      const mapped = toCamundaError(error, ctx.state.requestId);
      if (!mapped.known) ctx.deps.logger.error({ err: error, requestId: ctx.state.requestId, path: ctx.path }, 'unhandled error');
      else if (mapped.status >= 500) ctx.deps.logger.warn({ err: error, requestId: ctx.state.requestId }, mapped.body.message);
      sendJson(ctx, mapped.body, mapped.status);
      if (mapped.status === 401) ctx.set('WWW-Authenticate', 'Basic realm="gemba", X-API-Key');
    }
  };
  return { routes, middleware: middleware as Koa.Middleware<any, any>, close: () => waiters.close() };
}

/**
 * Mounts the Camunda-compatible external task API on an app (call it after the request id and
 * problem middleware, before the `/api/v1` router). `app.emit('shutdown')` answers the waiting
 * long polls at once, so that a stopping server need not wait up to their timeout.
 */
export function mountEngineRest(app: Koa<any, any>, deps: Pick<AppDeps, 'bus' | 'logger' | 'config'>, options: { repollMs?: number } = {}): EngineRestApi {
  const api = createEngineRestApi(deps, options);
  app.use(api.middleware);
  app.once('shutdown', () => api.close());
  return api;
}

/**
 * Workers configured with Camunda's BasicAuthInterceptor send `Authorization: Basic`: the password
 * is taken as the API key (the user name is ignored), so they need no code change either.
 */
function acceptBasicApiKey(ctx: AppContext): void {
  const basic = /^Basic\s+(\S+)$/i.exec(ctx.get('authorization'));
  if (!basic || ctx.get('x-api-key')) return;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');
  const headers = ctx.req.headers;
  delete headers.authorization;
  if (separator >= 0 && decoded.length > separator + 1) headers['x-api-key'] = decoded.slice(separator + 1);
}

function notFoundPath(ctx: AppContext) {
  return new NotFoundError(`No resource at ${ctx.method} ${ctx.path}`);
}
