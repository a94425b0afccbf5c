import { z } from 'zod';
import { cancelInstance } from '../../commands/instances/cancel-instance';
import { deliverToSubscription } from '../../commands/instances/correlate';
import { startInstance } from '../../commands/instances/start-instance';
import { runCommand } from '../../commands/run-command';
import { ConflictError, ForbiddenError, NotFoundError } from '../../errors/app-error';
import { presentInstance, presentInstanceSummary } from '../../presenters/instance.presenter';
import { loadInstanceDetail } from '../../queries/instance-detail';
import { findInstance, listInstances } from '../../repos/process-instances.repo';
import { findReleasedVersionSummary, type ProcessVersion } from '../../repos/process-versions.repo';
import { findMessageSubscribers, findSignalSubscribers, type EventSubscription } from '../../repos/subscriptions.repo';
import { releasedVersionsStartingOn } from '../../runtime/start-events';
import { actorOf, type AppContext } from '../context';
import { authorize, can, canOnEvery } from '../middleware/authorize';
import { defineRoutes } from '../route';
import { errorResponses, idParams, paged } from './common.schema';
import { cancelBody, instanceSchema, instanceSummarySchema, keyParams, listInstancesQuery, messageBody, signalBody, startBody } from './instances.schema';

async function presentDetail(ctx: AppContext, id: string) {
  return presentInstance(await loadInstanceDetail(ctx.deps.db, id, ctx.deps.clock.now()));
}

/** Starts a version in a command of its own and answers with the new instance. */
async function start(ctx: AppContext, version: ProcessVersion, input: { businessKey?: string; variables?: Record<string, unknown>; messageName?: string }) {
  const started = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) =>
    startInstance(c, ctx.deps.engine, version, { businessKey: input.businessKey ?? null, variables: input.variables ?? {}, messageName: input.messageName }),
  );
  return started.instanceId;
}

/** Delivers to each subscribed instance (one subscription per instance), each in its own transaction. */
async function deliver(ctx: AppContext, subscriptions: EventSubscription[], delivery: { name: string; variables: Record<string, unknown>; correlationKey?: string | null }) {
  const reached: string[] = [];
  const seen = new Set<string>();
  for (const subscription of subscriptions) {
    if (seen.has(subscription.instanceId)) continue;
    seen.add(subscription.instanceId);
    const applied = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => deliverToSubscription(c, ctx.deps.engine, subscription, delivery));
    if (applied) reached.push(subscription.instanceId);
  }
  return reached;
}

const reachedSchema = z.object({ instances: z.array(z.object({ id: z.uuid(), key: z.string(), businessKey: z.string().nullable(), status: z.string(), started: z.boolean() })) }).meta({ id: 'CorrelationResult' });

async function describeReached(ctx: AppContext, ids: string[], started: Set<string>) {
  const rows = await Promise.all(ids.map((id) => findInstance(ctx.deps.db, id)));
  return rows.filter((r) => r !== undefined).map((r) => ({ id: r!.id, key: r!.key, businessKey: r!.businessKey, status: r!.status, started: started.has(r!.id) }));
}

