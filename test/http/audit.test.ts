import { buildUser, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

describe('GET /api/v1/audit', () => {
  it('lists entries newest first with actor, time, action, entity, before/after and reason, filtered and paged', async () => {
    // given
    const admin = await signedInUser(app, ['admin'], { printedName: 'Ada Auditor-Admin' });
    const user = await buildUser(app, { roles: ['operator'] });
    await app.http.put(`/api/v1/users/${user.id}`).set(admin.auth).send({ printedName: 'Renamed Person', reason: 'Name change after marriage' });
    await app.http.post(`/api/v1/users/${user.id}/deactivate`).set(admin.auth).send({ reason: 'Left' });

    // when
    const page = await app.http.get(`/api/v1/audit?entityType=User&entityId=${user.id}&limit=2`).set(admin.auth);

    // then
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(3);
    expect(page.body.items.map((e: { action: string }) => e.action)).toEqual(['user.deactivated', 'user.updated']);
    expect(page.body.items[1]).toMatchObject({
      actor: { type: 'user', id: admin.user.id, printedName: 'Ada Auditor-Admin' },
      entity: { type: 'User', id: user.id },
      reason: 'Name change after marriage',
      changedFields: ['printedName'],
      requestId: expect.any(String),
    });
    expect(new Date(page.body.items[0].occurredAt).toISOString()).toBe(page.body.items[0].occurredAt);
    const next = await app.http.get(`/api/v1/audit?entityType=User&entityId=${user.id}&limit=2&offset=2`).set(admin.auth);
    expect(next.body.items.map((e: { action: string }) => e.action)).toEqual(['user.created']);
    const byActor = await app.http.get(`/api/v1/audit?actorId=${admin.user.id}&action=user.deactivated`).set(admin.auth);
    expect(byActor.body.items).toHaveLength(1);
  });

  it('filters by time window', async () => {
    const admin = await signedInUser(app, ['admin']);
    const from = app.deps.clock.now();
    app.deps.clock.advance(60_000);
    const user = await buildUser(app);
    const inWindow = await app.http.get(`/api/v1/audit?entityId=${user.id}&from=${from.toISOString()}`).set(admin.auth);
    const before = await app.http.get(`/api/v1/audit?entityId=${user.id}&to=${from.toISOString()}`).set(admin.auth);
    expect(inWindow.body.total).toBe(1);
    expect(before.body.total).toBe(0);
  });

  it('is not readable by operators', async () => {
    const operator = await signedInUser(app, ['operator']);
    const response = await app.http.get('/api/v1/audit').set(operator.auth);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('forbidden');
  });
});

describe('the audit trail is append-only and tamper-evident (C03)', () => {
  it('rejects UPDATE, DELETE and TRUNCATE from the application role', async () => {
    await buildUser(app);
    await expect(app.deps.db('audit_events').update({ reason: 'rewritten' })).rejects.toThrow(/append-only/);
    await expect(app.deps.db('audit_events').delete()).rejects.toThrow(/append-only/);
    await expect(app.deps.db.raw('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
  });

  it('verifies an intact chain, and finds an entry altered behind the application’s back', async () => {
    // given
    const admin = await signedInUser(app, ['admin']);
    await buildUser(app);
    const intact = await app.http.get('/api/v1/audit/verify').set(admin.auth);
    expect(intact.status).toBe(200);
    expect(intact.body).toMatchObject({ ok: true, firstBrokenSeq: null });
    expect(intact.body.checked).toBeGreaterThan(3);
    const victim = (await app.deps.db('audit_events').where({ action: 'user.created' }).orderBy('seq').offset(1).first())!;

    // when someone with database superuser rights disables the guard and edits an entry
    await app.deps.db.raw('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    await app.deps.db('audit_events').where({ seq: victim.seq }).update({ reason: 'nothing to see here' });
    await app.deps.db.raw('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');

    // then
    const tampered = await app.http.get('/api/v1/audit/verify').set(admin.auth);
    expect(tampered.body).toMatchObject({ ok: false, firstBrokenSeq: Number(victim.seq), problem: 'the content does not match its hash' });
  });
});
