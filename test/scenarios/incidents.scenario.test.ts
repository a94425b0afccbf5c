import { buildProcess } from '../support/bpmn-builder';
import { deployReleased } from '../support/deploy';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// The condition names a variable that is never set (a typo of "amount"): a model error at run time.
const typo = buildProcess({
  id: 'route-by-amount',
  name: 'Route by amount',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Request' },
    { id: 'Decide', type: 'exclusiveGateway', name: 'Large amount?' },
    { id: 'Approve', type: 'userTask', name: 'Approve large amount', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'Small', type: 'endEvent', name: 'Small amount' },
    { id: 'Large', type: 'endEvent', name: 'Large amount approved' },
  ],
  flows: [
    { from: 'Start', to: 'Decide' },
    { from: 'Decide', to: 'Approve', name: 'yes', condition: '${amont > 1000}' },
    { from: 'Decide', to: 'Small', name: 'no', default: true },
    { from: 'Approve', to: 'Large' },
  ],
});

describe('Feature: a model error becomes an incident, never a server error', () => {
  let app: TestApp;
  let supervisor: Awaited<ReturnType<typeof signedInUser>>;
  let id: string;
  beforeAll(async () => {
    app = await startTestApp();
    supervisor = await signedInUser(app, ['supervisor', 'operator']);
    await deployReleased(app, typo);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Scenario: a condition that cannot be evaluated', () => {
    it('When an instance starts, Then the start is accepted and the instance is in incident, naming the expression', async () => {
      const response = await app.http.post('/api/v1/processes/route-by-amount/instances').set(supervisor.auth).send({ businessKey: 'R-1', variables: { amount: 5000 } });
      expect(response.status).toBe(201);
      id = response.body.id;
      expect(response.body.status).toBe('incident');
      expect(response.body.incidents).toEqual([expect.objectContaining({ kind: 'modelError', status: 'open', message: expect.stringContaining('amont') })]);
      const audit = (await auditOf(app, 'Incident', response.body.incidents[0].id)).map((e) => e.action);
      expect(audit).toEqual(['incident.created']);
    });

    it('When it is retried unchanged, Then it fails again and a new incident records the attempt', async () => {
      const incident = (await app.http.get(`/api/v1/instances/${id}`).set(supervisor.auth)).body.incidents[0];
      const retry = await app.http.post(`/api/v1/incidents/${incident.id}/retry`).set(supervisor.auth).send({});
      expect(retry.status).toBe(200);
      expect(retry.body).toMatchObject({ outcome: 'failedAgain', newIncidentId: expect.any(String) });
      const detail = (await app.http.get(`/api/v1/instances/${id}`).set(supervisor.auth)).body;
      expect(detail.status).toBe('incident');
      expect(detail.incidents.map((i: { status: string }) => i.status).sort()).toEqual(['open', 'resolved']);
    });

    it('When a supervisor cancels it with a reason, Then it ends cancelled and its incidents are resolved', async () => {
      const cancel = await app.http.post(`/api/v1/instances/${id}/cancel`).set(supervisor.auth).send({ reason: 'Model defect CR-12; re-run on v2' });
      expect(cancel.status).toBe(200);
      expect(cancel.body).toMatchObject({ status: 'cancelled', endReason: 'Model defect CR-12; re-run on v2' });
      expect(cancel.body.incidents.every((i: { status: string }) => i.status === 'resolved')).toBe(true);
      expect((await app.http.post(`/api/v1/instances/${id}/cancel`).set(supervisor.auth).send({ reason: 'again' })).status).toBe(409);
    });
  });

  describe('Scenario: cancelling a running instance closes what it waits on', () => {
    it('closes the open task', async () => {
      const started = await app.http.post('/api/v1/processes/route-by-amount/instances').set(supervisor.auth).send({ variables: { amont: 5000 } });
      expect(started.body.openTasks).toHaveLength(1);
      const operator = await signedInUser(app, ['operator']);
      expect((await app.http.post(`/api/v1/instances/${started.body.id}/cancel`).set(operator.auth).send({ reason: 'not mine' })).status).toBe(403);
      const cancel = await app.http.post(`/api/v1/instances/${started.body.id}/cancel`).set(supervisor.auth).send({ reason: 'Duplicate request' });
      expect(cancel.body.status).toBe('cancelled');
      expect(cancel.body.openTasks).toEqual([]);
      expect(cancel.body.tasks[0].status).toBe('cancelled');
    });
  });
});
