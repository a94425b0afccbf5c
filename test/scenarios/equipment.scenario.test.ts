// node-opcua is ESM-only: the simulator and the connector load Node's own copy (see the support file).
jest.mock('node-opcua', () => require('../integration/opcua/support/native-opcua').loadNativeOpcua());

import { cellNodeId, startCellSimulator, type CellSimulator } from '../../server/adapters/simulators/opcua-cell';
import { connectorSecretBox } from '../../server/commands/manage-connectors';
import { createEquipmentMonitor, type EquipmentMonitor } from '../../server/equipment/equipment-monitor';
import type { Observation } from '../../server/equipment/record-observation';
import { createOpcuaConnector } from '../../server/platform/opcua-connector';
import { eventually } from '../integration/opcua/support/wait';
import { quietOpcUaLogs } from '../integration/opcua/support/logging';
import { buildProcess, errorRef, messageRef } from '../support/bpmn-builder';
import { deployReleased } from '../support/deploy';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Issue 6 (E02–E05) through the HTTP API, with the OPC UA cell simulator on 127.0.0.1: equipment
// state from the node's monitor, an audited write with read-back, method calls (a job order; a
// refused command as a BPMN error), Held correlated to a waiting instance, Aborted starting an
// escalation exactly once across three monitoring nodes, and a restart of the cell recovered.

const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000', GEMBA_EQUIPMENT_REFRESH_MS: '1000' };

const setpointChange = buildProcess({
  id: 'setpoint-change',
  name: 'Change the seal-jaw setpoint',
  roots: '<bpmn:error id="Error_limit" name="Outside limits" errorCode="EquipmentLimitViolation" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Change requested' },
    { id: 'Approve', type: 'userTask', name: 'Approve setpoint change', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Write', type: 'serviceTask', name: 'Write setpoint', attrs: { 'gemba:connector': 'cell', 'gemba:operation': 'setSetpoint', 'gemba:retries': '3' } },
    { id: 'Confirm', type: 'userTask', name: 'Confirm setpoint', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Refused', type: 'userTask', name: 'Setpoint refused', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'End', type: 'endEvent', name: 'Changed' },
    { id: 'EndRefused', type: 'endEvent', name: 'Not changed' },
  ],
  boundaries: [{ id: 'OnLimit', attachedTo: 'Write', name: 'Outside limits', body: errorRef('Error_limit') }],
  flows: [
    { from: 'Start', to: 'Approve' },
    { from: 'Approve', to: 'Write' },
    { from: 'Write', to: 'Confirm' },
    { from: 'Confirm', to: 'End' },
    { from: 'OnLimit', to: 'Refused' },
    { from: 'Refused', to: 'EndRefused' },
  ],
});

const runJob = buildProcess({
  id: 'run-job',
  name: 'Run a job order on the cell',
  roots: '<bpmn:message id="Msg_alarm" name="EquipmentAlarm" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Job released' },
    { id: 'StartJob', type: 'serviceTask', name: 'Start job order', attrs: { 'gemba:connector': 'cell', 'gemba:operation': 'startJobOrder', 'gemba:retries': '3' } },
    { id: 'WaitAlarm', type: 'intermediateCatchEvent', name: 'Cell stopped by an alarm', attrs: { 'gemba:correlationKey': 'cell' }, body: messageRef('Msg_alarm') },
    { id: 'HandleHeld', type: 'userTask', name: 'Handle held cell', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'End', type: 'endEvent', name: 'Handled' },
  ],
  flows: [
    { from: 'Start', to: 'StartJob' },
    { from: 'StartJob', to: 'WaitAlarm' },
    { from: 'WaitAlarm', to: 'HandleHeld' },
    { from: 'HandleHeld', to: 'End' },
  ],
});

const holdCell = buildProcess({
  id: 'hold-cell',
  name: 'Hold the cell',
  roots: '<bpmn:error id="Error_state" name="Invalid state" errorCode="BadInvalidState" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Hold requested' },
    { id: 'Hold', type: 'serviceTask', name: 'Send Hold', attrs: { 'gemba:connector': 'cell', 'gemba:operation': 'hold', 'gemba:retries': '3' } },
    { id: 'Held', type: 'userTask', name: 'Cell held', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'NotHeld', type: 'userTask', name: 'Cell refused Hold', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'End' },
    { id: 'EndRefused', type: 'endEvent', name: 'Refused' },
  ],
  boundaries: [{ id: 'OnState', attachedTo: 'Hold', name: 'Invalid state', body: errorRef('Error_state') }],
  flows: [
    { from: 'Start', to: 'Hold' },
    { from: 'Hold', to: 'Held' },
    { from: 'Held', to: 'End' },
    { from: 'OnState', to: 'NotHeld' },
    { from: 'NotHeld', to: 'EndRefused' },
  ],
});

