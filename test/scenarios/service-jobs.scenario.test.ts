import { startErpSimulator, type ErpSimulator } from '../../server/adapters/simulators/erp';
import { buildProcess, errorRef } from '../support/bpmn-builder';
import { advanceClock, deployReleased } from '../support/deploy';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000', GEMBA_JOB_BACKOFF_MS: '1000' };

// Confirms a work order to the ERP; the ERP's 409 becomes the BPMN error CONFLICT.
const confirmOrder = buildProcess({
  id: 'confirm-order',
  name: 'Confirm order to ERP',
  roots: '<bpmn:error id="Error_conflict" name="ERP conflict" errorCode="CONFLICT" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Order finished' },
    {
      id: 'Confirm',
      type: 'serviceTask',
      name: 'Confirm order to ERP',
      attrs: { 'gemba:connector': 'erp', 'gemba:operation': 'confirmOrder', 'gemba:retries': '3' },
    },
    { id: 'Check', type: 'userTask', name: 'Check confirmation', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Resolve', type: 'userTask', name: 'Resolve ERP conflict', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'Done', type: 'endEvent', name: 'Confirmed' },
    { id: 'Resolved', type: 'endEvent', name: 'Conflict resolved' },
  ],
  boundaries: [{ id: 'OnConflict', attachedTo: 'Confirm', name: 'ERP conflict', body: errorRef('Error_conflict') }],
  flows: [
    { from: 'Start', to: 'Confirm' },
    { from: 'Confirm', to: 'Check' },
    { from: 'Check', to: 'Done' },
    { from: 'OnConflict', to: 'Resolve' },
    { from: 'Resolve', to: 'Resolved' },
  ],
});

const echo = buildProcess({
  id: 'echo-step',
  name: 'Echo step',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Begin' },
    { id: 'Echo', type: 'serviceTask', name: 'Echo the input', attrs: { 'camunda:type': 'external', 'camunda:topic': 'echo.any' } },
    { id: 'Review', type: 'userTask', name: 'Review echo', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'End' },
  ],
  flows: [
    { from: 'Start', to: 'Echo' },
    { from: 'Echo', to: 'Review' },
    { from: 'Review', to: 'End' },
  ],
});

