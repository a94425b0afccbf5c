import { auditOf, buildServicePrincipal, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

describe('service principals and API keys', () => {
  it('issues a key once, stores only its hash, and lets the system act as itself', async () => {
    // given
    const admin = await signedInUser(app, ['admin']);

    // when
    const created = await app.http
      .post('/api/v1/service-principals')
      .set(admin.auth)
      .send({ name: 'SAP ERP', allowedActions: ['start', 'correlate'], allowedProcessKeys: ['work-order-release'] });

    // then
    expect(created.status).toBe(201);
    const apiKey: string = created.body.apiKey;
    expect(apiKey).toMatch(/^gak_/);
    const stored = (await app.deps.db('api_keys').where({ service_principal_id: created.body.servicePrincipal.id }).first())!;
    expect(stored.key_hash).not.toContain(apiKey);
    expect(JSON.stringify(stored)).not.toContain(apiKey);
    const list = await app.http.get('/api/v1/service-principals').set(admin.auth);
    expect(JSON.stringify(list.body)).not.toContain(apiKey);
    expect(list.body.items.find((p: { name: string }) => p.name === 'SAP ERP').keys[0].prefix).toBe(apiKey.slice(0, 10));

    const me = await app.http.get('/api/v1/me').set('X-API-Key', apiKey);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ kind: 'service', servicePrincipal: { name: 'SAP ERP', allowedProcessKeys: ['work-order-release'] } });
    expect(me.body.permissions).toEqual(expect.arrayContaining([{ action: 'start', subject: 'ProcessInstance' }, { action: 'correlate', subject: 'Message' }]));
    expect(me.body.permissions).not.toEqual(expect.arrayContaining([{ action: 'send', subject: 'Signal' }]));
    const audit = await auditOf(app, 'ServicePrincipal', created.body.servicePrincipal.id);
    expect(audit[0]).toMatchObject({ action: 'servicePrincipal.created', actor_id: admin.user.id });
  });

  it('refuses a key on routes meant for people', async () => {
    const system = await buildServicePrincipal(app);
    const response = await app.http.post('/api/v1/auth/logout').set(system.headers);
    expect(response.status).toBe(403);
    const users = await app.http.get('/api/v1/users').set(system.headers);
    expect(users.status).toBe(403);
  });

  it('revokes a key at once, with the reason audited', async () => {
    // given
    const admin = await signedInUser(app, ['admin']);
    const system = await buildServicePrincipal(app);
    expect((await app.http.get('/api/v1/me').set(system.headers)).status).toBe(200);

    // when
    const revoke = await app.http
      .post(`/api/v1/service-principals/${system.principal.id}/keys/${system.keyId}/revoke`)
      .set(admin.auth)
      .send({ reason: 'Key leaked in a log file' });

    // then
    expect(revoke.status).toBe(200);
    expect(revoke.body.keys[0].revoked).toBe(true);
    const refused = await app.http.get('/api/v1/me').set(system.headers);
    expect(refused.status).toBe(401);
    expect(refused.body.detail).toMatch(/revoked/);
    const entry = (await auditOf(app, 'ApiKey', system.keyId)).find((e) => e.action === 'apiKey.revoked');
    expect(entry).toMatchObject({ reason: 'Key leaked in a log file', actor_id: admin.user.id });
    const again = await app.http
      .post(`/api/v1/service-principals/${system.principal.id}/keys/${system.keyId}/revoke`)
      .set(admin.auth)
      .send({ reason: 'again' });
    expect(again.status).toBe(409);
  });

  it('rotates keys: a second key works beside the first', async () => {
    const admin = await signedInUser(app, ['admin']);
    const system = await buildServicePrincipal(app);
    const issued = await app.http.post(`/api/v1/service-principals/${system.principal.id}/keys`).set(admin.auth).send({});
    expect(issued.status).toBe(201);
    expect((await app.http.get('/api/v1/me').set('X-API-Key', issued.body.apiKey)).status).toBe(200);
    expect((await app.http.get('/api/v1/me').set(system.headers)).status).toBe(200);
  });

  it('narrows scopes and deactivates a principal, each change audited', async () => {
    const admin = await signedInUser(app, ['admin']);
    const system = await buildServicePrincipal(app, { allowedActions: ['start', 'correlate', 'signal'] });
    const narrowed = await app.http
      .put(`/api/v1/service-principals/${system.principal.id}`)
      .set(admin.auth)
      .send({ allowedActions: ['correlate'], reason: 'Least privilege review' });
    expect(narrowed.status).toBe(200);
    const me = await app.http.get('/api/v1/me').set(system.headers);
    expect(me.body.permissions).toEqual([{ action: 'correlate', subject: 'Message' }]);

    const off = await app.http.put(`/api/v1/service-principals/${system.principal.id}`).set(admin.auth).send({ status: 'deactivated', reason: 'System retired' });
    expect(off.status).toBe(200);
    expect((await app.http.get('/api/v1/me').set(system.headers)).status).toBe(401);
    const actions = (await auditOf(app, 'ServicePrincipal', system.principal.id)).map((e) => e.action);
    expect(actions).toEqual(['servicePrincipal.created', 'servicePrincipal.updated', 'servicePrincipal.updated']);
  });

  it('refuses unknown scopes and unknown principals', async () => {
    const admin = await signedInUser(app, ['admin']);
    const bad = await app.http.post('/api/v1/service-principals').set(admin.auth).send({ name: 'X1', allowedActions: ['everything'], allowedProcessKeys: ['*'] });
    expect(bad.status).toBe(400);
    const unknown = await app.http
      .put('/api/v1/service-principals/00000000-0000-4000-8000-000000000000')
      .set(admin.auth)
      .send({ status: 'deactivated', reason: 'x y z' });
    expect(unknown.status).toBe(404);
    expect(await app.deps.db('service_principals').where({ name: 'X1' }).first()).toBeUndefined();
  });
});