// Stands in for processes/escalation.bpmn: a message start on EquipmentAlarm, tier 1 first.
const escalation = buildProcess({
  id: 'equipment-escalation',
  name: 'Equipment escalation',
  roots: '<bpmn:message id="Msg_alarm" name="EquipmentAlarm" />',
  nodes: [
    { id: 'StartAlarm', type: 'startEvent', name: 'Equipment alarm', body: messageRef('Msg_alarm') },
    { id: 'Ack1', type: 'userTask', name: 'Acknowledge (tier 1)', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'Resolved' },
  ],
  flows: [
    { from: 'StartAlarm', to: 'Ack1' },
    { from: 'Ack1', to: 'End' },
  ],
});

describe('Feature: OPC UA equipment in processes', () => {
  let simulator: CellSimulator;
  let app: TestApp;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let owner: Awaited<ReturnType<typeof signedInUser>>;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  let supervisor: Awaited<ReturnType<typeof signedInUser>>;

  const equipment = async () => (await app.http.get('/api/v1/equipment/cell').set(operator.auth)).body;
  const instance = async (id: string) => (await app.http.get(`/api/v1/instances/${id}`).set(supervisor.auth)).body;
  const openTask = async (id: string) => ((await instance(id)).openTasks as Array<{ id: string; activityId: string }>)[0];
  const work = async (taskId: string, user: typeof operator, variables: Record<string, unknown> = {}) => {
    expect((await app.http.post(`/api/v1/tasks/${taskId}/claim`).set(user.auth).send({})).status).toBe(200);
    expect((await app.http.post(`/api/v1/tasks/${taskId}/complete`).set(user.auth).send({ variables })).status).toBe(200);
  };
  const instancesOf = (key: string) => app.deps.db('process_instances').where({ key });

  beforeAll(async () => {
    quietOpcUaLogs();
    simulator = await startCellSimulator({ cycleTimeMs: 100, transitionMs: 20 });
    app = await startTestApp(LONG_SESSIONS);
    admin = await signedInUser(app, ['admin']);
    owner = await signedInUser(app, ['process_owner']);
    operator = await signedInUser(app, ['operator'], { printedName: 'Olga Operator' });
    supervisor = await signedInUser(app, ['supervisor']);
    const registered = await app.http
      .post('/api/v1/connectors')
      .set(admin.auth)
      .send({
        name: 'cell',
        kind: 'opcua',
        description: 'Sealing cell 1',
        config: {
          endpointUrl: simulator.endpointUrl,
          requestTimeoutMs: 3000,
          connectTimeoutMs: 5000,
          operations: {
            setSetpoint: { type: 'write', nodeId: cellNodeId('setpoint'), value: '${setpoint}', limits: { min: 100, max: 220 } },
            startJobOrder: {
              type: 'call',
              objectId: cellNodeId('cell'),
              methodId: cellNodeId('startJobOrder'),
              inputArguments: ['${jobOrderId}', '${partNumber}', '${quantity}'],
              outputMapping: { startedAt: 'StartedAt' },
            },
            hold: { type: 'call', objectId: cellNodeId('cell'), methodId: cellNodeId('hold') },
          },
        },
      });
    expect(registered.status).toBe(201);
    for (const xml of [setpointChange, runJob, holdCell, escalation]) await deployReleased(app, xml);
  });
  afterAll(async () => {
    await app?.close();
    await simulator?.stop();
  });

  describe('Scenario: a process owner puts the cell under monitoring', () => {
    it('When the monitoring is set, Then the cell shows its live state, counters and setpoint', async () => {
      const configured = await app.http
        .put('/api/v1/equipment/cell/monitoring')
        .set(owner.auth)
        .send({
          nodes: {
            state: cellNodeId('stateCurrent'),
            processed: cellNodeId('prodProcessedCount'),
            defective: cellNodeId('prodDefectiveCount'),
            temperature: cellNodeId('temperature'),
            setpoint: cellNodeId('setpoint'),
          },
          alarmSource: cellNodeId('cell'),
          samplingMs: 50,
          reason: 'Monitor sealing cell 1 for OEE and escalations',
        });
      expect(configured.status).toBe(200);
      expect(configured.body).toMatchObject({ id: 'cell', monitored: true, monitoring: { stateMessages: { Held: 'EquipmentAlarm', Aborted: 'EquipmentAlarm' } } });
      const live = await eventually(async () => {
        const body = await equipment();
        return body.connection.status === 'connected' && body.state?.value === 'Idle' && body.setpoint?.value === 160 && body.counters?.processed != null && body.temperature ? body : undefined;
      }, 15_000, 'the cell’s live state');
      expect(live).toMatchObject({ endpointUrl: simulator.endpointUrl, counters: { processed: 0, defective: 0 }, temperature: { value: 25, statusCode: 'Good' } });
      expect(live.lastSampleAt).toEqual(expect.any(String));
      const audit = (await auditOf(app, 'Equipment', 'cell')).find((e) => e.action === 'equipment.monitoringConfigured');
      expect(audit).toMatchObject({ actor_name: owner.user.username, reason: 'Monitor sealing cell 1 for OEE and escalations' });
    });
  });

  describe('Scenario: an approved setpoint change is written, read back and audited (E04)', () => {
    it('When the operator approves 180 °C, Then the cell runs at 180 and the audit trail names the old and new value and the signer', async () => {
      const id = (await app.http.post('/api/v1/processes/setpoint-change/instances').set(operator.auth).send({ businessKey: 'SP-1', variables: { setpoint: 180 } })).body.id;
      await work((await openTask(id)).id, operator);
      await app.deps.drainJobs();
      expect(simulator.setpoint()).toBe(180);
      expect((await openTask(id)).activityId).toBe('Confirm');
      const written = (await auditOf(app, 'Equipment', 'cell')).filter((e) => e.action === 'equipment.written');
      expect(written).toHaveLength(1);
      expect(written[0].before).toMatchObject({ nodeId: cellNodeId('setpoint'), value: 160, statusCode: 'Good' });
      expect(written[0].after).toMatchObject({ value: 180, readBack: 180, verified: true, signer: operator.user.username, signerType: 'user', signerPrintedName: 'Olga Operator', limits: { min: 100, max: 220 } });
      expect(written[0].context).toMatchObject({ instanceId: id, key: 'setpoint-change', operation: 'cell.setSetpoint', signedStep: 'Approve' });
      await eventually(async () => (await equipment()).setpoint?.value === 180, 5_000, 'the new setpoint in the equipment state');
    });

    it('When 250 °C is approved, Then the limit check refuses it as a BPMN error and nothing is written', async () => {
      const id = (await app.http.post('/api/v1/processes/setpoint-change/instances').set(operator.auth).send({ businessKey: 'SP-2', variables: { setpoint: 250 } })).body.id;
      await work((await openTask(id)).id, operator);
      await app.deps.drainJobs();
      expect((await openTask(id)).activityId).toBe('Refused');
      expect(simulator.setpoint()).toBe(180);
      expect((await auditOf(app, 'Equipment', 'cell')).filter((e) => e.action === 'equipment.written')).toHaveLength(1);
    });
  });

  describe('Scenario: a command the cell refuses becomes a BPMN error (E05)', () => {
    it('When Hold is sent to an idle cell, Then BadInvalidState is caught by the boundary event and no incident is raised', async () => {
      const id = (await app.http.post('/api/v1/processes/hold-cell/instances').set(operator.auth).send({ businessKey: 'HOLD-1', variables: {} })).body.id;
      await app.deps.drainJobs();
      const detail = await instance(id);
      expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['NotHeld']);
      expect(detail.incidents).toEqual([]);
      expect(simulator.state).toBe('Idle');
    });
  });

  describe('Scenario: a job order runs, and the cell going to Held reaches the waiting instance', () => {
    let id: string;
    it('When the job is released, Then the method call starts the job on the cell and counters feed the samples', async () => {
      id = (await app.http.post('/api/v1/processes/run-job/instances').set(operator.auth).send({ businessKey: 'JOB-1', variables: { jobOrderId: 'JOB-1', partNumber: 'P-100', quantity: 100000 } })).body.id;
      await app.deps.drainJobs();
      expect(simulator.job).toMatchObject({ jobId: 'JOB-1', partNumber: 'P-100', status: 'Running' });
      const detail = await instance(id);
      expect(detail.variables.startedAt).toEqual(expect.any(String));
      expect(detail.openTasks).toEqual([]);
      const running = await eventually(async () => {
        const body = await equipment();
        return body.state?.value === 'Execute' && body.counters.processed >= 3 ? body : undefined;
      }, 10_000, 'the cell executing with counts');
      expect(running.counters.sourceTimestamp).toEqual(expect.any(String));
      const samples = await app.deps.db('equipment_samples').where({ equipment_id: 'cell' });
      expect(samples.filter((s) => s.kind === 'state').map((s) => s.state)).toEqual(expect.arrayContaining(['Idle', 'Execute']));
      expect(samples.filter((s) => s.kind === 'counter').length).toBeGreaterThan(0);
    });

    it('When the cell goes to Held, Then the waiting instance receives EquipmentAlarm and no escalation starts', async () => {
      simulator.forceState('Held');
      const task = await eventually(() => openTask(id), 10_000, 'the held task');
      expect(task.activityId).toBe('HandleHeld');
      expect((await instance(id)).variables).toMatchObject({ equipmentId: 'cell', state: 'Held', previousState: 'Execute', eventClass: 'equipment' });
      expect(await instancesOf('equipment-escalation')).toHaveLength(0);
      const observation = await app.deps.db('equipment_observations').where({ equipment_id: 'cell', kind: 'data' }).whereRaw(`payload->>'value' = 'Held'`);
      expect(observation).toHaveLength(1);
      expect(observation[0].message).toMatchObject({ name: 'EquipmentAlarm', correlationKey: 'cell', reached: [id], started: [] });
    });
  });

  describe('Scenario: three nodes watch the cell; an abort starts one escalation', () => {
    const monitors: EquipmentMonitor[] = [];
    const connectors: Array<ReturnType<typeof createOpcuaConnector>> = [];
    const seen = new Map<string, Array<{ observation: Observation; acted: boolean }>>();
    const readings = (node: string, value: string) => (seen.get(node) ?? []).filter((r) => r.observation.kind === 'reading' && r.observation.role === 'state' && r.observation.value === value);

    afterAll(async () => {
      for (const monitor of monitors) await monitor.stop();
      for (const connector of connectors) await connector.close();
    });

    it('Given two more nodes monitoring the same cell, Then they find the current state already recorded', async () => {
      for (const node of ['node-b', 'node-c']) {
        const connector = createOpcuaConnector({ pkiDir: app.deps.config.opcua.pkiDir, trustUnknownServerCertificates: true });
        connectors.push(connector);
        seen.set(node, []);
        const monitor = createEquipmentMonitor(
          { ...app.deps, nodeId: node, secretBox: () => connectorSecretBox(app.deps.config, app.deps.logger) },
          { refreshMs: 60_000, gatewayFor: (name, config) => connector.gateway(name, config), onRecorded: (_id, observation, acted) => seen.get(node)!.push({ observation, acted }) },
        );
        monitors.push(monitor);
        monitor.start();
      }
      for (const node of ['node-b', 'node-c']) await eventually(() => readings(node, 'Held').length > 0, 10_000, `${node} seeing Held`);
      expect([...readings('node-b', 'Held'), ...readings('node-c', 'Held')].every((r) => !r.acted)).toBe(true);
    });

    it('When the cell aborts, Then exactly one node acts and one escalation starts for the cell', async () => {
      simulator.forceState('Aborted');
      for (const node of ['node-b', 'node-c']) await eventually(() => readings(node, 'Aborted').length > 0, 10_000, `${node} seeing Aborted`);
      const started = await eventually(async () => {
        const rows = await instancesOf('equipment-escalation');
        return rows.length > 0 ? rows : undefined;
      }, 10_000, 'an escalation');
      expect(started).toHaveLength(1);
      expect(started[0].business_key).toBe('cell');
      expect(started[0].variables).toMatchObject({ equipmentId: 'cell', state: 'Aborted', title: 'cell went to Aborted' });
      expect([...readings('node-b', 'Aborted'), ...readings('node-c', 'Aborted')].filter((r) => r.acted).length).toBeLessThanOrEqual(1);
      expect(await app.deps.db('equipment_observations').where({ equipment_id: 'cell', kind: 'data' }).whereRaw(`payload->>'value' = 'Aborted'`)).toHaveLength(1);
      const tasks = await app.deps.db('user_tasks').where({ instance_id: started[0].id, status: 'open' });
      expect(tasks.map((t) => t.activity_id)).toEqual(['Ack1']);
    });
  });

  describe('Scenario: the cell restarts; the monitor recovers its subscriptions and records the gap', () => {
    it('When the cell goes offline, Then the equipment shows the connection lost', async () => {
      await simulator.goOffline({ closeSessions: true });
      await eventually(async () => (await equipment()).connection.status === 'disconnected', 15_000, 'the connection lost');
    });

    it('When it is back with another state, Then the new state arrives and the gap is recorded', async () => {
      simulator.forceState('Stopped');
      await simulator.goOnline();
      const after = await eventually(async () => {
        const body = await equipment();
        return body.connection.status === 'connected' && body.state?.value === 'Stopped' && body.recentGaps.length > 0 ? body : undefined;
      }, 30_000, 'recovery with the new state and a gap');
      const gap = after.recentGaps.find((g: { nodeId: string }) => g.nodeId === app.deps.nodeId);
      expect(gap).toBeDefined();
      expect(new Date(gap.to).getTime()).toBeGreaterThan(new Date(gap.from).getTime());
      // and the recovered items keep reporting
      simulator.setTemperature(99);
      await eventually(async () => (await equipment()).temperature?.value === 99, 10_000, 'a reading after recovery');
    });
  });
});