describe('Feature: service tasks become jobs', () => {
  let app: TestApp;
  let erp: ErpSimulator;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let user: Awaited<ReturnType<typeof signedInUser>>;
  const start = (key: string, businessKey: string, variables: Record<string, unknown>) =>
    app.http.post(`/api/v1/processes/${key}/instances`).set(user.auth).send({ businessKey, variables });
  const instance = async (id: string) => (await app.http.get(`/api/v1/instances/${id}`).set(user.auth)).body;

  beforeAll(async () => {
    erp = await startErpSimulator();
    app = await startTestApp(LONG_SESSIONS);
    admin = await signedInUser(app, ['admin']);
    user = await signedInUser(app, ['operator', 'supervisor']);
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
            confirmOrder: {
              method: 'POST',
              path: '/orders/${orderId}/confirmations',
              body: { operation: '0010', yieldQuantity: '${yieldQuantity}', scrapQuantity: 0, unit: 'EA', finalConfirmation: true },
              responseMapping: { confirmationNumber: '/confirmationNumber' },
              bpmnErrors: { '409': 'CONFLICT' },
            },
          },
        },
      });
    expect(registered.status).toBe(201);
    await deployReleased(app, confirmOrder);
    await deployReleased(app, echo);
  });
  afterAll(async () => {
    await app?.close();
    await erp?.close();
  });

  describe('Scenario: the ERP answers 503 once; the retry succeeds and the ERP sees the confirmation once', () => {
    let id: string;
    it('Given the ERP will fail the next call with 503', () => {
      erp.failNext(1, 503);
    });

    it('When an order confirmation starts, Then the job fails once and waits for its retry', async () => {
      id = (await start('confirm-order', 'WO-1001', { orderId: 'WO-1001', yieldQuantity: 100 })).body.id;
      await app.deps.drainJobs();
      const detail = await instance(id);
      expect(detail.jobs).toEqual([expect.objectContaining({ activityId: 'Confirm', status: 'pending', attempts: 1, connector: 'erp', operation: 'confirmOrder', lastError: expect.stringMatching(/503/) })]);
      expect(detail.openTasks).toEqual([]);
    });

    it('When the backoff has passed, Then the retry confirms the order and the next task opens with the ERP’s answer', async () => {
      await advanceClock(app, admin, 1000);
      const detail = await instance(id);
      expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Check']);
      expect(detail.variables.confirmationNumber).toEqual(expect.any(String));
      const calls = erp.calls().filter((c) => c.path === '/orders/WO-1001/confirmations');
      expect(calls).toHaveLength(2);
      expect(new Set(calls.map((c) => c.headers['idempotency-key'])).size).toBe(1);
      expect(erp.confirmations().filter((c) => c.orderId === 'WO-1001')).toHaveLength(1);
    });
  });

  describe('Scenario: a BPMN error from the connector is caught by the boundary event', () => {
    it('Given an order already finally confirmed, When it is confirmed again, Then the ERP’s 409 leads to the conflict task', async () => {
      const id = (await start('confirm-order', 'WO-1001-again', { orderId: 'WO-1001', yieldQuantity: 1 })).body.id;
      await app.deps.drainJobs();
      const detail = await instance(id);
      expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Resolve']);
      expect(detail.incidents).toEqual([]);
      const job = (await auditOf(app, 'Job', (await app.deps.db('jobs').where({ instance_id: id }).first())!.id)).map((e) => e.action);
      expect(job).toContain('job.bpmnError');
    });
  });

  describe('Scenario: retries run out → incident → manual retry → success', () => {
    let id: string;
    it('Given the ERP fails every call for a while', async () => {
      erp.putOrder({ orderId: 'WO-2002', material: 'FG-7001', plannedQuantity: 10, unit: 'EA' });
      erp.failNext(3, 503);
      id = (await start('confirm-order', 'WO-2002', { orderId: 'WO-2002', yieldQuantity: 10 })).body.id;
      await app.deps.drainJobs();
      await advanceClock(app, admin, 1000);
      await advanceClock(app, admin, 2000);
    });

    it('Then after three attempts the job has failed and an incident names it', async () => {
      const detail = await instance(id);
      expect(detail.status).toBe('incident');
      expect(detail.incidents).toEqual([expect.objectContaining({ kind: 'jobFailed', status: 'open', activityId: 'Confirm', message: expect.stringMatching(/erp\.confirmOrder failed after 3 attempt/) })]);
      const list = await app.http.get('/api/v1/incidents').set(user.auth);
      expect(list.body.items.map((i: { instanceId: string }) => i.instanceId)).toContain(id);
    });

    it('When a supervisor retries the incident, Then the job runs again, succeeds, and the instance moves on', async () => {
      const incident = (await instance(id)).incidents[0];
      const retry = await app.http.post(`/api/v1/incidents/${incident.id}/retry`).set(user.auth).send({});
      expect(retry.status).toBe(200);
      expect(retry.body.outcome).toBe('jobRescheduled');
      const detail = await instance(id);
      expect(detail.status).toBe('running');
      expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Check']);
      expect(erp.confirmations().filter((c) => c.orderId === 'WO-2002')).toHaveLength(1);
      const again = await app.http.post(`/api/v1/incidents/${incident.id}/retry`).set(user.auth).send({});
      expect(again.status).toBe(409);
    });

    it('And a bulk retry reports each incident’s real outcome', async () => {
      erp.putOrder({ orderId: 'WO-3003', material: 'FG-7001', plannedQuantity: 10, unit: 'EA' });
      erp.putOrder({ orderId: 'WO-3004', material: 'FG-7001', plannedQuantity: 10, unit: 'EA' });
      erp.failNext(6, 503);
      const ids = [(await start('confirm-order', 'WO-3003', { orderId: 'WO-3003', yieldQuantity: 1 })).body.id, (await start('confirm-order', 'WO-3004', { orderId: 'WO-3004', yieldQuantity: 1 })).body.id];
      await app.deps.drainJobs();
      await advanceClock(app, admin, 1000);
      await advanceClock(app, admin, 2000);
      const incidents = await Promise.all(ids.map(async (i) => (await instance(i)).incidents[0].id));
      erp.failNext(1, 500);
      const bulk = await app.http.post('/api/v1/incidents/retry').set(user.auth).send({ ids: [...incidents, '00000000-0000-4000-8000-000000000000'] });
      expect(bulk.status).toBe(200);
      const outcomes = bulk.body.results.map((r: { outcome: string }) => r.outcome);
      expect(outcomes.filter((o: string) => o === 'resolved')).toHaveLength(1);
      expect(outcomes.filter((o: string) => o === 'refused')).toHaveLength(1);
      expect(outcomes.filter((o: string) => o === 'jobRescheduled' || o === 'failedAgain')).toHaveLength(1);
    });
  });

  describe('Scenario: a built-in connector named by topic', () => {
    it('echoes its input into the variables', async () => {
      const id = (await start('echo-step', 'E-1', { lot: 'L-1', quantity: 3 })).body.id;
      await app.deps.drainJobs();
      const detail = await instance(id);
      expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Review']);
      expect(detail.variables).toMatchObject({ lot: 'L-1', quantity: 3 });
    });
  });
});
