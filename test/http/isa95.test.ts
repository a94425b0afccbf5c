import { systemActor } from '../../server/auth/actor';
import { runCommand } from '../../server/commands/run-command';
import { enqueuePerformance } from '../../server/isa95/enqueue-performance';
import { OutboxDispatcher } from '../../server/jobs/outbox-dispatcher';
import { deployReleased } from '../support/deploy';
import { auditOf, buildServicePrincipal, signedInUser } from '../support/factories';
import { httpInvokerOf, ISA95_TEST_ENV, scheduleReleaseStandIn } from '../support/isa95';
import { startTestApp, type TestApp } from '../support/test-app';


let app: TestApp;
let api: TestApp['http'];
let erp: Awaited<ReturnType<typeof buildServicePrincipal>>;
let owner: Awaited<ReturnType<typeof signedInUser>>;
let supervisor: Awaited<ReturnType<typeof signedInUser>>;
let quality: Awaited<ReturnType<typeof signedInUser>>;
let operator: Awaited<ReturnType<typeof signedInUser>>;

beforeAll(async () => {
  app = await startTestApp(ISA95_TEST_ENV);
  api = app.http;
  erp = await buildServicePrincipal(app, { name: 'SAP ERP', allowedActions: ['start'], allowedProcessKeys: ['work-order-release'] });
  owner = await signedInUser(app, ['process_owner']);
  supervisor = await signedInUser(app, ['supervisor']);
  quality = await signedInUser(app, ['quality']);
  operator = await signedInUser(app, ['operator']);
  for (const [id, unit] of [['FG-7001', 'EA'], ['FG-7002', 'EA'], ['RM-1001', 'KG']]) {
    expect((await api.put(`/api/v1/isa95/material-definitions/${id}`).set(owner.auth).send({ unit, description: `material ${id}` })).status).toBe(201);
  }
});
afterAll(async () => {
  await app?.close();
});

let sequence = 0;
const future = (days: number) => new Date(app.deps.clock.now().getTime() + days * 86_400_000).toISOString();
function order(id: string, overrides: Record<string, unknown> = {}) {
  return {
    ID: id,
    ProductProductionRuleID: 'PPR-FG-7001-A',
    ProcessSegmentID: '0010',
    StartTime: future(1),
    EndTime: future(5),
    MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-7001', Quantity: { QuantityString: '3', UnitOfMeasure: 'EA' }, MaterialLotID: [`LOT-${id}`], MaterialSubLotID: ['SN-1', 'SN-2', 'SN-3'] }],
    MaterialConsumedRequirement: [{ MaterialDefinitionID: 'RM-1001', Quantity: { QuantityString: 1.5, UnitOfMeasure: 'KG' }, MaterialLotID: ['L-2026-001'] }],
    EquipmentRequirement: [{ EquipmentID: 'CELL-7' }],
    Parameter: [{ ID: 'characteristic', Value: { ValueString: 'bore diameter' } }, { ID: 'nominal', Value: { ValueString: '12.5', DataType: 'double', UnitOfMeasure: 'mm' } }],
    ...overrides,
  };
}
function schedule(requests: unknown[], bodId = `BOD-${++sequence}-${Date.now()}`) {
  return {
    releaseID: '1.0',
    ApplicationArea: { Sender: { LogicalID: 'SAP-ERP', ComponentID: 'PP' }, CreationDateTime: new Date().toISOString(), BODID: bodId },
    DataArea: { Process: {}, ProductionSchedule: { ID: `PS-${sequence}`, ProductionRequest: requests } },
  };
}
const post = (body: unknown, headers: Record<string, string> = erp.headers) => api.post('/api/v1/isa95/production-schedules').set(headers).send(body as object);
const countOf = async (table: string) => Number((await app.deps.db(table).count({ n: '*' }).first())!.n);

