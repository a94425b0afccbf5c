import { z } from 'zod';
import { runCommand } from '../../commands/run-command';
import { actOnCondition, listActiveConditions, type ConditionAction } from '../../equipment/condition-actions';
import { configureMonitoring } from '../../equipment/configure-monitoring';
import { listServerCertificates, setServerCertificateTrust, type ServerCertificate, type TrustStatus } from '../../equipment/trust-list';
import { listEquipment, readEquipment } from '../../equipment/equipment-view';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses, reasonOnly } from './common.schema';
import { certificateParams, conditionActionBody, conditionActionResult, conditionParams, conditionSchema, equipmentDetailSchema, equipmentParams, equipmentSchema, monitoringBody, serverCertificateSchema } from './equipment.schema';

const conditionAction = (action: ConditionAction, summary: string) => ({
  id: `equipment.alarms.${action}`,
  method: 'post' as const,
  path: `/equipment/:id/alarms/:conditionId/${action}`,
  summary,
  tags: ['equipment'],
  auth: 'user' as const,
  permission: ['acknowledge', 'Equipment'] as ['acknowledge', 'Equipment'],
  schema: { params: conditionParams, body: conditionActionBody },
  responses: { 200: { description: 'The equipment answered Good; audited', schema: conditionActionResult }, ...errorResponses(400, 401, 403, 404, 409, 502, 504) },
  async handler(ctx: AppContext) {
    const { params, body } = ctx.state.input;
    const { statusCode } = await actOnCondition(ctx.deps, actorOf(ctx), ctx.state.request, { equipmentId: params.id, conditionId: params.conditionId, action, comment: body.comment, reason: body.reason });
    ctx.body = { equipmentId: params.id, conditionId: params.conditionId, action, statusCode };
  },
});

const presentCertificate = ({ der: _der, ...certificate }: ServerCertificate) => certificate;

const certificateTrust = (to: TrustStatus) => ({
  id: `equipment.certificates.${to === 'trusted' ? 'trust' : 'reject'}`,
  method: 'post' as const,
  path: `/equipment/certificates/:thumbprint/${to === 'trusted' ? 'trust' : 'reject'}`,
  summary: to === 'trusted'
    ? 'Trust an OPC UA server certificate (moves it from rejected to trusted); audited with a reason (E01)'
    : 'Reject an OPC UA server certificate (moves it from trusted to rejected); audited with a reason (E01)',
  tags: ['equipment'],
  auth: 'user' as const,
  permission: ['update', 'Connector'] as ['update', 'Connector'],
  schema: { params: certificateParams, body: reasonOnly },
  responses: { 200: { description: 'The certificate after the move', schema: serverCertificateSchema }, ...errorResponses(400, 401, 403, 404, 409) },
  async handler(ctx: AppContext) {
    const { params, body } = ctx.state.input;
    const moved = await setServerCertificateTrust(ctx.deps, actorOf(ctx), ctx.state.request, { pkiDir: ctx.deps.config.opcua.pkiDir, thumbprint: params.thumbprint, to, reason: body.reason });
    ctx.body = presentCertificate(moved);
  },
});

export const equipmentRoutes = defineRoutes([
  // Before /equipment/:id, which would otherwise take "certificates" for an equipment id.
  {
    id: 'equipment.certificates.list',
    method: 'get',
    path: '/equipment/certificates',
    summary: 'The OPC UA client trust list: trusted and rejected server certificates with thumbprint, subject and validity (E01)',
    tags: ['equipment'],
    auth: 'user',
    permission: ['read', 'Connector'],
    responses: { 200: { description: 'Server certificates', schema: z.object({ items: z.array(serverCertificateSchema), total: z.number() }) }, ...errorResponses(401, 403) },
    async handler(ctx: AppContext) {
      const items = (await listServerCertificates(ctx.deps.config.opcua.pkiDir)).map(presentCertificate);
      ctx.body = { items, total: items.length };
    },
  },
  certificateTrust('trusted'),
  certificateTrust('rejected'),
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
  {
    id: 'equipment.alarms.list',
    method: 'get',
    path: '/equipment/:id/alarms',
    summary: 'Conditions (alarms) of the equipment that are active or not yet acknowledged or confirmed, as last reported (E03)',
    tags: ['equipment'],
    auth: 'user',
    permission: ['read', 'Equipment'],
    schema: { params: equipmentParams },
    responses: { 200: { description: 'Conditions', schema: z.object({ items: z.array(conditionSchema), total: z.number() }) }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const items = (await listActiveConditions(ctx.deps, ctx.state.input.params.id)).map((c) => ({ ...c, recordedAt: c.recordedAt.toISOString() }));
      ctx.body = { items, total: items.length };
    },
  },
  conditionAction('acknowledge', 'Acknowledge a condition on the equipment (OPC UA Acknowledge) with a comment; audited with its result status (E03)'),
  conditionAction('confirm', 'Confirm a condition on the equipment (OPC UA Confirm) with a comment; audited with its result status (E03)'),
  conditionAction('comment', 'Comment on a condition on the equipment (OPC UA AddComment); audited with its result status (E03)'),
]);
