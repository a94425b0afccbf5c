import { buildProcess, timer } from '../support/bpmn-builder';
import { advanceClock, deployReleased } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

const MINUTE = 60_000;
// The controlled clock moves by days here; sessions must outlive that.
const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000' };

// An acknowledge task with a non-interrupting 15-minute escalation and an interrupting 8-hour timeout.
const escalation = buildProcess({
  id: 'andon-call',
  name: 'Andon call',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Andon pulled' },
    { id: 'Acknowledge', type: 'userTask', name: 'Acknowledge andon', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Escalate', type: 'userTask', name: 'Respond to escalation', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'Abandon', type: 'userTask', name: 'Review abandoned call', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'Done', type: 'endEvent', name: 'Andon handled' },
    { id: 'Escalated', type: 'endEvent', name: 'Escalation handled' },
    { id: 'Abandoned', type: 'endEvent', name: 'Call abandoned' },
  ],
  boundaries: [
    { id: 'After15', attachedTo: 'Acknowledge', name: '15 minutes', interrupting: false, body: timer('timeDuration', 'PT15M') },
    { id: 'After8h', attachedTo: 'Acknowledge', name: '8 hours', interrupting: true, body: timer('timeDuration', 'PT8H') },
  ],
  flows: [
    { from: 'Start', to: 'Acknowledge' },
    { from: 'Acknowledge', to: 'Done' },
    { from: 'After15', to: 'Escalate' },
    { from: 'Escalate', to: 'Escalated' },
    { from: 'After8h', to: 'Abandon' },
    { from: 'Abandon', to: 'Abandoned' },
  ],
});

// A 40-day wait: longer than any setTimeout can hold (2^31 ms ≈ 24.8 days).
const longWait = buildProcess({
  id: 'calibration-due',
  name: 'Calibration due',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Calibrated' },
    { id: 'Wait', type: 'intermediateCatchEvent', name: '40 days', body: timer('timeDuration', 'P40D') },
    { id: 'Recalibrate', type: 'userTask', name: 'Recalibrate gauge', attrs: { 'camunda:candidateGroups': 'inspector' } },
    { id: 'End', type: 'endEvent', name: 'Recalibrated' },
  ],
  flows: [
    { from: 'Start', to: 'Wait' },
    { from: 'Wait', to: 'Recalibrate' },
    { from: 'Recalibrate', to: 'End' },
  ],
});

const openTasks = async (app: TestApp, auth: Record<string, string>, id: string) =>
  ((await app.http.get(`/api/v1/instances/${id}`).set(auth)).body.openTasks as Array<{ activityId: string; candidateGroups: string[] }>).map((t) => t.activityId).sort();

