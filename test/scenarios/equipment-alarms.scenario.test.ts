// node-opcua is ESM-only: the simulator and the connector load Node's own copy (see the support file).
jest.mock('node-opcua', () => require('../integration/opcua/support/native-opcua').loadNativeOpcua());

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AttributeIds, OPCUACertificateManager, OPCUAClient, makeBrowsePath } from 'node-opcua';
import { cellNodeId, startCellSimulator, type CellSimulator } from '../../server/adapters/simulators/opcua-cell';
import { eventually } from '../integration/opcua/support/wait';
import { quietOpcUaLogs } from '../integration/opcua/support/logging';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// E03 through the HTTP API with the OPC UA cell simulator: a temperature alarm that was already
// active before monitoring began is known through ConditionRefresh, listed, acknowledged with a
// comment (the cell's AckedState becomes true), and every action — refused ones too — is audited.

const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000', GEMBA_EQUIPMENT_REFRESH_MS: '1000' };

type Alarm = { conditionId: string; eventId: string | null; conditionName: string | null; active: boolean | null; acked: boolean | null; confirmed: boolean | null; severity: number | null };

describe('Feature: equipment alarms are acknowledged from the MOS (E03)', () => {
  let simulator: CellSimulator;
  let app: TestApp;
  let pkiDir: string;
  let supervisor: Awaited<ReturnType<typeof signedInUser>>;
  let quality: Awaited<ReturnType<typeof signedInUser>>;
  let operator: Awaited<ReturnType<typeof signedInUser>>;

  const alarms = async (): Promise<Alarm[]> => {
    const response = await app.http.get('/api/v1/equipment/cell/alarms').set(operator.auth);
    expect(response.status).toBe(200);
    return response.body.items;
  };
  const act = (conditionId: string, action: string, user: typeof supervisor, body: Record<string, unknown>) =>
    app.http.post(`/api/v1/equipment/cell/alarms/${encodeURIComponent(conditionId)}/${action}`).set(user.auth).send(body);

  /** What the cell itself says, read over its own client session: AckedState/Id of the alarm. */
  async function ackedStateOnTheCell(conditionId: string): Promise<unknown> {
    const certificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true } as ConstructorParameters<typeof OPCUACertificateManager>[0]);
    const client = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager: certificateManager, connectionStrategy: { maxRetry: 1, initialDelay: 100 } });
    await client.connect(simulator.endpointUrl);
    try {
      const session = await client.createSession();
      const namespaceIndex = (await session.readNamespaceArray()).indexOf(simulator.namespaceUri);
      const nodeId = conditionId.replace(/^nsu=[^;]+;/, `ns=${namespaceIndex};`);
      const target = await session.translateBrowsePath(makeBrowsePath(nodeId, '.AckedState.Id'));
      const value = await session.read({ nodeId: target.targets![0].targetId, attributeId: AttributeIds.Value });
      await session.close();
      return value.value.value;
    } finally {
      await client.disconnect();
      await certificateManager.dispose();
    }
  }

  beforeAll(async () => {
    quietOpcUaLogs();
    pkiDir = await mkdtemp(path.join(tmpdir(), 'gemba-alarm-check-'));
    simulator = await startCellSimulator({ cycleTimeMs: 100, transitionMs: 20 });
    app = await startTestApp(LONG_SESSIONS);
    const admin = await signedInUser(app, ['admin']);
    const owner = await signedInUser(app, ['process_owner']);
    supervisor = await signedInUser(app, ['supervisor']);
    quality = await signedInUser(app, ['quality']);
    operator = await signedInUser(app, ['operator']);
    const registered = await app.http
      .post('/api/v1/connectors')
      .set(admin.auth)
      .send({ name: 'cell', kind: 'opcua', description: 'Sealing cell 1', config: { endpointUrl: simulator.endpointUrl, requestTimeoutMs: 3000, connectTimeoutMs: 5000, operations: {} } });
    expect(registered.status).toBe(201);
    // The alarm is active before Gemba subscribes: only ConditionRefresh can tell the monitor about it.
    simulator.setTemperature(265);
    const configured = await app.http
      .put('/api/v1/equipment/cell/monitoring')
      .set(owner.auth)
      .send({ nodes: { temperature: cellNodeId('temperature') }, alarmSource: cellNodeId('cell'), samplingMs: 50, reason: 'Watch the seal-jaw temperature alarm' });
    expect(configured.status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await simulator?.stop();
    if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
  });

  let conditionId: string;

  it('Given the seal jaw is over its high limit, Then the active, unacknowledged alarm is listed', async () => {
    const [alarm] = await eventually(async () => ((await alarms()).length > 0 ? alarms() : undefined), 15_000, 'the temperature alarm');
    expect(alarm).toMatchObject({ conditionName: 'TemperatureHigh', active: true, acked: false, confirmed: false });
    expect(alarm.conditionId).toContain('Cell.TemperatureHighAlarm');
    expect(alarm.severity).toBeGreaterThan(0);
    conditionId = alarm.conditionId;
  });

  it('When an operator tries to acknowledge it, Then 403 and nothing is audited', async () => {
    const response = await act(conditionId, 'acknowledge', operator, { comment: 'not mine to ack' });
    expect(response.status).toBe(403);
    expect((await auditOf(app, 'Equipment', 'cell')).filter((e) => e.action === 'equipment.alarmAcknowledged')).toHaveLength(0);
  });

  it('When the equipment or the condition is unknown, or the comment missing, Then 404 / 400 problems', async () => {
    const unknownEquipment = await app.http.post(`/api/v1/equipment/oven/alarms/${encodeURIComponent(conditionId)}/acknowledge`).set(supervisor.auth).send({ comment: 'x' });
    expect(unknownEquipment.status).toBe(404);
    expect(unknownEquipment.headers['content-type']).toContain('application/problem+json');
    const unknownCondition = await act('ns=1;s=Cell.NoSuchAlarm', 'acknowledge', supervisor, { comment: 'x' });
    expect(unknownCondition.status).toBe(404);
    expect((await act(conditionId, 'acknowledge', supervisor, {})).status).toBe(400);
    expect((await app.http.get('/api/v1/equipment/oven/alarms').set(operator.auth)).status).toBe(404);
    expect(await ackedStateOnTheCell(conditionId)).toBe(false);
  });

  it('When the supervisor acknowledges it with a comment, Then the cell shows AckedState true and the audit trail names who, the comment and the result', async () => {
    const response = await act(conditionId, 'acknowledge', supervisor, { comment: 'Seal jaw over temperature, maintenance called', reason: 'Shift handover' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ equipmentId: 'cell', conditionId, action: 'acknowledge', statusCode: 'Good' });
    expect(await ackedStateOnTheCell(conditionId)).toBe(true);
    const audit = (await auditOf(app, 'Equipment', 'cell')).filter((e) => e.action === 'equipment.alarmAcknowledged');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_name: supervisor.user.username, reason: 'Shift handover' });
    expect(audit[0].after).toMatchObject({ conditionId, conditionName: 'TemperatureHigh', comment: 'Seal jaw over temperature, maintenance called', statusCode: 'Good' });
    // The monitor hears the acknowledgement from the cell: still active, now acknowledged.
    await eventually(async () => (await alarms()).find((a) => a.acked === true && a.active === true), 10_000, 'the acknowledged alarm');
  });

  it('When quality comments and confirms, Then both are audited and the alarm shows confirmed', async () => {
    const before = (await alarms())[0].eventId;
    const commented = await act(conditionId, 'comment', quality, { comment: 'Jaw heater relay replaced' });
    expect(commented.status).toBe(200);
    // Confirm answers to the latest EventId: wait until the monitor recorded the comment's event.
    await eventually(async () => ((await alarms())[0]?.eventId !== before ? true : undefined), 10_000, 'the comment event');
    const confirmed = await act(conditionId, 'confirm', quality, { comment: 'Verified after repair' });
    expect(confirmed.status).toBe(200);
    const audit = await auditOf(app, 'Equipment', 'cell');
    expect(audit.find((e) => e.action === 'equipment.alarmCommented')?.after).toMatchObject({ comment: 'Jaw heater relay replaced', statusCode: 'Good' });
    expect(audit.find((e) => e.action === 'equipment.alarmConfirmed')?.after).toMatchObject({ comment: 'Verified after repair', statusCode: 'Good' });
    await eventually(async () => (await alarms()).find((a) => a.confirmed === true && a.active === true), 10_000, 'the confirmed, still active alarm');
  });

  it('When it is confirmed again, Then 409 names the status and the refused attempt is audited too', async () => {
    const response = await act(conditionId, 'confirm', supervisor, { comment: 'confirm again' });
    expect(response.status).toBe(409);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.body.statusCode).toBe('BadConditionBranchAlreadyConfirmed');
    expect(response.body.detail).toContain('BadConditionBranchAlreadyConfirmed');
    const audit = (await auditOf(app, 'Equipment', 'cell')).filter((e) => e.action === 'equipment.alarmConfirmed');
    expect(audit).toHaveLength(2);
    expect(audit[1]).toMatchObject({ actor_name: supervisor.user.username });
    expect(audit[1].after).toMatchObject({ comment: 'confirm again', statusCode: 'BadConditionBranchAlreadyConfirmed' });
  });

  it('When the temperature is back under the limit, Then the alarm leaves the list', async () => {
    simulator.setTemperature(150);
    await eventually(async () => ((await alarms()).length === 0 ? true : undefined), 10_000, 'no alarm left');
  });

  it('When the alarm comes back while the cell is offline, Then ConditionRefresh on reconnect lists it again', async () => {
    await simulator.goOffline({ closeSessions: true });
    simulator.setTemperature(270);
    await simulator.goOnline();
    const alarm = await eventually(async () => (await alarms()).find((a) => a.active === true && a.acked === false), 20_000, 'the alarm after the reconnect');
    expect(alarm).toMatchObject({ conditionId, conditionName: 'TemperatureHigh' });
  });
});
