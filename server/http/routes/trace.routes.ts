import { z } from 'zod';
import { presentExposure, presentHold, presentTrace, presentWhereUsed } from '../../presenters/trace.presenter';
import { findHoldsOfLot } from '../../repos/lot-holds.repo';
import { findExposure, traceGenealogy } from '../../traceability/trace';
import type { AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses } from './common.schema';
import { exposureQuery, exposureSchema, holdSchema, lotParams, traceParams, traceQuery, traceSchema, whereUsedQuery, whereUsedSchema } from './trace.schema';

export const traceRoutes = defineRoutes([
  {
    id: 'trace.read',
    method: 'get',
    path: '/trace/:identifier',
    summary: 'Backward (inputs) or forward (where used, where it went) trace of a lot or serial, N levels deep (T02)',
    tags: ['traceability'],
    auth: 'user',
    permission: ['read', 'Trace'],
    schema: { params: traceParams, query: traceQuery },
    responses: { 200: { description: 'The trace with its query and time (re-run it with the same asOf)', schema: traceSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const { params, query } = ctx.state.input;
      const trace = await traceGenealogy(ctx.deps.db, { identifier: params.identifier, material: query.material, direction: query.direction, depth: query.depth, asOf: query.asOf }, ctx.deps.clock.now());
      ctx.body = presentTrace(trace);
    },
  },
  {
    id: 'trace.whereUsed',
    method: 'get',
    path: '/trace/:identifier/where-used',
    summary: 'Where a lot or serial was used: its direct consumers and the end items it went into, with their status and location',
    tags: ['traceability'],
    auth: 'user',
    permission: ['read', 'Trace'],
    schema: { params: traceParams, query: whereUsedQuery },
    responses: { 200: { description: 'Where used', schema: whereUsedSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const { params, query } = ctx.state.input;
      const trace = await traceGenealogy(ctx.deps.db, { identifier: params.identifier, material: query.material, direction: 'forward', depth: query.depth, asOf: query.asOf }, ctx.deps.clock.now());
      ctx.body = presentWhereUsed(trace);
    },
  },
  {
    id: 'trace.exposure',
    method: 'get',
    path: '/exposure',
    summary: 'Units processed on a piece of equipment, by a person, under a process version or measured with a gauge, in a time window (T03)',
    tags: ['traceability'],
    auth: 'user',
    permission: ['read', 'Trace'],
    schema: { query: exposureQuery },
    responses: { 200: { description: 'The exposed units with their events', schema: exposureSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      ctx.body = presentExposure(await findExposure(ctx.deps.db, ctx.state.input.query, ctx.deps.clock.now()));
    },
  },
  {
    id: 'lots.holds',
    method: 'get',
    path: '/lots/:lot/holds',
    summary: 'The holds of a lot, active and released, with who placed and released them and why (W18)',
    tags: ['traceability'],
    auth: 'user',
    permission: ['read', 'Trace'],
    schema: { params: lotParams },
    responses: { 200: { description: 'Holds, oldest first', schema: z.object({ lot: z.string(), onHold: z.boolean(), items: z.array(holdSchema) }) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const holds = await findHoldsOfLot(ctx.deps.db, ctx.state.input.params.lot);
      ctx.body = { lot: ctx.state.input.params.lot, onHold: holds.some((h) => h.status === 'active'), items: holds.map(presentHold) };
    },
  },
]);
