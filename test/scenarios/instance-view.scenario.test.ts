import { buildProcess, messageRef, timer } from '../support/bpmn-builder';
import { deployReleased } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// A task watched by a non-interrupting timer and an interrupting message: after the start the
// instance waits with a task, a timer and a subscription, and its history holds an ended start
// event and an open task.
const watched = buildProcess({
  id: 'watched-check',
  name: 'Watched check',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Check requested' },
    { id: 'Check', type: 'userTask', name: 'Check the line', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Done', type: 'endEvent', name: 'Checked' },
    { id: 'Remind', type: 'userTask', name: 'Chase the check', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'Reminded', type: 'endEvent', name: 'Chased' },
    { id: 'Withdrawn', type: 'endEvent', name: 'Withdrawn' },
  ],
  boundaries: [
    { id: 'After1h', attachedTo: 'Check', name: '1 hour', interrupting: false, body: timer('timeDuration', 'PT1H') },
    { id: 'OnWithdraw', attachedTo: 'Check', name: 'Check withdrawn', body: messageRef('Msg_withdraw') },
  ],
  flows: [
    { from: 'Start', to: 'Check' },
    { from: 'Check', to: 'Done' },
    { from: 'After1h', to: 'Remind' },
    { from: 'Remind', to: 'Reminded' },
    { from: 'OnWithdraw', to: 'Withdrawn' },
  ],
  roots: '<bpmn:message id="Msg_withdraw" name="CheckWithdrawn" />',
});

describe('Feature: the instance view', () => {
  let app: TestApp;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  beforeAll(async () => {
    app = await startTestApp();
    operator = await signedInUser(app, ['operator', 'supervisor']);
    await deployReleased(app, watched);
  });
  afterAll(async () => {
    await app.close();
  });

  describe('Scenario: the start answers with exactly what the instance view shows', () => {
    let started: Record<string, any>;

    it('When an operator starts the watched check, Then the answer holds its task, timer, subscription and history', async () => {
      const response = await app.http.post('/api/v1/processes/watched-check/instances').set(operator.auth).send({ businessKey: 'CHK-1', variables: { line: 'L1' } });
      expect(response.status).toBe(201);
      started = response.body;
      expect(started).toMatchObject({ status: 'running', businessKey: 'CHK-1', variables: { line: 'L1' }, incidents: [] });
      expect(started.openTasks).toEqual([expect.objectContaining({ activityId: 'Check', status: 'open', candidateGroups: ['operator'] })]);
      expect(started.timers).toEqual([expect.objectContaining({ activityId: 'After1h', status: 'pending', value: 'PT1H' })]);
      expect(started.subscriptions).toEqual([expect.objectContaining({ kind: 'message', name: 'CheckWithdrawn', activityId: 'OnWithdraw' })]);
      const history = started.history.map((h: { activityId: string; endedAt: string | null }) => [h.activityId, h.endedAt === null ? 'open' : 'ended']);
      expect(history).toEqual(expect.arrayContaining([['Start', 'ended'], ['Check', 'open']]));
      expect(started.stateBytes).toBeGreaterThan(0);
    });

    it('Then GET /instances/:id shows the same instance, field for field', async () => {
      const view = await app.http.get(`/api/v1/instances/${started.id}`).set(operator.auth);
      expect(view.status).toBe(200);
      // Overdue flags and durations are computed at read time; nothing else may differ.
      expect(view.body).toEqual(started);
    });

    it('And the rows behind it were each written once: one instance row with its first state, one task, one timer job', async () => {
      const row = (await app.deps.db('process_instances').where({ id: started.id }).first())!;
      expect(row).toMatchObject({ status: 'running', lock_version: 0 });
      expect(row.engine_state).toEqual(expect.objectContaining({ v: 1 }));
      expect(row.state_bytes).toBe(Buffer.byteLength(JSON.stringify(row.engine_state)));
      expect(Number((await app.deps.db('user_tasks').where({ instance_id: started.id }).count({ n: '*' }))[0].n)).toBe(1);
      expect(Number((await app.deps.db('jobs').where({ instance_id: started.id, kind: 'timer' }).count({ n: '*' }))[0].n)).toBe(1);
      const start = (await app.deps.db('activity_history').where({ instance_id: started.id, activity_id: 'Start' }).first())!;
      expect(start).toMatchObject({ outcome: 'completed', actor: operator.user.username });
      expect(start.ended_at).toBeInstanceOf(Date);
    });

    it('When the task is completed, Then the answer is the completed task and the view shows it completed and the waits gone', async () => {
      const complete = await app.http.post(`/api/v1/tasks/${started.openTasks[0].id}/complete`).set(operator.auth).send({ variables: { ok: true } });
      expect(complete.status).toBe(200);
      expect(complete.body).toMatchObject({ id: started.openTasks[0].id, status: 'completed', completedBy: operator.user.username, businessKey: 'CHK-1' });
      const view = await app.http.get(`/api/v1/instances/${started.id}`).set(operator.auth);
      expect(view.body).toMatchObject({ status: 'completed', openTasks: [], timers: [], subscriptions: [] });
      const history = view.body.history.map((h: { activityId: string; endedAt: string | null }) => [h.activityId, h.endedAt === null ? 'open' : 'ended']);
      expect(history).toEqual([['Start', 'ended'], ['Check', 'ended'], ['Done', 'ended']]);
      const ended = await app.deps.db('activity_history').where({ instance_id: started.id, activity_id: 'Check' }).first();
      expect(ended).toMatchObject({ outcome: 'completed', actor: operator.user.username });
    });
  });
});
