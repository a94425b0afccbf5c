
import { io, type Socket } from 'socket.io-client';
import { Plant } from './plant';

// REQUIREMENTS 1.5 and W17 through the API, on the controlled clock: an andon nobody acknowledges
// in 10 minutes promotes to tier 2; the supervisors are notified (a notification row, and live
// over socket.io to their role's room), acknowledge and resolve with a reason code; the tier 1
// task is withdrawn and the response times are in the history.

const MINUTE = 60_000;

describe('Feature: tiered escalation through the API', () => {
  let plant: Plant;
  let supervisorSocket: Socket;
  const received: Array<Record<string, unknown>> = [];
  beforeAll(async () => {
    plant = await Plant.start({ processes: ['escalation'] });
    supervisorSocket = io(plant.app.url, { transports: ['websocket'], auth: { token: plant.users.supervisor.token }, reconnection: false, forceNew: true });
    await new Promise<void>((resolve, reject) => {
      supervisorSocket.once('connect', () => resolve());
      supervisorSocket.once('connect_error', reject);
    });
    supervisorSocket.on('notification.sent', (payload: Record<string, unknown>) => received.push(payload));
  });
  afterAll(async () => {
    supervisorSocket?.disconnect();
    await plant?.close();
  });

  describe('Scenario: nobody acknowledges the andon, tier 2 resolves it', () => {
    let instanceId: string;

    it('Given an operator raises an andon', async () => {
      const started = await plant.app.http
        .post('/api/v1/processes/escalation/instances')
        .set(plant.users.operator.auth)
        .send({ businessKey: 'ANDON-L3-1', variables: { eventClass: 'andon', title: 'Line 3 filler jammed', line: 'L3' } });
      expect(started.status).toBe(201);
      instanceId = started.body.id;
      const ack = await plant.task(plant.users.operator2, 'Ack1', instanceId);
      expect(ack.candidateGroups).toEqual(['operator']);
    });

    it('When 10 minutes pass without an acknowledgement, Then tier 2 (supervisors) is notified, live and on record', async () => {
      await plant.advance(10 * MINUTE);
      await plant.task(plant.users.supervisor, 'Ack2', instanceId);
      const variables = (await plant.instance(instanceId)).variables;
      expect(variables.currentTier).toBe(2);
      expect(variables.tier2NotifiedAt).toEqual(expect.any(String));

      const list = await plant.app.http.get('/api/v1/notifications').set(plant.users.supervisor.auth);
      expect(list.status).toBe(200);
      expect(list.body.items).toEqual([expect.objectContaining({ tier: 2, roles: ['supervisor'], subject: 'Line 3 filler jammed', eventClass: 'andon', instanceId })]);
      const forOperators = await plant.app.http.get('/api/v1/notifications').set(plant.users.operator.auth);
      expect(forOperators.body.items).toEqual([]);

      for (let i = 0; i < 40 && received.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 25));
      expect(received).toEqual([expect.objectContaining({ tier: 2, roles: ['supervisor'], subject: 'Line 3 filler jammed', instanceId })]);
    });

    it('When the supervisor acknowledges and resolves with a reason code, Then the escalation ends and tier 1 is withdrawn', async () => {
      await plant.complete(plant.users.supervisor, 'Ack2', { responseMode: 'on-site', ackNote: 'On my way' }, { instanceId });
      await plant.advance(5 * MINUTE);
      await plant.complete(plant.users.supervisor, 'Resolve2', { resolutionCode: 'equipment-repaired', resolutionNotes: 'Cleared the jammed guide rail', linkedRecord: 'MWO-4711', downtimeMinutes: 15 }, { instanceId });
      const ended = await plant.ended(instanceId);
      expect(ended.variables).toMatchObject({ resolutionCode: 'equipment-repaired', currentTier: 2 });
      const tier1 = await plant.app.deps.db('user_tasks').where({ instance_id: instanceId, activity_id: 'Ack1' }).first();
      expect(tier1?.status).toBe('cancelled');
    });

    it('Then the response times are in the history and in the KPIs', async () => {
      const history = await plant.app.deps.db('activity_history').where({ instance_id: instanceId }).whereIn('activity_id', ['AckOverdue1', 'NotifyTier2', 'Ack2', 'Resolve2']).orderBy('ended_at');
      expect(history.map((h) => h.activity_id)).toEqual(['AckOverdue1', 'NotifyTier2', 'Ack2', 'Resolve2']);
      const kpis = await plant.app.http.get('/api/v1/kpis').set(plant.users.supervisor.auth);
      expect(kpis.status).toBe(200);
      const escalation = kpis.body.figures.cycleTime.value.byProcess.find((p: { key: string }) => p.key === 'escalation');
      expect(escalation).toMatchObject({ completed: 1 });
      expect(escalation.meanMs).toBeGreaterThanOrEqual(15 * MINUTE);
      const resolve = kpis.body.figures.cycleTime.value.byActivity.find((a: { activityId: string }) => a.activityId === 'Resolve2');
      expect(resolve.meanMs).toBeGreaterThanOrEqual(5 * MINUTE);
      expect(kpis.body.figures.cycleTime.definition).toMatch(/ended_at − started_at/);
    });
  });
});
