import { connectorSecretBox } from '../../server/commands/manage-connectors';
import { generateSecretKey } from '../../server/lib/secret-box';
import { startErpSimulator, type ErpSimulator } from '../../server/adapters/simulators/erp';
import { auditOf, buildServicePrincipal, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// The connector registry's admin API. Needs the lead's registration of connectorRoutes in
// server/http/routes/index.ts (and GEMBA_SECRET_KEY in config; without it the development key
// file in the data directory is used, which these tests accept as well).

let app: TestApp;
let erp: ErpSimulator;
let admin: Awaited<ReturnType<typeof signedInUser>>;
beforeAll(async () => {
  app = await startTestApp({ GEMBA_SECRET_KEY: generateSecretKey() });
  erp = await startErpSimulator({ auth: { type: 'bearer', token: 'erp-token-42' } });
  admin = await signedInUser(app, ['admin']);
});
afterAll(async () => {
  await erp.close();
  await app.close();
});

let counter = 0;
const uniqueName = (prefix = 'erp') => `${prefix}-${++counter}-${Date.now().toString(36)}`;

const httpConnector = (overrides: Record<string, unknown> = {}) => ({
  name: uniqueName(),
  kind: 'http',
  description: 'Plant ERP (production orders, materials)',
  config: {
    baseUrl: 'https://erp.plant.example/api',
    auth: { type: 'basic', username: 'gemba-svc', password: 'Very-Secret-Pw-1' },
    operations: {
      checkMaterial: { method: 'GET', path: '/materials/${material}/availability', responseMapping: { available: '/available' } },
      confirmOrder: { method: 'POST', path: '/orders/${orderId}/confirmations', body: { yieldQuantity: '${qty}' }, bpmnErrors: { '409': 'CONFLICT' } },
    },
  },
  ...overrides,
});

async function storedRow(id: string) {
  return (await app.deps.db('connectors').where({ id }).first())!;
}

function openStored(row: { id: string; secrets: string | null }) {
  return JSON.parse(connectorSecretBox(app.deps.config).open(row.secrets!, `connector:${row.id}`));
}

describe('connector registry', () => {
  it('registers a connector: the secret is encrypted at rest, never returned, and the creation is audited', async () => {
    // given
    const body = httpConnector();

    // when
    const created = await app.http.post('/api/v1/connectors').set(admin.auth).send({ ...body, reason: 'ERP go-live' });

    // then
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: body.name,
      kind: 'http',
      status: 'active',
      config: { baseUrl: 'https://erp.plant.example/api', timeoutMs: 10_000, auth: { type: 'basic', username: 'gemba-svc', password: '***' } },
      secretFields: ['/auth/password'],
      lastTest: null,
    });
    expect(JSON.stringify(created.body)).not.toContain('Very-Secret-Pw-1');

    const row = await storedRow(created.body.id);
    expect(JSON.stringify(row)).not.toContain('Very-Secret-Pw-1');
    expect(row.config.auth.password).toBe('***');
    expect(row.secrets).toMatch(/^gsb1\./);
    expect(openStored(row)).toEqual({ '/auth/password': 'Very-Secret-Pw-1' });

    const [entry] = await auditOf(app, 'Connector', created.body.id);
    expect(entry).toMatchObject({ action: 'connector.created', actor_id: admin.user.id, reason: 'ERP go-live' });
    expect(entry.after).toMatchObject({ name: body.name, config: { auth: { password: '***' } } });
    expect(entry.context).toMatchObject({ secretFields: ['/auth/password'] });
    expect(JSON.stringify(entry)).not.toContain('Very-Secret-Pw-1');

    const list = await app.http.get('/api/v1/connectors').set(admin.auth);
    const read = await app.http.get(`/api/v1/connectors/${created.body.id}`).set(admin.auth);
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toContain(body.name);
    expect(read.body).toEqual(created.body);
    expect(JSON.stringify([list.body, read.body])).not.toContain('Very-Secret-Pw-1');
    expect(app.published.some((event) => JSON.stringify(event).includes('Very-Secret-Pw-1'))).toBe(false);
  });

  it('keeps a secret sent back as "***", replaces a new one, and audits both with a reason', async () => {
    // given
    const created = await app.http.post('/api/v1/connectors').set(admin.auth).send(httpConnector());
    const config = (await app.http.get(`/api/v1/connectors/${created.body.id}`).set(admin.auth)).body.config;

    // when: the configuration comes back as read, with a longer timeout
    const kept = await app.http
      .put(`/api/v1/connectors/${created.body.id}`)
      .set(admin.auth)
      .send({ config: { ...config, timeoutMs: 20_000 }, reason: 'ERP is slow at month end' });

    // then
    expect(kept.status).toBe(200);
    expect(kept.body.config).toMatchObject({ timeoutMs: 20_000, auth: { password: '***' } });
    expect(openStored(await storedRow(created.body.id))).toEqual({ '/auth/password': 'Very-Secret-Pw-1' });

    // when: a new password
    const rotated = await app.http
      .put(`/api/v1/connectors/${created.body.id}`)
      .set(admin.auth)
      .send({ config: { ...config, auth: { ...config.auth, password: 'Rotated-Pw-2' } }, reason: 'Quarterly password rotation' });

    // then
    expect(rotated.status).toBe(200);
    expect(openStored(await storedRow(created.body.id))).toEqual({ '/auth/password': 'Rotated-Pw-2' });
    const entries = await auditOf(app, 'Connector', created.body.id);
    expect(entries.map((e) => [e.action, e.reason])).toEqual([
      ['connector.created', null],
      ['connector.updated', 'ERP is slow at month end'],
      ['connector.updated', 'Quarterly password rotation'],
    ]);
    expect(entries[1].before).toMatchObject({ config: { timeoutMs: 10_000 } });
    expect(entries[1].after).toMatchObject({ config: { timeoutMs: 20_000 } });
    expect(entries[1].context?.secretsChanged).toBeUndefined();
    expect(entries[2].context).toMatchObject({ secretsChanged: ['/auth/password'] });
    expect(JSON.stringify(entries)).not.toMatch(/Very-Secret-Pw-1|Rotated-Pw-2/);
  });

  it('disables and enables a connector, each audited as such', async () => {
    const created = await app.http.post('/api/v1/connectors').set(admin.auth).send(httpConnector());
    const off = await app.http.put(`/api/v1/connectors/${created.body.id}`).set(admin.auth).send({ status: 'disabled', reason: 'ERP migration weekend' });
    const on = await app.http.put(`/api/v1/connectors/${created.body.id}`).set(admin.auth).send({ status: 'active', reason: 'Migration done' });
    expect(off.body.status).toBe('disabled');
    expect(on.body.status).toBe('active');
    const entries = await auditOf(app, 'Connector', created.body.id);
    expect(entries.map((e) => e.action)).toEqual(['connector.created', 'connector.disabled', 'connector.enabled']);
    expect(entries[1]).toMatchObject({ before: { status: 'active' }, after: { status: 'disabled' }, reason: 'ERP migration weekend' });
    expect(openStored(await storedRow(created.body.id))).toEqual({ '/auth/password': 'Very-Secret-Pw-1' });
  });

  it('registers an OPC UA endpoint with its user password masked', async () => {
    const created = await app.http
      .post('/api/v1/connectors')
      .set(admin.auth)
      .send({
        name: uniqueName('cell'),
        kind: 'opcua',
        config: {
          endpointUrl: 'opc.tcp://cell-7.plant.local:4840',
          userToken: { type: 'username', username: 'gemba', password: 'Opc-Pw-9' },
          operations: { readState: { type: 'read', nodeId: 'ns=2;s=Cell.StateCurrent' }, setSpeed: { type: 'write', nodeId: 'ns=2;s=Cell.Speed', value: '${speed}', limits: { min: 0, max: 120 } } },
        },
      });
    expect(created.status).toBe(201);
    expect(created.body.config).toMatchObject({ securityMode: 'None', userToken: { password: '***' } });
    expect(openStored(await storedRow(created.body.id))).toEqual({ '/userToken/password': 'Opc-Pw-9' });
  });

  it('refuses invalid input with 400 problems and writes nothing', async () => {
    // given
    const before = (await app.deps.db('connectors').count({ n: '*' }).first())!.n;
    const post = (body: unknown) => app.http.post('/api/v1/connectors').set(admin.auth).send(body as object);

    // when
    const badKind = await post({ ...httpConnector(), kind: 'soap' });
    const badUrl = await post(httpConnector({ config: { baseUrl: 'erp.plant.example', operations: {} } }));
    const badTemplate = await post(httpConnector({ config: { baseUrl: 'https://erp', operations: { a: { method: 'POST', path: '/a/${id', body: {} } } } }));
    const placeholder = await post(httpConnector({ config: { baseUrl: 'https://erp', auth: { type: 'bearer', token: '***' } } }));
    const dotted = await post(httpConnector({ name: 'erp.main' }));

    // then
    expect(badKind.status).toBe(400);
    expect(badUrl.status).toBe(400);
    expect(badUrl.body).toMatchObject({ code: 'validation_failed', errors: [{ path: 'body.config.baseUrl', message: 'not an absolute URL' }] });
    expect(badTemplate.body.errors).toEqual([expect.objectContaining({ path: 'body.config.operations.a.path', message: expect.stringMatching(/not closed/) })]);
    expect(placeholder.status).toBe(400);
    expect(placeholder.body.errors).toEqual([expect.objectContaining({ path: 'body.config.auth.token' })]);
    expect(dotted.body.errors).toEqual([expect.objectContaining({ path: 'body.name', message: expect.stringMatching(/no dots/) })]);
    expect((await app.deps.db('connectors').count({ n: '*' }).first())!.n).toBe(before);
  });

  it('refuses an update that does not fit the connector, and keeps it as it was', async () => {
    // given
    const created = await app.http.post('/api/v1/connectors').set(admin.auth).send(httpConnector());
    const put = (body: unknown) => app.http.put(`/api/v1/connectors/${created.body.id}`).set(admin.auth).send(body as object);

    // when
    const noReason = await put({ status: 'disabled' });
    const otherKind = await put({ config: { endpointUrl: 'opc.tcp://x:4840' }, reason: 'switch to OPC UA' });
    const newAuthType = await put({ config: { ...created.body.config, auth: { type: 'bearer', token: '***' } }, reason: 'token auth' });
    const renamed = await put({ name: 'other', reason: 'rename it' });

    // then
    expect(noReason.body.errors).toEqual([expect.objectContaining({ path: 'body.reason' })]);
    expect(otherKind.status).toBe(400);
    expect(otherKind.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.config.baseUrl' }), expect.objectContaining({ path: 'body.config' })]));
    expect(newAuthType.body.errors).toEqual([expect.objectContaining({ path: 'body.config.auth.token' })]);
    expect(renamed.status).toBe(400);
    expect(await auditOf(app, 'Connector', created.body.id)).toHaveLength(1);
    expect((await app.http.get(`/api/v1/connectors/${created.body.id}`).set(admin.auth)).body).toEqual(created.body);
  });

  it('refuses a second connector with the same name, whatever its case', async () => {
    const body = httpConnector();
    expect((await app.http.post('/api/v1/connectors').set(admin.auth).send(body)).status).toBe(201);
    const again = await app.http.post('/api/v1/connectors').set(admin.auth).send({ ...body, name: body.name.toUpperCase() });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('conflict');
  });

  it('answers 404 for unknown connectors', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await app.http.get(`/api/v1/connectors/${unknown}`).set(admin.auth)).status).toBe(404);
    expect((await app.http.get('/api/v1/connectors/not-a-uuid').set(admin.auth)).status).toBe(404);
    expect((await app.http.put(`/api/v1/connectors/${unknown}`).set(admin.auth).send({ status: 'disabled', reason: 'gone' })).status).toBe(404);
    expect((await app.http.post(`/api/v1/connectors/${unknown}/test`).set(admin.auth).send({})).status).toBe(404);
  });

  it('lets only administrators in', async () => {
    // given
    const created = await app.http.post('/api/v1/connectors').set(admin.auth).send(httpConnector());
    const supervisor = await signedInUser(app, ['supervisor', 'quality', 'process_owner']);
    const system = await buildServicePrincipal(app, { allowedActions: ['start', 'correlate', 'signal', 'work', 'read'] });

    // when / then
    for (const headers of [supervisor.auth, system.headers]) {
      expect((await app.http.get('/api/v1/connectors').set(headers)).status).toBe(403);
      expect((await app.http.get(`/api/v1/connectors/${created.body.id}`).set(headers)).status).toBe(403);
      expect((await app.http.post('/api/v1/connectors').set(headers).send(httpConnector())).status).toBe(403);
      expect((await app.http.put(`/api/v1/connectors/${created.body.id}`).set(headers).send({ status: 'disabled', reason: 'not mine' })).status).toBe(403);
      expect((await app.http.post(`/api/v1/connectors/${created.body.id}/test`).set(headers).send({})).status).toBe(403);
    }
    expect((await app.http.get('/api/v1/connectors')).status).toBe(401);
    expect((await storedRow(created.body.id)).status).toBe('active');
  });
});

