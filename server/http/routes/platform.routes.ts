import { z } from 'zod';
import type { UserActor } from '../../auth/actor';
import { runCommand } from '../../commands/run-command';
import { NotFoundError } from '../../errors/app-error';
import { registerEquipmentProfile } from '../../kpis/equipment-profile';
import { registerGauge, utcDate } from '../../platform/gauges';
import { presentGauge, presentNotification } from '../../presenters/trace.presenter';
import { findEquipmentProfile } from '../../repos/equipment-samples.repo';
import { findGauge, listGauges } from '../../repos/gauges.repo';
import { listNotificationsForRoles } from '../../repos/notifications.repo';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses, pagination, reason } from './common.schema';

// Master data of the platform operations (the gauge register, ideal cycle times) and the
// notifications sent to roles.

const gaugeId = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64');
const isoDay = z.iso.date();

const gaugeBody = z
  .object({
    description: z.string().trim().max(500).nullable().default(null),
    location: z.string().trim().max(200).nullable().default(null),
    status: z.enum(['active', 'retired']).default('active'),
    calibratedOn: isoDay.nullable().default(null),
    calibrationDue: isoDay,
    certificate: z.string().trim().max(200).nullable().default(null),
    reason,
  })
  .strict()
  .refine((g) => !g.calibratedOn || g.calibratedOn <= g.calibrationDue, { message: 'the calibration cannot be due before it was done', path: ['calibrationDue'] })
  .meta({ id: 'GaugeRequest' });

const gaugeSchema = z
  .object({
    id: z.string(),
    description: z.string().nullable(),
    location: z.string().nullable(),
    status: z.enum(['active', 'retired']),
    calibratedOn: z.string().nullable(),
    calibrationDue: z.string(),
    certificate: z.string().nullable(),
    usable: z.boolean(),
    updatedBy: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Gauge' });

const profileBody = z.object({ name: z.string().trim().max(200).nullable().default(null), idealCycleMs: z.number().int().min(1).max(86_400_000), reason }).strict().meta({ id: 'EquipmentProfileRequest' });
const profileSchema = z.object({ equipmentId: z.string(), name: z.string().nullable(), idealCycleMs: z.number().int(), updatedBy: z.string().nullable(), updatedAt: z.string() }).meta({ id: 'EquipmentProfile' });

const notificationSchema = z
  .object({ id: z.uuid(), instanceId: z.string().nullable(), key: z.string().nullable(), businessKey: z.string().nullable(), tier: z.number().nullable(), roles: z.array(z.string()), subject: z.string(), eventClass: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'Notification' });

export const platformRoutes = defineRoutes([
  {
    id: 'gauges.list',
    method: 'get',
    path: '/gauges',
    summary: 'The gauge calibration register (W11)',
    tags: ['equipment'],
    auth: 'user',
    permission: ['read', 'Equipment'],
    responses: { 200: { description: 'Gauges', schema: z.object({ items: z.array(gaugeSchema), total: z.number() }) }, ...errorResponses(401, 403) },
    async handler(ctx: AppContext) {
      const today = utcDate(ctx.deps.clock.now());
      const gauges = await listGauges(ctx.deps.db);
      ctx.body = { items: gauges.map((g) => presentGauge(g, today)), total: gauges.length };
    },
  },
  {
    id: 'gauges.put',
    method: 'put',
    path: '/gauges/:gaugeId',
    summary: 'Register a gauge or record its calibration or retirement (audited, with a reason)',
    tags: ['equipment'],
    auth: 'user',
    permission: ['update', 'Equipment'],
    schema: { params: z.object({ gaugeId }).strict(), body: gaugeBody },
    responses: { 200: { description: 'The register entry', schema: gaugeSchema }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      const existing = await findGauge(ctx.deps.db, params.gaugeId);
      const gauge = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => registerGauge(c, existing?.id ?? params.gaugeId, body));
      ctx.body = presentGauge(gauge, utcDate(ctx.deps.clock.now()));
    },
  },
  {
    id: 'equipment.profile',
    method: 'put',
    path: '/equipment/:equipmentId/profile',
    summary: 'Set the ideal cycle time of a piece of equipment (OEE performance, K01)',
    tags: ['equipment'],
    auth: 'user',
    permission: ['update', 'Equipment'],
    schema: { params: z.object({ equipmentId: gaugeId }).strict(), body: profileBody },
    responses: { 200: { description: 'The profile', schema: profileSchema }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const { params, body } = ctx.state.input;
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => registerEquipmentProfile(c, { equipmentId: params.equipmentId, name: body.name, idealCycleMs: body.idealCycleMs, reason: body.reason }));
      const profile = await findEquipmentProfile(ctx.deps.db, params.equipmentId);
      if (!profile) throw new NotFoundError(`No profile of ${params.equipmentId}`);
      ctx.body = { ...profile, updatedAt: profile.updatedAt.toISOString() };
    },
  },
  {
    id: 'notifications.list',
    method: 'get',
    path: '/notifications',
    summary: 'Notifications sent to my roles (escalation tiers), newest first',
    tags: ['tasks'],
    auth: 'user',
    permission: ['read', 'UserTask'],
    schema: { query: z.object({ ...pagination }).strict() },
    responses: { 200: { description: 'Notifications', schema: z.object({ items: z.array(notificationSchema), total: z.number() }) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const user = actorOf(ctx) as UserActor;
      const page = await listNotificationsForRoles(ctx.deps.db, user.roles, ctx.state.input.query);
      ctx.body = { items: page.items.map(presentNotification), total: page.total };
    },
  },
]);
