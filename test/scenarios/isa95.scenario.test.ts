import { randomUUID } from 'node:crypto';
import type { ConnectorInvoker } from '../../server/adapters/http/connector-invoker';
import { startErpSimulator, type ErpSimulator } from '../../server/adapters/simulators/erp';
import { systemActor } from '../../server/auth/actor';
import { runCommand } from '../../server/commands/run-command';
import { emitProductionPerformanceOperation } from '../../server/isa95/emit-production-performance';
import { enqueuePerformance } from '../../server/isa95/enqueue-performance';
import type { PerformanceReportInput } from '../../server/isa95/production-performance';
import { claimDueOutboxMessages } from '../../server/isa95/outbox.repo';
import { OutboxDispatcher } from '../../server/jobs/outbox-dispatcher';
import { advanceClock, deployReleased } from '../support/deploy';
import { auditOf, buildServicePrincipal, signedInUser } from '../support/factories';
import { httpInvokerOf, ISA95_TEST_ENV, scheduleReleaseStandIn } from '../support/isa95';
import { startTestApp, type TestApp } from '../support/test-app';


describe('Feature: ISA-95 production schedules in, production performance out (I01, I02, I04)', () => {
  let app: TestApp;
  let erp: ErpSimulator;
  let api: TestApp['http'];
  let invoker: ConnectorInvoker;
  let dispatcher: OutboxDispatcher;
  let erpKey: Awaited<ReturnType<typeof buildServicePrincipal>>;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let supervisor: Awaited<ReturnType<typeof signedInUser>>;
  const instancesOfRelease = async () => app.deps.db('process_instances').where({ key: 'work-order-release' }).orderBy('business_key');
  const outboxRow = async (id: string) => (await app.deps.db('outbox_messages').where({ id }).first())!;
  const confirmationsOf = (orderId: string) => erp.confirmations().filter((c) => c.orderId === orderId);

  const future = (days: number) => new Date(app.deps.clock.now().getTime() + days * 86_400_000).toISOString();
  const workOrder = (id: string, material: string, quantity: number) => ({
    ID: id,
    ProcessSegmentID: '0010',
    StartTime: future(1),
    EndTime: future(4),
    MaterialProducedRequirement: [{ MaterialDefinitionID: material, Quantity: { QuantityString: String(quantity), UnitOfMeasure: 'EA' }, MaterialLotID: [`LOT-${id}`] }],
    MaterialConsumedRequirement: [{ MaterialDefinitionID: 'RM-1001', Quantity: { QuantityString: '1.5', UnitOfMeasure: 'KG' }, MaterialLotID: ['L-2026-001'] }],
    EquipmentRequirement: [{ EquipmentID: 'CELL-7' }],
  });
  let message: Record<string, any>;

  beforeAll(async () => {
    erp = await startErpSimulator();
    app = await startTestApp(ISA95_TEST_ENV);
    api = app.http;

    admin = await signedInUser(app, ['admin']);
    supervisor = await signedInUser(app, ['supervisor', 'quality']);
    const owner = await signedInUser(app, ['process_owner']);
    erpKey = await buildServicePrincipal(app, { name: 'SAP ERP', allowedActions: ['start'], allowedProcessKeys: ['work-order-release'] });
    for (const [id, unit] of [['FG-7001', 'EA'], ['FG-7002', 'EA'], ['RM-1001', 'KG']]) {
      expect((await api.put(`/api/v1/isa95/material-definitions/${id}`).set(owner.auth).send({ unit })).status).toBe(201);
    }
    await deployReleased(app, scheduleReleaseStandIn);
    const registered = await app.http
      .post('/api/v1/connectors')
      .set(admin.auth)
      .send({
        name: 'erp',
        kind: 'http',
        config: {
          baseUrl: erp.url,
          timeoutMs: 2000,
          auth: { type: 'none' },
          operations: {
            confirmPerformance: {
              method: 'POST',
              path: '/orders/${orderId}/confirmations',
              body: {
                operation: '${operation}',
                yieldQuantity: '${yieldQuantity}',
                scrapQuantity: '${scrapQuantity}',
                unit: '${unit}',
                finalConfirmation: '${finalConfirmation}',
                workCenter: '${workCenter}',
                personnel: '${personnel}',
                consumedLots: '${consumedLots}',
              },
              responseMapping: { confirmationNumber: '/confirmationNumber' },
            },
          },
        },
      });
    expect(registered.status).toBe(201);
    invoker = httpInvokerOf(app);
    // A long interval: a running dispatcher that delivers at once was woken by the commit.
    dispatcher = new OutboxDispatcher({ ...app.deps, invoker, nodeId: 'isa95-node' }, { intervalMs: 60_000, leaseMs: 30_000, backoffMs: 1000 });
  });
  afterAll(async () => {
    await dispatcher?.stop();
    await app?.close();
    await erp?.close();
  });

  describe('Scenario: a schedule of three work orders, one of them for a material Gemba does not know', () => {
    let acknowledgement: Record<string, any>;
    it('When the ERP sends the ProcessProductionSchedule', async () => {
      message = {
        releaseID: '1.0',
        ApplicationArea: { Sender: { LogicalID: 'SAP-ERP' }, CreationDateTime: new Date().toISOString(), BODID: 'ERP-PS-0001' },
        DataArea: { ProductionSchedule: { ID: 'PS-2026-11', ProductionRequest: [workOrder('WO-1001', 'FG-7001', 3), workOrder('WO-1002', 'FG-7002', 2), workOrder('WO-1003', 'FG-0000', 1)] } },
      };
      const response = await api.post('/api/v1/isa95/production-schedules').set(erpKey.headers).send(message);
      expect(response.status).toBe(200);
      acknowledgement = response.body;
    });

    it('Then the acknowledgement accepts two orders and rejects the third with its reason', () => {
      expect(acknowledgement.DataArea.Acknowledge.ResponseCriteria.ResponseExpression.actionCode).toBe('Modified');
      expect(acknowledgement.DataArea.ProductionSchedule.ProductionRequest).toEqual([
        { ID: 'WO-1001', ActionCode: 'Accepted', ProcessInstanceID: expect.any(String) },
        { ID: 'WO-1002', ActionCode: 'Accepted', ProcessInstanceID: expect.any(String) },
        { ID: 'WO-1003', ActionCode: 'Rejected', Reason: [{ ReasonCode: 'UNKNOWN_MATERIAL', Description: "material FG-0000 is not defined in Gemba's master data" }] },
      ]);
    });

    it('And two release instances wait for their release, keyed by order id, with the order as variables', async () => {
      const instances = await instancesOfRelease();
      expect(instances.map((i) => [i.business_key, i.status])).toEqual([
        ['WO-1001', 'running'],
        ['WO-1002', 'running'],
      ]);
      expect(instances[0].variables).toMatchObject({ orderId: 'WO-1001', partNumber: 'FG-7001', quantity: 3, unit: 'EA', componentLot: 'L-2026-001', equipmentId: 'CELL-7' });
      const tasks = await app.deps.db('user_tasks').whereIn('instance_id', instances.map((i) => i.id)).where({ status: 'open' });
      expect(tasks.map((t) => t.activity_id)).toEqual(['Release', 'Release']);
    });
  });

  describe('Scenario: the ERP sends the same message again', () => {
    it('When the message id repeats, Then the same acknowledgement comes back as a replay and nothing starts', async () => {
      const again = await api.post('/api/v1/isa95/production-schedules').set(erpKey.headers).send(message);
      expect(again.status).toBe(200);
      expect(again.body.replayed).toBe(true);
      expect(again.headers['gemba-replayed']).toBe('true');
      expect(again.body.DataArea.ProductionSchedule.ProductionRequest.map((r: { ActionCode: string }) => r.ActionCode)).toEqual(['Accepted', 'Accepted', 'Rejected']);
      expect(await instancesOfRelease()).toHaveLength(2);
    });
  });

  describe('Scenario: an order’s completion is confirmed to the ERP exactly once', () => {
    let messageId: string;
    const report: PerformanceReportInput = {
      orderId: 'WO-1001',
      operation: '0010',
      status: 'completed',
      startTime: '2026-11-23T06:00:00Z',
      endTime: '2026-11-23T09:30:00Z',
      produced: [{ material: 'FG-7001', lot: 'LOT-WO-1001', serials: ['SN-1', 'SN-2', 'SN-3'], quantity: 3, unit: 'EA' }],
      consumed: [{ material: 'RM-1001', lot: 'L-2026-001', quantity: 1.5, unit: 'KG' }],
      equipment: 'CELL-7',
      personnel: ['op.jane'],
    };

    it('When the completion step calls gemba.emitProductionPerformance, and its job is reported a second time', async () => {
      const instance = (await instancesOfRelease())[0];
      const operation = emitProductionPerformanceOperation();
      const jobId = randomUUID();
      const call = { variables: { ...report, unrelatedVariable: 'ignored' }, jobId, instanceId: instance.id, key: instance.key, businessKey: instance.business_key, engine: app.deps.engine };
      const first = await runCommand(app.deps, systemActor('job-worker'), {}, (ctx) => operation(ctx, call));
      const second = await runCommand(app.deps, systemActor('job-worker'), {}, (ctx) => operation(ctx, call));
      messageId = first.performanceMessageId as string;
      expect(second.performanceMessageId).toBe(messageId);
      expect(await app.deps.db('outbox_messages').where({ order_id: 'WO-1001' })).toHaveLength(1);
    });

    it('Then the outbox holds one ProductionPerformance message for the order', async () => {
      const row = await outboxRow(messageId);
      expect(row).toMatchObject({ kind: 'ProductionPerformance', status: 'pending', target_connector: 'erp', target_operation: 'confirmPerformance', idempotency_key: expect.stringMatching(/^job:/) });
      const segment = row.payload.DataArea.ProductionPerformance.ProductionResponse[0].SegmentResponse[0];
      expect(row.payload.DataArea.ProductionPerformance.ProductionResponse[0]).toMatchObject({ ProductionRequestID: 'WO-1001', ResponseState: 'Completed', StartTime: '2026-11-23T06:00:00.000Z', EndTime: '2026-11-23T09:30:00.000Z' });
      expect(segment).toMatchObject({
        ProcessSegmentID: '0010',
        MaterialActual: [
          { MaterialDefinitionID: 'FG-7001', MaterialLotID: 'LOT-WO-1001', MaterialSubLotID: ['SN-1', 'SN-2', 'SN-3'], MaterialUse: 'Produced', Quantity: { QuantityString: '3', UnitOfMeasure: 'EA' } },
          { MaterialDefinitionID: 'RM-1001', MaterialLotID: 'L-2026-001', MaterialUse: 'Consumed', Quantity: { QuantityString: '1.5', UnitOfMeasure: 'KG' } },
        ],
        EquipmentActual: [{ EquipmentID: 'CELL-7' }],
        PersonnelActual: [{ PersonID: 'op.jane' }],
      });
    });

    it('And the dispatcher delivers it to the ERP once, with the message id as idempotency key', async () => {
      dispatcher.start();
      for (let i = 0; i < 50 && (await outboxRow(messageId)).status !== 'delivered'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await dispatcher.stop();
      const row = await outboxRow(messageId);
      expect(row).toMatchObject({ status: 'delivered', attempts: 1, last_error: null, response: { confirmationNumber: expect.stringMatching(/^CNF-/) } });
      expect(confirmationsOf('WO-1001')).toEqual([
        expect.objectContaining({ yieldQuantity: 3, unit: 'EA', finalConfirmation: true, workCenter: 'CELL-7', personnel: 'op.jane', consumedLots: [{ material: 'RM-1001', lot: 'L-2026-001', quantity: 1.5 }] }),
      ]);
      const calls = erp.calls().filter((c) => c.path === '/orders/WO-1001/confirmations');
      expect(calls.map((c) => c.headers['idempotency-key'])).toEqual([messageId]);
      expect((await auditOf(app, 'OutboxMessage', messageId)).map((e) => e.action)).toEqual(['outboxMessage.enqueued', 'outboxMessage.delivered']);
      expect(await dispatcher.drain()).toBe(0);
    });

    it('And a node that dies after the ERP processed the call makes a redelivery the ERP recognises, not a second confirmation', async () => {
      // given a performance of the other order, delivered by a node that died before it could record the outcome
      const { message: enqueued } = await runCommand(app.deps, systemActor('test'), {}, (ctx) => enqueuePerformance(ctx, { ...report, orderId: 'WO-1002', produced: [{ material: 'FG-7002', quantity: 2, unit: 'EA' }] }));
      const [claimed] = await claimDueOutboxMessages(app.deps.db, { owner: 'node-that-dies', now: app.deps.clock.now(), leaseMs: 30_000, limit: 1 });
      expect(claimed.id).toBe(enqueued.id);
      await invoker.invoke({ target: claimed.target, variables: claimed.variables, idempotencyKey: claimed.id });

      // when its lease runs out and this node delivers the message again
      await advanceClock(app, admin, 31_000);
      await dispatcher.drain();

      // then
      expect(await outboxRow(enqueued.id)).toMatchObject({ status: 'delivered', attempts: 2 });
      const calls = erp.calls().filter((c) => c.path === '/orders/WO-1002/confirmations');
      expect(calls.map((c) => [c.headers['idempotency-key'], c.replayed])).toEqual([
        [enqueued.id, false],
        [enqueued.id, true],
      ]);
      expect(confirmationsOf('WO-1002')).toHaveLength(1);
    });
  });

  describe('Scenario: an ERP that keeps failing sends the message to the dead letters; a retry delivers it', () => {
    let messageId: string;
    it('Given the ERP answers 503 to the next three calls', async () => {
      erp.putOrder({ orderId: 'WO-1004', material: 'FG-7001', plannedQuantity: 5, unit: 'EA' });
      erp.failNext(3, 503);
      const { message: enqueued } = await runCommand(app.deps, systemActor('test'), {}, (ctx) =>
        enqueuePerformance(ctx, { orderId: 'WO-1004', operation: '0010', produced: [{ material: 'FG-7001', quantity: 5, unit: 'EA' }], equipment: ['CELL-7'] }, { maxAttempts: 3 }),
      );
      messageId = enqueued.id;
    });

    it('When every attempt fails, with backoff between them, Then the message is dead-lettered after the third', async () => {
      await dispatcher.drain();
      expect(await outboxRow(messageId)).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/503/) });
      await dispatcher.drain();
      expect((await outboxRow(messageId)).attempts).toBe(1);
      await advanceClock(app, admin, 1_000);
      await dispatcher.drain();
      expect(await outboxRow(messageId)).toMatchObject({ status: 'pending', attempts: 2 });
      await advanceClock(app, admin, 2_000);
      await dispatcher.drain();
      expect(await outboxRow(messageId)).toMatchObject({ status: 'dead', attempts: 3 });
      expect(confirmationsOf('WO-1004')).toEqual([]);
    });

    it('And the dead-letter view shows it to quality and supervisors, with the reason', async () => {
      const view = await api.get('/api/v1/isa95/outbox?status=dead').set(supervisor.auth);
      expect(view.status).toBe(200);
      expect(view.body.items).toEqual([expect.objectContaining({ id: messageId, orderId: 'WO-1004', attempts: 3, lastError: expect.stringMatching(/503/) })]);
      const dead = (await auditOf(app, 'OutboxMessage', messageId)).find((e) => e.action === 'outboxMessage.deadLettered');
      expect(dead).toMatchObject({ actor_type: 'system', after: expect.objectContaining({ status: 'dead' }) });
      const live = app.published.find((e) => e.type === 'outboxMessage.deadLettered' && e.entity.id === messageId);
      expect(live?.audience).toEqual({ roles: ['quality', 'supervisor', 'admin'] });
    });

    it('When a supervisor re-queues it, Then the running dispatcher, woken by the commit, delivers it and the ERP confirms the order once', async () => {
      dispatcher.start();
      await new Promise((resolve) => setTimeout(resolve, 300));
      const retry = await api.post(`/api/v1/isa95/outbox/${messageId}/retry`).set(supervisor.auth).send({ reason: 'ERP maintenance is over' });
      expect(retry.status).toBe(200);
      for (let i = 0; i < 50 && (await outboxRow(messageId)).status !== 'delivered'; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      await dispatcher.stop();
      expect(await outboxRow(messageId)).toMatchObject({ status: 'delivered', attempts: 1 });
      expect(confirmationsOf('WO-1004')).toEqual([expect.objectContaining({ yieldQuantity: 5, workCenter: 'CELL-7' })]);
      expect((await api.get('/api/v1/isa95/outbox?status=dead').set(supervisor.auth)).body.total).toBe(0);
    });
  });
});