describe('POST /api/v1/isa95/production-schedules without a released release process', () => {
  it('refuses a new schedule with 409 and records nothing, so that the ERP can send it again', async () => {
    const response = await post(schedule([order('WO-EARLY')]));
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ status: 409, code: 'conflict', detail: expect.stringContaining('work-order-release') });
    expect(await countOf('inbound_messages')).toBe(0);
  });
});

describe('POST /api/v1/isa95/production-schedules', () => {
  beforeAll(async () => {
    await deployReleased(app, scheduleReleaseStandIn);
  });

  let first: { body: Record<string, any>; message: ReturnType<typeof schedule> };
  it('accepts and rejects each order with reasons, and starts the release for the accepted ones', async () => {
    // given
    const message = schedule([order('WO-100'), order('WO-101', { MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-9999', Quantity: { QuantityString: '1', UnitOfMeasure: 'EA' } }] })]);

    // when
    const response = await post(message);

    // then
    expect(response.status).toBe(200);
    expect(response.headers['gemba-replayed']).toBe('false');
    first = { body: response.body, message };
    expect(response.body).toMatchObject({
      replayed: false,
      ApplicationArea: { Sender: { LogicalID: 'gemba' }, BODID: expect.any(String) },
      DataArea: {
        Acknowledge: { OriginalApplicationArea: { BODID: message.ApplicationArea.BODID }, ResponseCriteria: { ResponseExpression: { actionCode: 'Modified' } } },
        ProductionSchedule: {
          ID: message.DataArea.ProductionSchedule.ID,
          ProductionRequest: [
            { ID: 'WO-100', ActionCode: 'Accepted', ProcessInstanceID: expect.any(String) },
            { ID: 'WO-101', ActionCode: 'Rejected', Reason: [{ ReasonCode: 'UNKNOWN_MATERIAL', Description: expect.stringContaining('FG-9999') }] },
          ],
        },
      },
    });
    const instanceId = response.body.DataArea.ProductionSchedule.ProductionRequest[0].ProcessInstanceID;
    const started = (await app.deps.db('process_instances').where({ id: instanceId }).first())!;
    expect(started).toMatchObject({ key: 'work-order-release', business_key: 'WO-100', status: 'running', started_by: erp.principal.id });
    expect(started.variables).toMatchObject({
      orderId: 'WO-100',
      partNumber: 'FG-7001',
      quantity: 3,
      unit: 'EA',
      lots: ['LOT-WO-100'],
      serials: ['SN-1', 'SN-2', 'SN-3'],
      operation: '0010',
      equipmentId: 'CELL-7',
      componentMaterial: 'RM-1001',
      componentQuantity: 1.5,
      componentLot: 'L-2026-001',
      characteristic: 'bore diameter',
      nominal: 12.5,
      scheduleMessageId: message.ApplicationArea.BODID,
      dueDate: new Date((message.DataArea.ProductionSchedule.ProductionRequest[0] as { EndTime: string }).EndTime).toISOString(),
    });
    expect((await app.deps.db('user_tasks').where({ instance_id: instanceId }).first())!.activity_id).toBe('Release');
    const received = (await app.deps.db('audit_events').where({ action: 'productionSchedule.received' }).orderBy('seq', 'desc').first())!;
    expect(received).toMatchObject({ actor_type: 'service', actor_id: erp.principal.id });
    expect(received.after).toMatchObject({ messageId: message.ApplicationArea.BODID, rejected: [{ orderId: 'WO-101', reasons: ['UNKNOWN_MATERIAL'] }] });
    expect((await auditOf(app, 'ProcessInstance', instanceId))[0]).toMatchObject({ action: 'processInstance.started', actor_type: 'service', actor_name: 'SAP ERP' });
  });

  it('answers a repeated message id with the same acknowledgement, marked as a replay, and starts nothing', async () => {
    // given
    const instances = await countOf('process_instances');

    // when
    const again = await post(first.message);

    // then
    expect(again.status).toBe(200);
    expect(again.headers['gemba-replayed']).toBe('true');
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(await countOf('process_instances')).toBe(instances);
    expect(await app.deps.db('inbound_messages').where({ message_id: first.message.ApplicationArea.BODID }).first()).toMatchObject({ replays: 1 });
    expect(await app.deps.db('audit_events').where({ action: 'productionSchedule.replayed' })).toHaveLength(1);
  });

  it('receives the same new message sent twice at the same moment once: one answer starts, the other is the replay', async () => {
    // given
    const message = schedule([order('WO-150'), order('WO-151')]);

    // when
    const [a, b] = await Promise.all([post(message), post(message)]);

    // then
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.replayed, b.body.replayed].sort()).toEqual([false, true]);
    expect({ ...a.body, replayed: null }).toEqual({ ...b.body, replayed: null });
    const started = await app.deps.db('process_instances').where({ key: 'work-order-release' }).whereIn('business_key', ['WO-150', 'WO-151']);
    expect(started).toHaveLength(2);
  });

  it('refuses a message id reused for a different message (409) and changes nothing', async () => {
    const instances = await countOf('process_instances');
    const changed = { ...first.message, DataArea: { ...first.message.DataArea, ProductionSchedule: { ...first.message.DataArea.ProductionSchedule, ProductionRequest: [order('WO-NEW')] } } };
    const response = await post(changed);
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body.detail).toContain(first.message.ApplicationArea.BODID);
    expect(await countOf('process_instances')).toBe(instances);
  });

  it('rejects each order that breaks a rule, with every reason', async () => {
    // given
    const message = schedule([
      order('WO-200', { MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-7001', Quantity: { QuantityString: '0', UnitOfMeasure: 'EA' } }] }),
      order('WO-201', { StartTime: future(-3), EndTime: future(-1) }),
      order('WO-202', { StartTime: future(6), EndTime: future(5) }),
      order('WO-203', { MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-7001', Quantity: { QuantityString: '3', UnitOfMeasure: 'EA' }, MaterialSubLotID: ['SN-9', 'SN-9'] }] }),
      order('WO-204', { MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-7001', Quantity: { QuantityString: '3', UnitOfMeasure: 'KG' } }] }),
      order('WO-205', { MaterialConsumedRequirement: [{ MaterialDefinitionID: 'RM-0000', Quantity: { QuantityString: '1', UnitOfMeasure: 'KG' } }] }),
      order('WO-100'),
      order('WO-206'),
      order('WO-206'),
    ]);

    // when
    const response = await post(message);

    // then
    expect(response.status).toBe(200);
    const reasons = Object.fromEntries(
      response.body.DataArea.ProductionSchedule.ProductionRequest.map((r: { ID: string; ActionCode: string; Reason?: Array<{ ReasonCode: string }> }, i: number) => [
        `${r.ID}#${i}`,
        r.ActionCode === 'Accepted' ? 'Accepted' : r.Reason!.map((x) => x.ReasonCode),
      ]),
    );
    expect(reasons).toEqual({
      'WO-200#0': ['QUANTITY_NOT_POSITIVE'],
      'WO-201#1': ['DUE_DATE_IN_PAST'],
      'WO-202#2': ['END_BEFORE_START'],
      'WO-203#3': ['SERIAL_COUNT_MISMATCH', 'DUPLICATE_SERIAL'],
      'WO-204#4': ['UNIT_MISMATCH'],
      'WO-205#5': ['UNKNOWN_MATERIAL'],
      'WO-100#6': ['ORDER_ALREADY_SCHEDULED'],
      'WO-206#7': 'Accepted',
      'WO-206#8': ['DUPLICATE_ORDER_ID'],
    });
    expect(response.body.DataArea.Acknowledge.ResponseCriteria.ResponseExpression.actionCode).toBe('Modified');
    expect(await app.deps.db('process_instances').where({ key: 'work-order-release' }).whereIn('business_key', ['WO-200', 'WO-201', 'WO-202', 'WO-203', 'WO-204', 'WO-205'])).toEqual([]);
  });

  it('answers actionCode Rejected when no order is accepted', async () => {
    const response = await post(schedule([order('WO-300', { EndTime: future(-1), StartTime: future(-2) })]));
    expect(response.status).toBe(200);
    expect(response.body.DataArea.Acknowledge.ResponseCriteria.ResponseExpression.actionCode).toBe('Rejected');
  });

  it('validates the message against the schema: 400 with every problem, nothing recorded', async () => {
    // given
    const before = await countOf('inbound_messages');
    const noBodId = schedule([order('WO-400')]) as { ApplicationArea: Record<string, unknown> };
    delete noBodId.ApplicationArea.BODID;

    // when
    const missing = await post(noBodId);
    const empty = await post(schedule([]));
    const twoProducts = await post(schedule([order('WO-401', { MaterialProducedRequirement: [order('x').MaterialProducedRequirement[0], order('y').MaterialProducedRequirement[0]] })]));
    const badNumber = await post(schedule([order('WO-402', { MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-7001', Quantity: { QuantityString: 'three', UnitOfMeasure: 'EA' } }] })]));
    const unknownField = await post(schedule([order('WO-403', { Colour: 'red' })]));
    const badDate = await post(schedule([order('WO-404', { EndTime: 'next friday' })]));

    // then
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ code: 'validation_failed', errors: [expect.objectContaining({ path: 'body.ApplicationArea.BODID' })] });
    expect(empty.status).toBe(400);
    expect(twoProducts.status).toBe(400);
    expect(twoProducts.body.errors[0].message).toMatch(/exactly one material/);
    expect(badNumber.status).toBe(400);
    expect(badNumber.body.errors[0].path).toBe('body.DataArea.ProductionSchedule.ProductionRequest.0.MaterialProducedRequirement.0.Quantity.QuantityString');
    expect(unknownField.status).toBe(400);
    expect(badDate.status).toBe(400);
    expect(await countOf('inbound_messages')).toBe(before);
  });

  it('needs the start permission on the release process', async () => {
    const reader = await buildServicePrincipal(app, { allowedActions: ['read', 'correlate'] });
    const otherKeys = await buildServicePrincipal(app, { allowedActions: ['start'], allowedProcessKeys: ['something-else'] });
    expect((await post(schedule([order('WO-500')]), {})).status).toBe(401);
    expect((await post(schedule([order('WO-500')]), reader.headers)).status).toBe(403);
    expect((await post(schedule([order('WO-500')]), otherKeys.headers)).status).toBe(403);
    expect((await post(schedule([order('WO-500')]), quality.auth)).status).toBe(200);
    expect((await post(schedule([order('WO-501')]), owner.auth)).status).toBe(200);
  });
});

describe('the outbox: GET /api/v1/isa95/outbox and POST /api/v1/isa95/outbox/:id/retry', () => {
  let dispatcher: OutboxDispatcher;
  let deadId: string;
  beforeAll(async () => {
    const invoker = httpInvokerOf(app);
    dispatcher = new OutboxDispatcher({ ...app.deps, invoker, nodeId: 'outbox-test' }, { intervalMs: 1000, leaseMs: 30_000, backoffMs: 1000 });
    // A message for a connector nobody registered, with one attempt: it is dead-lettered at once.
    const { message } = await runCommand(app.deps, systemActor('test'), {}, (ctx) =>
      enqueuePerformance(ctx, { orderId: 'WO-100', produced: [{ material: 'FG-7001', lot: 'LOT-WO-100', quantity: 3, unit: 'EA' }] }, { target: { connector: 'nowhere', operation: 'confirm' }, maxAttempts: 1 }),
    );
    deadId = message.id;
    await dispatcher.drain();
  });

  it('lists dead letters with the message, why delivery failed and how often it was tried', async () => {
    const response = await api.get('/api/v1/isa95/outbox?status=dead').set(quality.auth);
    expect(response.status).toBe(200);
    expect(response.body.total).toBe(1);
    expect(response.body.items[0]).toMatchObject({
      id: deadId,
      kind: 'ProductionPerformance',
      orderId: 'WO-100',
      status: 'dead',
      attempts: 1,
      maxAttempts: 1,
      target: { connector: 'nowhere', operation: 'confirm' },
      lastError: expect.stringContaining('no connector named "nowhere"'),
      deadAt: expect.any(String),
      payload: { DataArea: { ProductionPerformance: { ID: deadId, ProductionResponse: [expect.objectContaining({ ProductionRequestID: 'WO-100' })] } } },
    });
    expect((await auditOf(app, 'OutboxMessage', deadId)).map((e) => e.action)).toEqual(['outboxMessage.enqueued', 'outboxMessage.deadLettered']);
    expect((await api.get('/api/v1/isa95/outbox?status=delivered').set(quality.auth)).body.total).toBe(0);
    expect((await api.get('/api/v1/isa95/outbox?status=lost').set(quality.auth)).status).toBe(400);
    expect((await api.get('/api/v1/isa95/outbox').set(operator.auth)).status).toBe(403);
  });

  it('re-queues a dead letter once, with the reason audited', async () => {
    // when
    const retry = await api.post(`/api/v1/isa95/outbox/${deadId}/retry`).set(supervisor.auth).send({ reason: 'connector registered now' });
    const twice = await api.post(`/api/v1/isa95/outbox/${deadId}/retry`).set(supervisor.auth).send({});

    // then
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ id: deadId, status: 'pending', attempts: 0, deadAt: null, nextAttemptAt: expect.any(String) });
    expect(twice.status).toBe(409);
    const requeued = (await auditOf(app, 'OutboxMessage', deadId)).find((e) => e.action === 'outboxMessage.requeued');
    expect(requeued).toMatchObject({ actor_id: supervisor.user.id, reason: 'connector registered now' });
    expect((await api.post(`/api/v1/isa95/outbox/${deadId}/retry`).set(quality.auth).send({})).status).toBe(403);
    expect((await api.post('/api/v1/isa95/outbox/00000000-0000-4000-8000-000000000000/retry').set(supervisor.auth).send({})).status).toBe(404);
  });
});

describe('material definitions', () => {
  it('are defined and changed by process owners, with old and new values audited', async () => {
    // when
    const created = await api.put('/api/v1/isa95/material-definitions/FG-8000').set(owner.auth).send({ unit: 'EA', description: 'Bracket' });
    const changed = await api.put('/api/v1/isa95/material-definitions/FG-8000').set(owner.auth).send({ unit: 'EA', status: 'inactive', reason: 'product discontinued' });
    const refused = await api.put('/api/v1/isa95/material-definitions/FG-8000').set(operator.auth).send({ unit: 'EA' });

    // then
    expect(created.status).toBe(201);
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: 'FG-8000', unit: 'EA', status: 'inactive', description: 'Bracket', updatedBy: owner.user.username });
    expect(refused.status).toBe(403);
    const audit = await auditOf(app, 'MaterialDefinition', 'FG-8000');
    expect(audit.map((e) => e.action)).toEqual(['materialDefinition.created', 'materialDefinition.updated']);
    expect(audit[1]).toMatchObject({ before: { status: 'active' }, after: { status: 'inactive' }, reason: 'product discontinued' });
    const list = await api.get('/api/v1/isa95/material-definitions?status=active').set(operator.auth);
    expect(list.status).toBe(200);
    expect(list.body.items.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(['FG-7001', 'RM-1001']));
    expect(list.body.items.map((m: { id: string }) => m.id)).not.toContain('FG-8000');
  });

  it('an inactive material is rejected in a schedule', async () => {
    const response = await post(schedule([order('WO-600', { MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-8000', Quantity: { QuantityString: '1', UnitOfMeasure: 'EA' } }] })]));
    expect(response.body.DataArea.ProductionSchedule.ProductionRequest[0]).toMatchObject({ ActionCode: 'Rejected', Reason: [expect.objectContaining({ ReasonCode: 'UNKNOWN_MATERIAL', Description: expect.stringContaining('inactive') })] });
  });
});