describe('Feature: durable timers', () => {
  let app: TestApp;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  beforeAll(async () => {
    app = await startTestApp(LONG_SESSIONS);
    admin = await signedInUser(app, ['admin']);
    operator = await signedInUser(app, ['operator', 'supervisor', 'inspector']);
    await deployReleased(app, escalation);
    await deployReleased(app, longWait);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Scenario: a non-interrupting timer opens an escalation task while the main task stays open', () => {
    let id: string;
    it('Given an andon call waiting for acknowledgement, with its timers stored as jobs', async () => {
      const started = await app.http.post('/api/v1/processes/andon-call/instances').set(operator.auth).send({ businessKey: 'LINE-4' });
      id = started.body.id;
      expect(started.body.timers.map((t: { activityId: string }) => t.activityId).sort()).toEqual(['After15', 'After8h']);
      const fifteen = started.body.timers.find((t: { activityId: string }) => t.activityId === 'After15');
      expect(Date.parse(fifteen.dueAt) - Date.parse(started.body.startedAt)).toBe(15 * MINUTE);
    });

    it('When 14 minutes pass, Then nothing has fired', async () => {
      await advanceClock(app, admin, 14 * MINUTE);
      expect(await openTasks(app, operator.auth, id)).toEqual(['Acknowledge']);
    });

    it('When the 15th minute passes, Then the supervisor is asked to respond and the acknowledgement stays open', async () => {
      // The node's own poller may fire it before the clock call drains; either way it is done on return.
      await advanceClock(app, admin, MINUTE);
      expect(await openTasks(app, operator.auth, id)).toEqual(['Acknowledge', 'Escalate']);
      const detail = (await app.http.get(`/api/v1/instances/${id}`).set(operator.auth)).body;
      expect(detail.timers.map((t: { activityId: string }) => t.activityId)).toEqual(['After8h']);
      const fired = await app.deps.db('jobs').where({ instance_id: id, activity_id: 'After15' });
      expect(fired.map((j) => j.status)).toEqual(['done']);
    });

    it('When the acknowledgement is done, Then its 8-hour timer is cancelled and never fires', async () => {
      const ack = (await app.http.get(`/api/v1/instances/${id}`).set(operator.auth)).body.openTasks.find((t: { activityId: string }) => t.activityId === 'Acknowledge');
      expect((await app.http.post(`/api/v1/tasks/${ack.id}/complete`).set(operator.auth).send({ variables: {} })).status).toBe(200);
      await advanceClock(app, admin, 9 * 60 * MINUTE);
      expect(await openTasks(app, operator.auth, id)).toEqual(['Escalate']);
      const timeout = await app.deps.db('jobs').where({ instance_id: id, activity_id: 'After8h' }).first();
      expect(timeout!.status).toBe('cancelled');
    });
  });

  describe('Scenario: an interrupting timer ends the task it is attached to', () => {
    it('Given a call nobody acknowledges, When 8 hours pass, Then the acknowledgement is cancelled and the abandonment reviewed', async () => {
      const started = await app.http.post('/api/v1/processes/andon-call/instances').set(operator.auth).send({ businessKey: 'LINE-5' });
      await advanceClock(app, admin, 8 * 60 * MINUTE);
      expect(await openTasks(app, operator.auth, started.body.id)).toEqual(['Abandon', 'Escalate']);
      const tasks = (await app.http.get(`/api/v1/instances/${started.body.id}`).set(operator.auth)).body.tasks;
      expect(tasks.find((t: { activityId: string }) => t.activityId === 'Acknowledge').status).toBe('cancelled');
    });
  });

  describe('Scenario: a timer longer than 24.8 days, across a server restart', () => {
    let id: string;
    it('Given an instance waiting 40 days', async () => {
      const started = await app.http.post('/api/v1/processes/calibration-due/instances').set(operator.auth).send({ businessKey: 'GAUGE-7' });
      id = started.body.id;
      expect(Date.parse(started.body.timers[0].dueAt) - Date.parse(started.body.startedAt)).toBe(40 * 24 * 60 * MINUTE);
    });

    it('When the server stops and a new one starts on the same database', async () => {
      const database = app.testDatabase;
      await app.close({ keepDatabase: true });
      app = await startTestApp(LONG_SESSIONS, { database });
      admin = { ...admin, auth: { Authorization: `Bearer ${(await app.http.post('/api/v1/auth/login').send({ username: admin.user.username, password: admin.user.password })).body.token}` } };
      operator = { ...operator, auth: { Authorization: `Bearer ${(await app.http.post('/api/v1/auth/login').send({ username: operator.user.username, password: operator.user.password })).body.token}` } };
    });

    it('Then after 39 days nothing has fired, and after 40 the recalibration task is open', async () => {
      await advanceClock(app, admin, 39 * 24 * 60 * MINUTE);
      expect(await openTasks(app, operator.auth, id)).toEqual([]);
      await advanceClock(app, admin, 24 * 60 * MINUTE);
      expect(await openTasks(app, operator.auth, id)).toEqual(['Recalibrate']);
    });
  });
});
