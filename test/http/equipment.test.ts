// node-opcua is ESM-only: the monitor's connector loads Node's own copy (see the support file).
jest.mock('node-opcua', () => require('../integration/opcua/support/native-opcua').loadNativeOpcua());

import net from 'node:net';
import { quietOpcUaLogs } from '../integration/opcua/support/logging';
import { eventually } from '../integration/opcua/support/wait';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// GET /equipment, GET /equipment/:id and PUT /equipment/:id/monitoring: problems for bad input,
// unknown equipment and missing rights; an endpoint nobody listens on shows as unreachable.

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const monitoring = { nodes: { state: 'ns=2;s=Cell.StateCurrent' }, reason: 'Watch the line 7 cell' };

describe('/api/v1/equipment', () => {
  let app: TestApp;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let owner: Awaited<ReturnType<typeof signedInUser>>;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  let endpointUrl: string;

  beforeAll(async () => {
    quietOpcUaLogs();
    app = await startTestApp({ GEMBA_EQUIPMENT_REFRESH_MS: '500' });
    admin = await signedInUser(app, ['admin']);
    owner = await signedInUser(app, ['process_owner']);
    operator = await signedInUser(app, ['operator']);
    endpointUrl = `opc.tcp://127.0.0.1:${await closedPort()}`;
    const opcua = await app.http.post('/api/v1/connectors').set(admin.auth).send({ name: 'line7', kind: 'opcua', description: 'Line 7 cell', config: { endpointUrl, connectTimeoutMs: 500, requestTimeoutMs: 500 } });
    expect(opcua.status).toBe(201);
    const http = await app.http.post('/api/v1/connectors').set(admin.auth).send({ name: 'erp', kind: 'http', config: { baseUrl: 'http://127.0.0.1:9' } });
    expect(http.status).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lists every opcua connector as equipment, not yet monitored, and no http connector', async () => {
    const response = await app.http.get('/api/v1/equipment').set(operator.auth);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      total: 1,
      items: [expect.objectContaining({ id: 'line7', description: 'Line 7 cell', endpointUrl, monitored: false, connection: { status: 'unknown', changedAt: null, observedBy: null }, state: null, counters: null, lastSampleAt: null })],
    });
  });

  it('answers 404 problems for unknown equipment and for a connector that is not opcua', async () => {
    for (const id of ['line8', 'erp']) {
      const response = await app.http.get(`/api/v1/equipment/${id}`).set(operator.auth);
      expect(response.status).toBe(404);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body).toMatchObject({ status: 404, code: 'not_found' });
    }
    expect((await app.http.put('/api/v1/equipment/erp/monitoring').set(owner.auth).send(monitoring)).status).toBe(404);
    expect(await app.deps.db('equipment_monitoring')).toHaveLength(0);
  });

  it('refuses invalid monitoring with 400 problems and a reader with 403, changing nothing', async () => {
    const invalid = [
      { nodes: {}, reason: 'Watch it' },
      { nodes: { state: 'Cell.StateCurrent' }, reason: 'Watch it' },
      { nodes: { state: 'ns=2;s=Cell.StateCurrent' } },
      { ...monitoring, stateMessages: { Held: 'not a name!' } },
      { ...monitoring, unknown: true },
    ];
    for (const body of invalid) {
      const response = await app.http.put('/api/v1/equipment/line7/monitoring').set(owner.auth).send(body);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ status: 400, errors: expect.any(Array) });
    }
    expect((await app.http.put('/api/v1/equipment/line7/monitoring').set(operator.auth).send(monitoring)).body).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await app.deps.db('equipment_monitoring')).toHaveLength(0);
    expect((await auditOf(app, 'Equipment', 'line7')).map((e) => e.action)).not.toContain('equipment.monitoringConfigured');
  });

  it('sets the monitoring with defaults, audited, and shows an endpoint nobody answers as unreachable', async () => {
    const response = await app.http.put('/api/v1/equipment/line7/monitoring').set(owner.auth).send(monitoring);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: 'line7',
      monitored: true,
      monitoring: { nodes: { state: 'ns=2;s=Cell.StateCurrent' }, stateMessages: { Held: 'EquipmentAlarm', Aborted: 'EquipmentAlarm' }, alarmMessage: 'EquipmentAlarm', samplingMs: 250 },
      recentGaps: [],
    });
    const [entry] = (await auditOf(app, 'Equipment', 'line7')).filter((e) => e.action === 'equipment.monitoringConfigured');
    expect(entry).toMatchObject({ actor_name: owner.user.username, reason: 'Watch the line 7 cell', before: null, after: expect.objectContaining({ nodes: { state: 'ns=2;s=Cell.StateCurrent' } }) });
    const unreachable = await eventually(async () => {
      const body = (await app.http.get('/api/v1/equipment/line7').set(operator.auth)).body;
      return body.connection.status === 'unreachable' ? body : undefined;
    }, 20_000, 'the endpoint reported unreachable');
    expect(unreachable.connection.observedBy).toBe(app.deps.nodeId);
  });
});
