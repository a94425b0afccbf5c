import { z } from 'zod';
import { runCommand } from '../../commands/run-command';
import { configureMonitoring } from '../../equipment/configure-monitoring';
import { listEquipment, readEquipment } from '../../equipment/equipment-view';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses } from './common.schema';
import { equipmentDetailSchema, equipmentParams, equipmentSchema, monitoringBody } from './equipment.schema';

export const equipmentRoutes = defineRoutes([
  {
    id: 'equipment.list',
    method: 'get',
    path: '/equipment',
    summary: 'Equipment (each registered opcua connector) with its live state: PackML state, counters, temperature, alarm, setpoint, connection',
    tags: ['equipment'],
    auth: 'user',
    permission: ['read', 'Equipment'],
    responses: { 200: { description: 'Equipment', schema: z.object({ items: z.array(equipmentSchema), total: z.number() }) }, ...errorResponses(401, 403) },
    async handler(ctx: AppContext) {
      const items = await listEquipment(ctx.deps.db);
      ctx.body = { items, total: items.length };
    },
  },
  {
    id: 'equipment.read',
    method: 'get',
    path: '/equipment/:id',
    summary: 'One piece of equipment: live state, what is monitored, and the recent connection gaps',
    tags: ['equipment'],
    auth: 'user',
    permission: ['read', 'Equipment'],
    schema: { params: equipmentParams },
    responses: { 200: { description: 'The equipment', schema: equipmentDetailSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      ctx.body = await readEquipment(ctx.deps.db, ctx.state.input.params.id);
    },
  },
  {
    id: 'equipment.monitoring',
    method: 'put',
    path: '/equipment/:id/monitoring',
    summary: 'Set what the equipment monitor watches (nodes, alarms) and which states and alarms send which messages; audited with a reason',
    tags: ['equipment'],
    auth: 'user',
    permission: ['update', 'Equipment'],
    schema: { params: equipmentParams, body: monitoringBody },
    responses: { 200: { description: 'The equipment after the change', schema: equipmentDetailSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const { reason, ...config } = body;
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => configureMonitoring(c, params.id, config, reason));
      ctx.body = await readEquipment(ctx.deps.db, params.id);
    },
  },
]);
