// node-opcua is ESM-only; see support/native-opcua.ts for why it is loaded this way.
jest.mock('node-opcua', () => require('./support/native-opcua').loadNativeOpcua());

import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EquipmentTimeoutError, EquipmentUnavailableError, ValidationError } from '../../../server/errors/app-error';
import {
  EquipmentBpmnError,
  EquipmentLimitError,
  type DataChangeNotification,
  type EquipmentNotification,
  type EventNotification,
  type GapNotification,
} from '../../../server/adapters/opcua/equipment-gateway';
import { createOpcUaGateway, type OpcUaGateway } from '../../../server/adapters/opcua/opcua-gateway';
import { startEquipmentMonitor, type EquipmentMessage } from '../../../server/adapters/opcua/equipment-monitor';
import { cellNodeId, startCellSimulator, type CellSimulator } from '../../../server/adapters/simulators/opcua-cell';
import { quietOpcUaLogs } from './support/logging';
import { NotificationLog, eventually } from './support/wait';

const CELL = 'cell-1';
const isChange = (nodeId: string, value?: unknown) => (n: EquipmentNotification): n is DataChangeNotification =>
  n.kind === 'dataChange' && n.nodeId === nodeId && (value === undefined || n.value === value);
const isGap = (n: EquipmentNotification): n is GapNotification => n.kind === 'gap';
const isAlarm = (predicate: (n: EventNotification) => boolean) => (n: EquipmentNotification): n is EventNotification =>
  n.kind === 'event' && n.conditionName === 'TemperatureHigh' && predicate(n);