describe('connectivity test', () => {
  const erpConnector = (token: string) =>
    httpConnector({ config: { baseUrl: erp.url, auth: { type: 'bearer', token }, healthCheck: { path: '/health' }, operations: {} } });

  it('calls the system with the stored credentials outside any transaction, and audits the outcome', async () => {
    // given
    const created = await app.http.post('/api/v1/connectors').set(admin.auth).send(erpConnector('erp-token-42'));
    erp.reset();
    erp.delayNext(400);

    // when: another request reads the database while the check waits for the ERP
    const testing = app.http.post(`/api/v1/connectors/${created.body.id}/test`).set(admin.auth).send({});
    const testingDone = testing.then((response) => ({ response, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const listed = await app.http.get('/api/v1/connectors').set(admin.auth);
    const listedAt = Date.now();
    const { response, at } = await testingDone;

    // then
    expect(listed.status).toBe(200);
    expect(listedAt).toBeLessThan(at);
    expect(response.status).toBe(200);
    expect(response.body.result).toMatchObject({ ok: true, status: 200, target: `GET ${erp.url}/health`, message: 'healthy (200)' });
    expect(response.body.connector.lastTest).toMatchObject({ ok: true, status: 200, testedAt: response.body.result.testedAt });
    expect(erp.calls()[0].headers.authorization).toBe('Bearer erp-token-42');
    const entry = (await auditOf(app, 'Connector', created.body.id)).find((e) => e.action === 'connector.tested');
    expect(entry).toMatchObject({ actor_id: admin.user.id, after: { ok: true, status: 200 } });
  });

  it('reports refused credentials and unreachable systems as a failed test, not an error', async () => {
    const wrong = await app.http.post('/api/v1/connectors').set(admin.auth).send(erpConnector('stale-token'));
    const offline = await app.http
      .post('/api/v1/connectors')
      .set(admin.auth)
      .send(httpConnector({ config: { baseUrl: 'http://127.0.0.1:9', timeoutMs: 500, operations: {} } }));

    const refused = await app.http.post(`/api/v1/connectors/${wrong.body.id}/test`).set(admin.auth).send({});
    const unreachable = await app.http.post(`/api/v1/connectors/${offline.body.id}/test`).set(admin.auth).send({});

    expect(refused.body.result).toMatchObject({ ok: false, status: 401 });
    expect(unreachable.status).toBe(200);
    expect(unreachable.body.result).toMatchObject({ ok: false, status: null });
    expect((await auditOf(app, 'Connector', offline.body.id)).map((e) => e.action)).toEqual(['connector.created', 'connector.tested']);
  });
});
