import { runCommand } from '../../commands/run-command';
import { defineMaterial } from '../../isa95/define-material';
import { presentMaterialDefinition, presentOutboxMessage } from '../../isa95/isa95.presenter';
import { listMaterialDefinitions } from '../../isa95/material-definitions.repo';
import { listOutboxMessages } from '../../isa95/outbox.repo';
import { receiveProductionSchedule, RELEASE_PROCESS_KEY, SCHEDULE_MESSAGE_NAME, type ReleaseTarget } from '../../isa95/receive-production-schedule';
import { requeueOutboxMessage } from '../../isa95/requeue-outbox-message';
import { findReleasedVersion } from '../../repos/process-versions.repo';
import { releasedVersionsStartingOn } from '../../runtime/start-events';
import { actorOf, type AppContext } from '../context';
import { authorize } from '../middleware/authorize';
import { defineRoutes } from '../route';
import { errorResponses, idParams, paged } from './common.schema';
import {
  acknowledgeProductionScheduleSchema,
  materialBody,
  materialParams,
  materialQuery,
  materialSchema,
  outboxMessageSchema,
  outboxQuery,
  processProductionScheduleSchema,
  requeueBody,
} from './isa95.schema';

/** The header that tells a replayed acknowledgement from a first one. */
export const REPLAY_HEADER = 'Gemba-Replayed';

/** The released release process, and whether it starts on the schedule message (read before the transaction). */
async function releaseTarget(ctx: AppContext): Promise<ReleaseTarget | undefined> {
  const version = await findReleasedVersion(ctx.deps.db, RELEASE_PROCESS_KEY);
  if (!version) return undefined;
  const onMessage = await releasedVersionsStartingOn(ctx.deps.db, 'message', SCHEDULE_MESSAGE_NAME);
  return { version, ...(onMessage.some((v) => v.id === version.id) ? { messageName: SCHEDULE_MESSAGE_NAME } : {}) };
}

/**
 * ISA-95 integration (I01, I02, I04): production schedules in, the outbox of performance
 * messages out (its dead letters), and the material master the schedules are checked against.
 */
export const isa95Routes = defineRoutes([
  {
    id: 'isa95.receiveSchedule',
    method: 'post',
    path: '/isa95/production-schedules',
    summary: 'Receive a B2MML ProcessProductionSchedule: accept or reject each work order; accepted ones start the work order release',
    tags: ['isa95'],
    auth: 'principal',
    permission: ['start', 'ProcessInstance', 'some'],
    schema: { body: processProductionScheduleSchema },
    bodyLimit: '4mb',
    responses: {
      200: { description: `The AcknowledgeProductionSchedule; a repeated message id answers the stored one with replayed: true (header ${REPLAY_HEADER})`, schema: acknowledgeProductionScheduleSchema },
      ...errorResponses(400, 401, 403, 409, 413),
    },
    async handler(ctx: AppContext) {
      authorize(ctx, 'start', 'ProcessInstance', { key: RELEASE_PROCESS_KEY });
      const target = await releaseTarget(ctx);
      const receipt = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => receiveProductionSchedule(c, ctx.deps.engine, ctx.state.input.body, target));
      ctx.set(REPLAY_HEADER, String(receipt.replayed));
      ctx.body = { ...receipt.acknowledgement, replayed: receipt.replayed };
    },
  },
  {
    id: 'isa95.outbox',
    method: 'get',
    path: '/isa95/outbox',
    summary: 'Outbound messages, newest first; ?status=dead is the dead-letter view',
    tags: ['isa95'],
    auth: 'user',
    permission: ['read', 'Incident'],
    schema: { query: outboxQuery },
    responses: { 200: { description: 'A page of outbox messages', schema: paged(outboxMessageSchema) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const page = await listOutboxMessages(ctx.deps.db, ctx.state.input.query);
      ctx.body = { items: page.items.map(presentOutboxMessage), total: page.total };
    },
  },
  {
    id: 'isa95.retryOutbox',
    method: 'post',
    path: '/isa95/outbox/:id/retry',
    summary: 'Re-queue a dead-lettered message: it is delivered again with fresh attempts',
    tags: ['isa95'],
    auth: 'user',
    permission: ['retry', 'Incident'],
    schema: { params: idParams, body: requeueBody },
    responses: { 200: { description: 'The re-queued message', schema: outboxMessageSchema }, ...errorResponses(400, 401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const message = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => requeueOutboxMessage(c, params.id, body?.reason));
      ctx.body = presentOutboxMessage(message);
    },
  },
  {
    id: 'isa95.materials',
    method: 'get',
    path: '/isa95/material-definitions',
    summary: 'The material master that production schedules are checked against',
    tags: ['isa95'],
    auth: 'user',
    permission: ['read', 'ProcessVersion'],
    schema: { query: materialQuery },
    responses: { 200: { description: 'A page of material definitions', schema: paged(materialSchema) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const page = await listMaterialDefinitions(ctx.deps.db, ctx.state.input.query);
      ctx.body = { items: page.items.map(presentMaterialDefinition), total: page.total };
    },
  },
  {
    id: 'isa95.defineMaterial',
    method: 'put',
    path: '/isa95/material-definitions/:id',
    summary: 'Define or change a material (unit, active or inactive); audited with old and new values',
    tags: ['isa95'],
    auth: 'user',
    permission: ['update', 'ProcessVersion'],
    schema: { params: materialParams, body: materialBody },
    responses: { 200: { description: 'The changed definition', schema: materialSchema }, 201: { description: 'The new definition', schema: materialSchema }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const { definition, created } = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => defineMaterial(c, { id: params.id, ...body }));
      ctx.status = created ? 201 : 200;
      ctx.body = presentMaterialDefinition(definition);
    },
  },
]);