describe('OPC UA gateway against the cell simulator (Security None)', () => {
  let simulator: CellSimulator;
  let gateway: OpcUaGateway;
  let pkiDir: string;

  beforeAll(async () => {
    quietOpcUaLogs();
    simulator = await startCellSimulator({ port: 0, cellName: 'Sealer A', cycleTimeMs: 60, transitionMs: 20, defectEvery: 2 });
    pkiDir = await mkdtemp(path.join(tmpdir(), 'gemba-opcua-client-'));
    gateway = createOpcUaGateway({
      endpoints: [{ id: CELL, url: simulator.endpointUrl, requestTimeoutMs: 3_000, connectTimeoutMs: 5_000 }],
      pkiDir,
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await simulator?.stop();
    if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
  });

  beforeEach(() => {
    simulator.forceState('Idle');
    simulator.setTemperature(25);
  });

  it('reads a value with its status code and source timestamp', async () => {
    // given
    const before = Date.now();

    // when
    const state = await gateway.read(CELL, cellNodeId('stateCurrent'));
    const byIndex = await gateway.read(CELL, simulator.nodeIds.stateCurrent);
    const manufacturer = await gateway.read(CELL, cellNodeId('manufacturer'));
    const serial = await gateway.read(CELL, simulator.nodeIds.serialNumber);

    // then
    expect(state).toMatchObject({ endpoint: CELL, value: 'Idle', dataType: 'String', statusCode: 'Good', good: true });
    expect(state.sourceTimestamp).toBeInstanceOf(Date);
    expect(state.sourceTimestamp!.getTime()).toBeLessThanOrEqual(Date.now());
    expect(state.serverTimestamp!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(byIndex.value).toBe('Idle');
    expect(manufacturer).toMatchObject({ value: 'Gemba Simulated Machines', dataType: 'LocalizedText' });
    expect(serial.value).toBe('SIM-0001');
  });

  it('reports a bad status of a read in the result', async () => {
    // when
    const missing = await gateway.read(CELL, cellNodeId('cell').replace('s=Cell', 's=Cell.NoSuchNode'));

    // then
    expect(missing).toMatchObject({ good: false, statusCode: 'BadNodeIdUnknown', value: null });
  });

  it('writes a value within its limits, reads it back and returns old and new values', async () => {
    // given
    const previous = simulator.setpoint();

    // when
    const result = await gateway.write(CELL, cellNodeId('setpoint'), 175.5, { min: 100, max: 200 }, { signer: 'qa.lead', jobId: 'job-17' });

    // then
    expect(result).toMatchObject({
      endpoint: CELL,
      oldValue: { value: previous, good: true },
      newValue: 175.5,
      readBack: { value: 175.5, good: true, dataType: 'Double' },
      verified: true,
      signer: 'qa.lead',
      jobId: 'job-17',
    });
    expect(result.readBack.sourceTimestamp!.getTime()).toBeGreaterThanOrEqual(result.oldValue.sourceTimestamp!.getTime());
    expect(simulator.setpoint()).toBe(175.5);
  });

  it('refuses a value outside the limits without touching the equipment', async () => {
    // given
    await gateway.write(CELL, cellNodeId('setpoint'), 150, { min: 100, max: 200 });
    const before = await gateway.read(CELL, cellNodeId('setpoint'));

    // when
    const refused = gateway.write(CELL, cellNodeId('setpoint'), 250, { min: 100, max: 200 });

    // then
    await expect(refused).rejects.toBeInstanceOf(EquipmentLimitError);
    await expect(refused).rejects.toMatchObject({ code: 'EquipmentLimitViolation', details: { value: 250, max: 200 } });
    const after = await gateway.read(CELL, cellNodeId('setpoint'));
    expect(after.value).toBe(150);
    expect(after.sourceTimestamp).toEqual(before.sourceTimestamp);
  });

  it('turns a write the equipment refuses into a BPMN error carrying the status name', async () => {
    // given: limits that allow what the setpoint's own InstrumentRange (100..220) refuses
    const before = simulator.setpoint();

    // when / then
    await expect(gateway.write(CELL, cellNodeId('setpoint'), 230, { min: 0, max: 300 })).rejects.toMatchObject({ name: 'EquipmentBpmnError', code: 'BadOutOfRange' });
    await expect(gateway.write(CELL, cellNodeId('setpoint'), 'hot', {})).rejects.toMatchObject({ code: 'BadTypeMismatch' });
    await expect(gateway.write(CELL, cellNodeId('stateCurrent'), 'Execute', {})).rejects.toMatchObject({ code: 'BadNotWritable' });
    expect(simulator.setpoint()).toBe(before);
    expect(simulator.state).toBe('Idle');
  });

  it('starts a job with a method call; the counters advance until the job completes', async () => {
    // given
    const log = new NotificationLog();
    const subscription = await gateway.subscribe(CELL, [
      { nodeId: cellNodeId('prodProcessedCount'), samplingMs: 20 },
      { nodeId: cellNodeId('stateCurrent'), samplingMs: 20 },
    ], log.listener);
    const initial = await log.waitFor(isChange(cellNodeId('prodProcessedCount')));
    const processedBefore = Number(initial.value);
    const calledBefore = Date.now();

    // when
    const started = await gateway.call(CELL, cellNodeId('cell'), cellNodeId('startJobOrder'), ['JOB-1001', 'PN-4711', 4], { jobId: 'job-1' });

    // then
    expect(started.statusCode).toBe('Good');
    expect(started.outputsByName.StartedAt).toBeInstanceOf(Date);
    expect((started.outputsByName.StartedAt as Date).getTime()).toBeGreaterThanOrEqual(calledBefore - 1_000);
    await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Execute'));
    // a retried call (same job id, e.g. after a worker crash) is Good and starts nothing new
    const retried = await gateway.call(CELL, cellNodeId('cell'), cellNodeId('startJobOrder'), ['JOB-1001', 'PN-4711', 4], { jobId: 'job-1' });
    expect(retried.outputsByName.StartedAt).toEqual(started.outputsByName.StartedAt);
    await expect(gateway.call(CELL, cellNodeId('cell'), cellNodeId('startJobOrder'), ['JOB-1001', 'PN-4711', 5])).rejects.toMatchObject({ code: 'BadInvalidArgument' });
    await log.waitFor((n) => isChange(cellNodeId('prodProcessedCount'))(n) && Number(n.value) >= processedBefore + 4);
    await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Complete'));
    const result = await gateway.call(CELL, cellNodeId('cell'), cellNodeId('getJobResult'), ['JOB-1001']);
    expect(result.outputsByName).toEqual({ Status: 'Completed', ProcessedCount: 4, DefectiveCount: 2 });
    const counts = await Promise.all([gateway.read(CELL, cellNodeId('prodProcessedCount')), gateway.read(CELL, cellNodeId('prodDefectiveCount'))]);
    expect(counts.map((c) => c.value)).toEqual([processedBefore + 4, simulator.counters().defective]);
    await subscription.close();
  });

  it('turns an invalid PackML command into a typed BPMN error', async () => {
    // given: the cell is Idle, where Unhold is not allowed
    const unhold = gateway.call(CELL, cellNodeId('cell'), cellNodeId('unhold'), []);

    // then
    await expect(unhold).rejects.toBeInstanceOf(EquipmentBpmnError);
    await expect(unhold).rejects.toMatchObject({ code: 'BadInvalidState', details: { endpoint: CELL, methodId: cellNodeId('unhold'), statusCode: 'BadInvalidState' } });
    expect(simulator.state).toBe('Idle');
  });

  it('turns bad method arguments and unknown jobs into BPMN errors', async () => {
    const call = (method: 'startJobOrder' | 'getJobResult', args: unknown[]) => gateway.call(CELL, cellNodeId('cell'), cellNodeId(method), args);
    await expect(call('startJobOrder', ['JOB-X'])).rejects.toMatchObject({ code: 'BadArgumentsMissing' });
    await expect(call('startJobOrder', ['JOB-Y', 'PN-1', -3])).rejects.toMatchObject({ code: 'BadTypeMismatch' });
    await expect(call('startJobOrder', ['JOB-Y', 'PN-1', 0])).rejects.toMatchObject({ code: 'BadInvalidArgument' });
    await expect(call('getJobResult', ['NO-SUCH-JOB'])).rejects.toMatchObject({ code: 'BadNotFound' });
    expect(simulator.state).toBe('Idle');
  });

  it('delivers a state change to Held through the subscription with its source timestamp', async () => {
    // given
    const log = new NotificationLog();
    const subscription = await gateway.subscribe(CELL, [{ nodeId: cellNodeId('stateCurrent'), samplingMs: 20 }], log.listener);
    await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Idle'));
    await gateway.call(CELL, cellNodeId('cell'), cellNodeId('start'), []);
    await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Execute'));
    const before = Date.now();

    // when: the machine holds itself (e.g. a jam)
    simulator.forceState('Held');

    // then
    const held = await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Held'));
    expect(held).toMatchObject({ endpoint: CELL, statusCode: 'Good', good: true, dataType: 'String' });
    expect(held.sourceTimestamp!.getTime()).toBeGreaterThanOrEqual(before - 50);
    expect(held.sourceTimestamp!.getTime()).toBeLessThanOrEqual(held.receivedAt.getTime() + 50);
    await subscription.close();
  });

  it('correlates a message to the waiting instance when the machine goes to Held', async () => {
    // given: a process instance waits for "EquipmentHeld" with correlation key WO-42
    const messages: EquipmentMessage[] = [];
    const monitor = await startEquipmentMonitor(gateway, {
      states: [{ endpoint: CELL, nodeId: cellNodeId('stateCurrent'), samplingMs: 20, correlationKey: 'WO-42', messages: { Held: 'EquipmentHeld', Aborted: 'EquipmentAborted' } }],
      values: [{ endpoint: CELL, nodeId: cellNodeId('prodProcessedCount'), samplingMs: 20 }],
    }, { correlate: async (message) => { messages.push(message); } });
    await eventually(() => monitor.snapshot(CELL)?.values[cellNodeId('stateCurrent')]?.value === 'Idle', 3_000, 'initial state');

    // when
    simulator.forceState('Held');

    // then
    const message = await eventually(() => messages[0], 3_000, 'a correlated message');
    expect(message).toMatchObject({ name: 'EquipmentHeld', correlationKey: 'WO-42', variables: { equipmentEndpoint: CELL, value: 'Held', statusCode: 'Good' } });
    expect(Date.parse(message.variables.sourceTimestamp as string)).not.toBeNaN();
    expect(monitor.snapshot(CELL)?.values[cellNodeId('prodProcessedCount')]).toMatchObject({ good: true, dataType: 'UInt32' });
    await monitor.stop();
    expect(messages).toHaveLength(1);
  });

  it('raises the temperature alarm as an A&C event, acknowledges it, and refreshes retained conditions', async () => {
    // given
    const log = new NotificationLog();
    const events = await gateway.subscribeEvents(CELL, {}, log.listener);
    const late = new NotificationLog();
    let lateEvents: { close(): Promise<void> } | undefined;
    try {
    // when
    simulator.setTemperature(265);

    // then
    const active = await log.waitFor(isAlarm((n) => n.activeState === true && n.ackedState === false && !n.refresh));
    expect(active).toMatchObject({ sourceName: expect.stringContaining('Temperature'), retain: true, eventId: expect.stringMatching(/^[0-9a-f]+$/) });
    expect(active.severity).toBeGreaterThan(0);
    expect(active.conditionId).toContain('Cell.TemperatureHighAlarm');

    // when: an operator acknowledges it from the MOS
    await gateway.acknowledgeCondition(CELL, active.conditionId!, active.eventId!, 'seen by operator');

    // then
    await log.waitFor(isAlarm((n) => n.ackedState === true));

    // when: a new subscriber asks for the current conditions
    lateEvents = await gateway.subscribeEvents(CELL, {}, late.listener);

    // then
    const refreshed = await late.waitFor(isAlarm((n) => n.refresh));
    expect(refreshed).toMatchObject({ activeState: true, ackedState: true });

    // when: the temperature returns below the limit
    simulator.setTemperature(150);

    // then
    await log.waitFor(isAlarm((n) => n.activeState === false && !n.refresh));
    } finally {
      await Promise.all([events.close(), lateEvents?.close()]);
    }
  });

  it('recovers its subscriptions after the server lost the session, and reports the gap', async () => {
    // given: a data subscription and an event subscription, with the alarm active
    const log = new NotificationLog();
    const alarms = new NotificationLog();
    const subscription = await gateway.subscribe(CELL, [{ nodeId: cellNodeId('stateCurrent'), samplingMs: 20 }], log.listener);
    const events = await gateway.subscribeEvents(CELL, {}, alarms.listener);
    try {
      await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Idle'));
      simulator.setTemperature(270);
      await alarms.waitFor(isAlarm((n) => n.activeState === true && !n.refresh));

      // when: the server goes away as in a restart (sessions and subscriptions deleted)
      await simulator.goOffline({ closeSessions: true });
      const lost = await log.waitFor((n): n is Extract<EquipmentNotification, { kind: 'connectionLost' }> => n.kind === 'connectionLost');
      await expect(gateway.read(CELL, cellNodeId('stateCurrent'))).rejects.toBeInstanceOf(EquipmentUnavailableError);
      simulator.forceState('Held');
      const mark = log.mark();
      const alarmMark = alarms.mark();
      await simulator.goOnline();

      // then: a gap covering the outage, then the current value from the recreated item
      const gap = await log.waitFor(isGap, 15_000, mark);
      expect(gap.from).toEqual(lost.at);
      expect(gap.to.getTime()).toBeGreaterThan(gap.from.getTime());
      await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Held'), 5_000, mark);
      expect(gateway.isReconnecting(CELL)).toBe(false);
      // the event subscription reports the gap too, and ConditionRefresh replays the active alarm
      await alarms.waitFor(isGap, 5_000, alarmMark);
      await alarms.waitFor(isAlarm((n) => n.refresh && n.activeState === true), 5_000, alarmMark);

      // and both subscriptions are live again
      simulator.forceState('Stopped');
      await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Stopped'), 3_000, mark);
      simulator.setTemperature(100);
      await alarms.waitFor(isAlarm((n) => n.activeState === false && !n.refresh), 3_000, alarmMark);
      await expect(gateway.read(CELL, cellNodeId('stateCurrent'))).resolves.toMatchObject({ value: 'Stopped' });
    } finally {
      await Promise.all([subscription.close(), events.close()]);
    }
  });

  it('reactivates the session after a dropped connection and reports the gap', async () => {
    // given
    const log = new NotificationLog();
    const subscription = await gateway.subscribe(CELL, [{ nodeId: cellNodeId('stateCurrent'), samplingMs: 20 }], log.listener);
    await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Idle'));
    const mark = log.mark();

    // when
    simulator.dropConnections();

    // then
    const gap = await log.waitFor(isGap, 15_000, mark);
    expect(gap.to.getTime()).toBeGreaterThanOrEqual(gap.from.getTime());
    simulator.forceState('Aborted');
    await log.waitFor(isChange(cellNodeId('stateCurrent'), 'Aborted'), 3_000, mark);
    await subscription.close();
  });

  it('refuses to monitor a node the server does not know', async () => {
    const missing = cellNodeId('cell').replace('s=Cell', 's=Cell.NoSuchNode');
    await expect(gateway.subscribe(CELL, [{ nodeId: missing }], () => undefined)).rejects.toMatchObject({ name: 'EquipmentBpmnError', code: 'BadNodeIdUnknown' });
  });

  it('validates node ids and endpoint ids where they enter', async () => {
    await expect(gateway.read(CELL, 'Cell.StateCurrent')).rejects.toBeInstanceOf(ValidationError);
    await expect(gateway.read(CELL, 'ns=70000;i=1')).rejects.toBeInstanceOf(ValidationError);
    await expect(gateway.read('no-such-cell', 'i=2255')).rejects.toBeInstanceOf(ValidationError);
    await expect(gateway.write(CELL, cellNodeId('setpoint'), 150, { min: 200, max: 100 })).rejects.toBeInstanceOf(ValidationError);
    await expect(gateway.subscribe(CELL, [], () => undefined)).rejects.toBeInstanceOf(ValidationError);
    expect(() => createOpcUaGateway({ pkiDir, endpoints: [{ id: 'x', url: 'http://example.com' }] })).toThrow(ValidationError);
    expect(() => createOpcUaGateway({ pkiDir, endpoints: [{ id: 'x', url: 'opc.tcp://h:4840', securityMode: 'SignAndEncrypt' }] })).toThrow(ValidationError);
  });
});

describe('OPC UA gateway without a reachable server', () => {
  let pkiDir: string;
  let silent: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    pkiDir = await mkdtemp(path.join(tmpdir(), 'gemba-opcua-client-'));
    // Accepts TCP connections and never answers: a hung device.
    silent = createServer((socket) => { sockets.add(socket); socket.on('error', () => undefined); });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
    await rm(pkiDir, { recursive: true, force: true });
  });

  it('reports a refused connection as EquipmentUnavailableError and a silent one as EquipmentTimeoutError', async () => {
    // given: a port nobody listens on, and one that never answers
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const silentPort = (silent.address() as { port: number }).port;
    const gateway = createOpcUaGateway({
      pkiDir,
      endpoints: [
        { id: 'gone', url: `opc.tcp://127.0.0.1:${closedPort}`, connectTimeoutMs: 3_000 },
        { id: 'hung', url: `opc.tcp://127.0.0.1:${silentPort}`, connectTimeoutMs: 400 },
      ],
    });

    try {
      // when / then
      await expect(gateway.read('gone', 'i=2255')).rejects.toBeInstanceOf(EquipmentUnavailableError);
      await expect(gateway.read('hung', 'i=2255')).rejects.toBeInstanceOf(EquipmentTimeoutError);
    } finally {
      await gateway.close();
    }
  });
});
