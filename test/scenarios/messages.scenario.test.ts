import { buildProcess, messageRef, signalRef } from '../support/bpmn-builder';
import { deployReleased } from '../support/deploy';
import { buildServicePrincipal, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Waits for the ERP's "order released" message, keyed by the work order (the business key).
const waitForRelease = buildProcess({
  id: 'await-release',
  name: 'Await order release',
  roots: '<bpmn:message id="Msg_released" name="OrderReleased" /><bpmn:signal id="Sig_stop" name="LineStop" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Order planned' },
    { id: 'Released', type: 'intermediateCatchEvent', name: 'Order released', body: messageRef('Msg_released') },
    { id: 'Kit', type: 'userTask', name: 'Kit materials', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'Kitted' },
    { id: 'Stopped', type: 'endEvent', name: 'Stopped' },
  ],
  boundaries: [{ id: 'OnStop', attachedTo: 'Kit', name: 'Line stop', body: signalRef('Sig_stop') }],
  flows: [
    { from: 'Start', to: 'Released' },
    { from: 'Released', to: 'Kit' },
    { from: 'Kit', to: 'End' },
    { from: 'OnStop', to: 'Stopped' },
  ],
});

// Starts when a nonconformance message arrives.
const onNonconformance = buildProcess({
  id: 'nc-intake',
  name: 'Nonconformance intake',
  roots: '<bpmn:message id="Msg_nc" name="NonconformanceRaised" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Nonconformance raised', body: messageRef('Msg_nc') },
    { id: 'Triage', type: 'userTask', name: 'Triage nonconformance', attrs: { 'camunda:candidateGroups': 'quality' } },
    { id: 'End', type: 'endEvent', name: 'Triaged' },
  ],
  flows: [
    { from: 'Start', to: 'Triage' },
    { from: 'Triage', to: 'End' },
  ],
});

describe('Feature: messages and signals', () => {
  let app: TestApp;
  let user: Awaited<ReturnType<typeof signedInUser>>;
  let erpKey: Record<string, string>;
  const instance = async (id: string) => (await app.http.get(`/api/v1/instances/${id}`).set(user.auth)).body;

  beforeAll(async () => {
    app = await startTestApp();
    user = await signedInUser(app, ['operator', 'quality', 'supervisor']);
    erpKey = (await buildServicePrincipal(app, { name: 'erp-system', allowedActions: ['start', 'correlate', 'read'], allowedProcessKeys: ['await-release', 'nc-intake'] })).headers;
    await deployReleased(app, waitForRelease);
    await deployReleased(app, onNonconformance);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Scenario: a message reaches only the instance with the right business key', () => {
    let a: string;
    let b: string;
    it('Given two orders waiting for their release', async () => {
      a = (await app.http.post('/api/v1/processes/await-release/instances').set(erpKey).send({ businessKey: 'WO-A' })).body.id;
      b = (await app.http.post('/api/v1/processes/await-release/instances').set(erpKey).send({ businessKey: 'WO-B' })).body.id;
      expect((await instance(a)).subscriptions).toEqual([{ kind: 'message', name: 'OrderReleased', correlationKey: null, activityId: 'Released' }]);
    });

    it('When the ERP releases WO-B, Then only WO-B moves on, with the message’s variables', async () => {
      const response = await app.http.post('/api/v1/messages').set(erpKey).send({ name: 'OrderReleased', correlationKey: 'WO-B', variables: { releasedBy: 'ERP' } });
      expect(response.status).toBe(200);
      expect(response.body.instances).toEqual([expect.objectContaining({ id: b, businessKey: 'WO-B', started: false })]);
      expect((await instance(b)).openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Kit']);
      expect((await instance(b)).variables.releasedBy).toBe('ERP');
      expect((await instance(a)).openTasks).toEqual([]);
      expect((await instance(a)).subscriptions).toHaveLength(1);
    });

    it('When the same message comes again for WO-B, Then nothing waits for it: 404', async () => {
      const again = await app.http.post('/api/v1/messages').set(erpKey).send({ name: 'OrderReleased', correlationKey: 'WO-B' });
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('not_found');
    });

    it('And an unknown message name is 404, and a message to another key scope is refused', async () => {
      expect((await app.http.post('/api/v1/messages').set(erpKey).send({ name: 'NoSuchMessage', correlationKey: 'WO-A' })).status).toBe(404);
      expect((await app.http.post('/api/v1/messages').set(erpKey).send({ name: '', correlationKey: 'WO-A' })).status).toBe(400);
    });
  });

  describe('Scenario: a message start event starts the released version', () => {
    it('When the QMS raises a nonconformance, Then an intake instance starts with the key and variables', async () => {
      const response = await app.http.post('/api/v1/messages').set(erpKey).send({ name: 'NonconformanceRaised', correlationKey: 'NC-77', variables: { lot: 'L-9' } });
      expect(response.status).toBe(200);
      expect(response.body.instances).toEqual([expect.objectContaining({ key: 'nc-intake', businessKey: 'NC-77', started: true })]);
      const started = await instance(response.body.instances[0].id);
      expect(started.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Triage']);
      expect(started.variables.lot).toBe('L-9');
    });
  });

  describe('Scenario: a signal reaches every subscribed instance', () => {
    it('When the line stops, Then every order being kitted ends through its signal boundary', async () => {
      const c = (await app.http.post('/api/v1/processes/await-release/instances').set(erpKey).send({ businessKey: 'WO-C' })).body.id;
      await app.http.post('/api/v1/messages').set(erpKey).send({ name: 'OrderReleased', correlationKey: 'WO-C' });
      const response = await app.http.post('/api/v1/signals').set(user.auth).send({ name: 'LineStop' });
      expect(response.status).toBe(200);
      const reached = response.body.instances.map((i: { businessKey: string }) => i.businessKey).sort();
      expect(reached).toEqual(['WO-B', 'WO-C']);
      expect((await instance(c)).status).toBe('completed');
      expect((await instance(c)).history.map((h: { activityId: string }) => h.activityId)).toContain('Stopped');
    });

    it('And an operator may not broadcast signals', async () => {
      const operator = await signedInUser(app, ['operator']);
      expect((await app.http.post('/api/v1/signals').set(operator.auth).send({ name: 'LineStop' })).status).toBe(403);
    });
  });
});
