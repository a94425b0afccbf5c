import { deployReleased } from '../support/deploy';
import { fixture } from '../support/bpmn-fixtures';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

describe('Feature: a user task’s life', () => {
  let app: TestApp;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  let otherOperator: Awaited<ReturnType<typeof signedInUser>>;
  let inspector: Awaited<ReturnType<typeof signedInUser>>;
  beforeAll(async () => {
    app = await startTestApp();
    operator = await signedInUser(app, ['operator'], { printedName: 'Olga Operator' });
    otherOperator = await signedInUser(app, ['operator']);
    inspector = await signedInUser(app, ['inspector']);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('Scenario: an operator claims and completes the review task', () => {
    let instanceId: string;
    let taskId: string;

    it('Given the simple approval process is released', async () => {
      await deployReleased(app, fixture('simple-approval.bpmn'));
    });

    it('When an operator starts it with a business key', async () => {
      const response = await app.http.post('/api/v1/processes/simple-approval/instances').set(operator.auth).send({ businessKey: 'REQ-1', variables: { amount: 12 } });
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ key: 'simple-approval', businessKey: 'REQ-1', status: 'running', variables: { amount: 12 } });
      expect(response.body.openTasks).toHaveLength(1);
      instanceId = response.body.id;
      taskId = response.body.openTasks[0].id;
    });

    it('Then the review task is offered to the operator role', async () => {
      const mine = await app.http.get('/api/v1/tasks').set(operator.auth);
      expect(mine.body.items.map((t: { id: string }) => t.id)).toContain(taskId);
      const task = mine.body.items.find((t: { id: string }) => t.id === taskId);
      expect(task).toMatchObject({ name: 'Review request', candidateGroups: ['operator'], assignee: null, status: 'open', businessKey: 'REQ-1' });
      const notOffered = await app.http.get('/api/v1/tasks').set(inspector.auth);
      expect(notOffered.body.items.map((t: { id: string }) => t.id)).not.toContain(taskId);
      expect((await app.http.post(`/api/v1/tasks/${taskId}/claim`).set(inspector.auth).send({})).status).toBe(403);
    });

    it('When the operator claims it, Then a second operator can no longer take it', async () => {
      const claim = await app.http.post(`/api/v1/tasks/${taskId}/claim`).set(operator.auth).send({});
      expect(claim.status).toBe(200);
      expect(claim.body.assignee).toBe(operator.user.username);
      expect((await app.http.post(`/api/v1/tasks/${taskId}/claim`).set(otherOperator.auth).send({})).status).toBe(409);
      expect((await app.http.post(`/api/v1/tasks/${taskId}/complete`).set(otherOperator.auth).send({ variables: {} })).status).toBe(403);
    });

    it('When the operator completes it with data, Then the instance completes', async () => {
      const complete = await app.http.post(`/api/v1/tasks/${taskId}/complete`).set(operator.auth).send({ variables: { approved: true } });
      expect(complete.status).toBe(200);
      expect(complete.body).toMatchObject({ status: 'completed', completedBy: operator.user.username });
      const instance = await app.http.get(`/api/v1/instances/${instanceId}`).set(operator.auth);
      expect(instance.body).toMatchObject({ status: 'completed', variables: { amount: 12, approved: true }, openTasks: [] });
      expect(instance.body.history.map((h: { activityId: string }) => h.activityId)).toEqual(['StartEvent_1', 'Task_review', 'EndEvent_1']);
      expect(instance.body.history[1]).toMatchObject({ actor: operator.user.username, endedAt: expect.any(String) });
    });

    it('And completing it twice is a conflict', async () => {
      const again = await app.http.post(`/api/v1/tasks/${taskId}/complete`).set(operator.auth).send({ variables: {} });
      expect(again.status).toBe(409);
    });

    it('And the audit trail shows the start, the claim, the completion and the end', async () => {
      const instanceAudit = (await auditOf(app, 'ProcessInstance', instanceId)).map((e) => e.action);
      expect(instanceAudit).toEqual(['processInstance.started', 'processInstance.completed']);
      const taskAudit = (await auditOf(app, 'UserTask', taskId)).map((e) => e.action);
      expect(taskAudit).toEqual(['task.created', 'task.assigned', 'task.completed']);
    });
  });

  describe('Scenario: bad starts change nothing', () => {
    it('answers 404 for an unknown key, 409 for a key without a released version, 400 for variables that are not an object', async () => {
      expect((await app.http.post('/api/v1/processes/no-such-process/instances').set(operator.auth).send({})).status).toBe(404);
      const owner = await signedInUser(app, ['process_owner']);
      await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml: fixture('simple-approval.bpmn').replaceAll('simple-approval', 'draft-only'), changeReason: 'draft only' });
      expect((await app.http.post('/api/v1/processes/draft-only/instances').set(operator.auth).send({})).status).toBe(409);
      const before = Number((await app.deps.db('process_instances').count({ n: '*' }))[0].n);
      expect((await app.http.post('/api/v1/processes/simple-approval/instances').set(operator.auth).send({ variables: [1, 2] })).status).toBe(400);
      expect((await app.http.post('/api/v1/processes/simple-approval/instances').set(operator.auth).send({ variables: 'x' })).status).toBe(400);
      expect(Number((await app.deps.db('process_instances').count({ n: '*' }))[0].n)).toBe(before);
    });
  });
});
