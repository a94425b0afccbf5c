// node-opcua is ESM-only: the simulator and the connector load Node's own copy (see the support file).
jest.mock('node-opcua', () => require('../integration/opcua/support/native-opcua').loadNativeOpcua());

import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cellNodeId, startCellSimulator, type CellSimulator } from '../../server/adapters/simulators/opcua-cell';
import { eventually } from '../integration/opcua/support/wait';
import { quietOpcUaLogs } from '../integration/opcua/support/logging';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// E01 trust-list management: with unknown servers not trusted, a SignAndEncrypt cell's certificate
// is rejected and nothing is read; an administrator trusts it (audited) and the monitor reads the
// cell; rejecting it again moves it back.

describe('OPC UA server certificates (E01)', () => {
  let simulator: CellSimulator;
  let app: TestApp;
  let pkiDir: string;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let supervisor: Awaited<ReturnType<typeof signedInUser>>;
  let thumbprint: string;

  const certificates = async () => {
    const response = await app.http.get('/api/v1/equipment/certificates').set(admin.auth);
    expect(response.status).toBe(200);
    return response.body.items as Array<{ thumbprint: string; status: string; subject: string; validFrom: string; validTo: string }>;
  };
  const cell = async () => (await app.http.get('/api/v1/equipment/cell').set(admin.auth)).body;

  beforeAll(async () => {
    quietOpcUaLogs();
    pkiDir = await mkdtemp(path.join(tmpdir(), 'gemba-trust-list-'));
    simulator = await startCellSimulator({
      security: { modes: ['SignAndEncrypt'], policies: ['Basic256Sha256'] },
      automaticallyAcceptUnknownCertificate: true,
    });
    thumbprint = createHash('sha1').update(simulator.certificate).digest('hex');
    app = await startTestApp({ GEMBA_OPCUA_TRUST_UNKNOWN_SERVERS: 'false', GEMBA_OPCUA_PKI_DIR: pkiDir, GEMBA_EQUIPMENT_REFRESH_MS: '500', GEMBA_SESSION_IDLE_MINUTES: '1000000' });
    admin = await signedInUser(app, ['admin']);
    supervisor = await signedInUser(app, ['supervisor']);
    const owner = await signedInUser(app, ['process_owner']);
    const registered = await app.http
      .post('/api/v1/connectors')
      .set(admin.auth)
      .send({ name: 'cell', kind: 'opcua', config: { endpointUrl: simulator.endpointUrl, securityMode: 'SignAndEncrypt', securityPolicy: 'Basic256Sha256', requestTimeoutMs: 3000, connectTimeoutMs: 3000, operations: {} } });
    expect(registered.status).toBe(201);
    const configured = await app.http
      .put('/api/v1/equipment/cell/monitoring')
      .set(owner.auth)
      .send({ nodes: { temperature: cellNodeId('temperature') }, samplingMs: 50, reason: 'Read the seal-jaw temperature' });
    expect(configured.status).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await simulator?.stop();
    if (pkiDir) await rm(pkiDir, { recursive: true, force: true });
  });

  it('rejects the unknown server certificate: it is listed as rejected and nothing is read', async () => {
    const rejected = await eventually(async () => (await certificates()).find((c) => c.thumbprint === thumbprint), 20_000, 'the rejected certificate');
    expect(rejected.status).toBe('rejected');
    expect(rejected.subject).toEqual(expect.any(String));
    expect(Date.parse(rejected.validTo)).toBeGreaterThan(Date.parse(rejected.validFrom));
    await eventually(async () => ((await cell()).connection.status === 'unreachable' ? true : undefined), 20_000, 'the cell unreachable');
    expect((await cell()).temperature).toBeNull();
  });

  it('lets only an administrator see or change the trust list, and needs a reason', async () => {
    expect((await app.http.get('/api/v1/equipment/certificates').set(supervisor.auth)).status).toBe(403);
    expect((await app.http.post(`/api/v1/equipment/certificates/${thumbprint}/trust`).set(supervisor.auth).send({ reason: 'I trust it' })).status).toBe(403);
    expect((await app.http.post(`/api/v1/equipment/certificates/${thumbprint}/trust`).set(admin.auth).send({})).status).toBe(400);
    const unknown = await app.http.post(`/api/v1/equipment/certificates/${'0'.repeat(40)}/trust`).set(admin.auth).send({ reason: 'No such certificate' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toContain('application/problem+json');
    expect((await app.http.post(`/api/v1/equipment/certificates/${thumbprint}/reject`).set(admin.auth).send({ reason: 'Already rejected' })).status).toBe(409);
    expect((await certificates()).find((c) => c.thumbprint === thumbprint)?.status).toBe('rejected');
    expect(await auditOf(app, 'EquipmentCertificate', thumbprint)).toHaveLength(0);
  });

  it('trusts it on an administrator’s audited decision, after which the cell is read', async () => {
    const trusted = await app.http.post(`/api/v1/equipment/certificates/${thumbprint}/trust`).set(admin.auth).send({ reason: 'Fingerprint checked at the cell HMI' });
    expect(trusted.status).toBe(200);
    expect(trusted.body).toMatchObject({ thumbprint, status: 'trusted' });
    expect((await certificates()).filter((c) => c.thumbprint === thumbprint).map((c) => c.status)).toEqual(['trusted']);
    const [audit] = await auditOf(app, 'EquipmentCertificate', thumbprint);
    expect(audit).toMatchObject({ action: 'equipment.certificateTrusted', actor_name: admin.user.username, reason: 'Fingerprint checked at the cell HMI', before: { status: 'rejected' }, after: { status: 'trusted' } });
    const live = await eventually(async () => {
      const body = await cell();
      return body.connection.status === 'connected' && body.temperature?.statusCode === 'Good' ? body : undefined;
    }, 20_000, 'the temperature read over SignAndEncrypt');
    expect(live.temperature.value).toBe(25);
  });

  it('rejects it again on an administrator’s audited decision', async () => {
    const rejected = await app.http.post(`/api/v1/equipment/certificates/${thumbprint}/reject`).set(admin.auth).send({ reason: 'Cell replaced; new certificate expected' });
    expect(rejected.status).toBe(200);
    expect((await certificates()).filter((c) => c.thumbprint === thumbprint).map((c) => c.status)).toEqual(['rejected']);
    const audit = await auditOf(app, 'EquipmentCertificate', thumbprint);
    expect(audit.map((e) => e.action)).toEqual(['equipment.certificateTrusted', 'equipment.certificateRejected']);
  });
});