export const instanceRoutes = defineRoutes([
  {
    id: 'instances.start',
    method: 'post',
    path: '/processes/:key/instances',
    summary: 'Start the released version of a process',
    tags: ['instances'],
    auth: 'principal',
    permission: ['start', 'ProcessInstance', 'some'],
    schema: { params: keyParams, body: startBody },
    responses: { 201: { description: 'The new instance, with its status and open tasks', schema: instanceSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { key } = ctx.state.input.params;
      authorize(ctx, 'start', 'ProcessInstance', { key });
      const version = await findReleasedVersionSummary(ctx.deps.db, key);
      if (!version) {
        const any = await ctx.deps.db('process_versions').where({ key }).first();
        if (!any) throw new NotFoundError(`No process "${key}"`);
        throw new ConflictError(`Process "${key}" has no released version`);
      }
      const id = await start(ctx, version, ctx.state.input.body);
      ctx.status = 201;
      ctx.body = await presentDetail(ctx, id);
    },
  },
  {
    id: 'instances.list',
    method: 'get',
    path: '/instances',
    summary: 'Instances, filtered by process key, status and business key',
    tags: ['instances'],
    auth: 'principal',
    permission: ['read', 'ProcessInstance', 'some'],
    schema: { query: listInstancesQuery },
    responses: { 200: { description: 'A page of instances', schema: paged(instanceSummarySchema) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const query = ctx.state.input.query;
      if (!canOnEvery(ctx, 'read', 'ProcessInstance')) {
        // A key-scoped service principal lists the instances of one of its keys at a time.
        if (!query.key) throw new ForbiddenError('Give the process key (?key=…) you may read');
        authorize(ctx, 'read', 'ProcessInstance', { key: query.key });
      }
      const page = await listInstances(ctx.deps.db, query);
      ctx.body = { items: page.items.map(presentInstanceSummary), total: page.total };
    },
  },
  {
    id: 'instances.read',
    method: 'get',
    path: '/instances/:id',
    summary: 'An instance: variables, open tasks, timers, jobs, subscriptions, incidents and history',
    tags: ['instances'],
    auth: 'principal',
    permission: ['read', 'ProcessInstance', 'some'],
    schema: { params: idParams },
    responses: { 200: { description: 'The instance', schema: instanceSchema }, ...errorResponses(401, 403, 404) },
    async handler(ctx: AppContext) {
      const instance = await findInstance(ctx.deps.db, ctx.state.input.params.id);
      if (!instance || !can(ctx, 'read', 'ProcessInstance', { key: instance.key })) throw new NotFoundError(`No instance ${ctx.state.input.params.id}`);
      ctx.body = await presentDetail(ctx, instance.id);
    },
  },
  {
    id: 'instances.cancel',
    method: 'post',
    path: '/instances/:id/cancel',
    summary: 'Cancel an instance, with a reason',
    tags: ['instances'],
    auth: 'user',
    permission: ['cancel', 'ProcessInstance', 'some'],
    schema: { params: idParams, body: cancelBody },
    responses: { 200: { description: 'The cancelled instance', schema: instanceSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const instance = await findInstance(ctx.deps.db, params.id);
      if (!instance) throw new NotFoundError(`No instance ${params.id}`);
      authorize(ctx, 'cancel', 'ProcessInstance', { key: instance.key });
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => cancelInstance(c, ctx.deps.engine, params.id, body.reason));
      ctx.body = await presentDetail(ctx, params.id);
    },
  },
  {
    id: 'messages.correlate',
    method: 'post',
    path: '/messages',
    summary: 'Correlate a message by name and correlation key (default: the business key); or start a process on it',
    tags: ['messages'],
    auth: 'principal',
    permission: ['correlate', 'Message'],
    schema: { body: messageBody },
    responses: { 200: { description: 'The instances reached or started', schema: reachedSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const { name, correlationKey, variables = {} } = ctx.state.input.body;
      const subscribers = await findMessageSubscribers(ctx.deps.db, name, correlationKey ?? null);
      const reached = await deliver(ctx, subscribers, { name, variables, correlationKey: correlationKey ?? null });
      const started = new Set<string>();
      if (reached.length === 0) {
        for (const version of await releasedVersionsStartingOn(ctx.deps.db, 'message', name)) {
          if (!can(ctx, 'start', 'ProcessInstance', { key: version.key })) continue;
          started.add(await start(ctx, version, { businessKey: correlationKey, variables, messageName: name }));
        }
      }
      const ids = [...reached, ...started];
      if (ids.length === 0) throw new NotFoundError(`No instance waits for message "${name}"${correlationKey ? ` with key "${correlationKey}"` : ''}, and no released process starts on it`);
      ctx.body = { instances: await describeReached(ctx, ids, started) };
    },
  },
  {
    id: 'signals.send',
    method: 'post',
    path: '/signals',
    summary: 'Broadcast a signal to every subscribed instance (and start processes with a signal start event)',
    tags: ['messages'],
    auth: 'principal',
    permission: ['send', 'Signal'],
    schema: { body: signalBody },
    responses: { 200: { description: 'The instances reached or started', schema: reachedSchema }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const { name, variables = {} } = ctx.state.input.body;
      const reached = await deliver(ctx, await findSignalSubscribers(ctx.deps.db, name), { name, variables });
      const started = new Set<string>();
      for (const version of await releasedVersionsStartingOn(ctx.deps.db, 'signal', name)) {
        if (!can(ctx, 'start', 'ProcessInstance', { key: version.key })) continue;
        started.add(await start(ctx, version, { variables }));
      }
      ctx.body = { instances: await describeReached(ctx, [...reached, ...started], started) };
    },
  },
]);
