import { runCommand } from '../../server/commands/run-command';
import { verifySigner } from '../../server/commands/verify-signer';
import { auditOf, buildUser, DEFAULT_PASSWORD, loginAs, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

const login = (username: string, password: string) => app.http.post('/api/v1/auth/login').send({ username, password });

describe('POST /api/v1/auth/login', () => {
  it('returns a bearer token and the user, and audits the login', async () => {
    // given
    const user = await buildUser(app, { roles: ['operator'], printedName: 'Olga Operator' });

    // when
    const response = await login(user.username, user.password);

    // then
    expect(response.status).toBe(200);
    expect(response.body.token).toMatch(/^gst_/);
    expect(response.body.idleTimeoutSeconds).toBe(900);
    expect(response.body.user).toMatchObject({ id: user.id, username: user.username, printedName: 'Olga Operator', roles: ['operator'] });
    expect(response.body.user).not.toHaveProperty('passwordHash');
    const me = await app.http.get('/api/v1/me').set('Authorization', `Bearer ${response.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(user.id);
    const audit = await auditOf(app, 'User', user.id);
    expect(audit.map((e) => e.action)).toEqual(['user.created', 'user.loggedIn']);
    expect(audit[1]).toMatchObject({ actor_type: 'user', actor_id: user.id, printed_name: 'Olga Operator' });
  });

  it('refuses a wrong password with 401 problem+json and audits the failure', async () => {
    // given
    const user = await buildUser(app);

    // when
    const response = await login(user.username, 'Wrong-password-1');

    // then
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 401, code: 'unauthenticated', type: '/problems/unauthenticated' });
    expect(response.body.requestId).toEqual(expect.any(String));
    const failures = (await auditOf(app, 'User', user.id)).filter((e) => e.action === 'user.loginFailed');
    expect(failures).toHaveLength(1);
    expect(failures[0].after).toEqual({ reason: 'wrong_password', consecutiveFailures: 1 });
    const sessions = await app.deps.db('sessions').where({ user_id: user.id });
    expect(sessions).toHaveLength(0);
  });

  it('answers an unknown user name exactly like a wrong password, and audits the attempt', async () => {
    const response = await login('nobody-here', 'Whatever-password-1');

    expect(response.status).toBe(401);
    expect(response.body.detail).toBe('The user name or password is not correct');
    const audit = await auditOf(app, 'User', 'username:nobody-here');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'user.loginFailed', actor_type: 'user', actor_id: null, actor_name: 'nobody-here' });
  });

  it('locks the account at the fifth consecutive failure, alerts admins, and only an admin unlock lets the user in again', async () => {
    // given
    const user = await buildUser(app, { roles: ['operator'] });
    const admin = await signedInUser(app, ['admin']);
    const before = app.published.length;

    // when
    for (let attempt = 1; attempt <= 4; attempt++) expect((await login(user.username, 'Wrong-password-1')).status).toBe(401);
    const fifth = await login(user.username, 'Wrong-password-1');
    const correctButLocked = await login(user.username, user.password);

    // then
    expect(fifth.status).toBe(401);
    expect(correctButLocked.status).toBe(401);
    expect(correctButLocked.body.code).toBe('account_locked');
    const locked = app.published.slice(before).find((e) => e.type === 'user.locked');
    expect(locked).toMatchObject({ entity: { type: 'User', id: user.id }, audience: { roles: ['admin'] } });
    const row = (await app.deps.db('users').where({ id: user.id }).first())!;
    expect(row.locked_at).not.toBeNull();
    expect(row.failed_login_count).toBe(5);

    // when an admin unlocks with a reason
    const unlock = await app.http.post(`/api/v1/users/${user.id}/unlock`).set(admin.auth).send({ reason: 'Verified identity by phone' });

    // then
    expect(unlock.status).toBe(200);
    expect(unlock.body.locked).toBe(false);
    expect((await login(user.username, user.password)).status).toBe(200);
    const actions = (await auditOf(app, 'User', user.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'user.loginFailed')).toHaveLength(6);
    expect(actions).toEqual(expect.arrayContaining(['user.locked', 'user.unlocked', 'user.loggedIn']));
    const unlockEntry = (await auditOf(app, 'User', user.id)).find((e) => e.action === 'user.unlocked');
    expect(unlockEntry).toMatchObject({ actor_id: admin.user.id, reason: 'Verified identity by phone' });
  });

  it('validates the body: missing fields and wrong types are 400 with every problem listed', async () => {
    const response = await app.http.post('/api/v1/auth/login').send({ username: 42 });

    expect(response.status).toBe(400);
    expect(response.body.code).toBe('validation_failed');
    expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.password', 'body.username']);
  });
});

describe('sessions', () => {
  it('ends a session after the idle timeout, and audits the expiry', async () => {
    // given
    const { token, user } = await signedInUser(app, ['operator']);

    // when fifteen minutes and a second pass without a request
    app.deps.clock.advance(15 * 60_000 + 1000);
    const response = await app.http.get('/api/v1/me').set('Authorization', `Bearer ${token}`);

    // then
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('session_expired');
    const session = (await app.deps.db('sessions').where({ user_id: user.id }).first())!;
    expect(session.end_reason).toBe('idle_timeout');
    const expiry = await auditOf(app, 'Session', session.id);
    expect(expiry.map((e) => e.action)).toEqual(['session.expired']);
    expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('keeps an active session alive and ends it at its absolute lifetime', async () => {
    // given a session used every 14 minutes, never idle for 15
    const { token } = await signedInUser(app, ['operator']);
    for (let minutes = 14; minutes <= 714; minutes += 14) {
      app.deps.clock.advance(14 * 60_000);
      expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    }

    // when it passes 12 hours
    app.deps.clock.advance(14 * 60_000);
    const response = await app.http.get('/api/v1/me').set('Authorization', `Bearer ${token}`);

    // then
    expect(response.status).toBe(401);
    expect(response.body.detail).toMatch(/maximum lifetime/);
  });

  it('revokes the token at logout', async () => {
    const { token, user } = await signedInUser(app, ['operator']);

    const logout = await app.http.post('/api/v1/auth/logout').set('Authorization', `Bearer ${token}`);

    expect(logout.status).toBe(204);
    expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const session = (await app.deps.db('sessions').where({ user_id: user.id }).first())!;
    expect(session.end_reason).toBe('logout');
    expect((await auditOf(app, 'Session', session.id)).map((e) => e.action)).toEqual(['session.ended']);
  });

  it('refuses malformed and unknown tokens', async () => {
    expect((await app.http.get('/api/v1/me').set('Authorization', 'Basic abc')).status).toBe(401);
    expect((await app.http.get('/api/v1/me').set('Authorization', 'Bearer gst_unknown')).status).toBe(401);
    const none = await app.http.get('/api/v1/me');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/Bearer/);
  });
});

describe('account administration', () => {
  it('deactivates (never deletes) a user: sessions end, login is refused, the row stays', async () => {
    // given
    const admin = await signedInUser(app, ['admin']);
    const { user, token } = await signedInUser(app, ['operator']);

    // when
    const response = await app.http.post(`/api/v1/users/${user.id}/deactivate`).set(admin.auth).send({ reason: 'Left the company' });

    // then
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('deactivated');
    expect((await app.http.get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await login(user.username, user.password)).status).toBe(401);
    const entry = (await auditOf(app, 'User', user.id)).find((e) => e.action === 'user.deactivated');
    expect(entry).toMatchObject({ reason: 'Left the company', actor_id: admin.user.id });
    await expect(app.deps.db('users').where({ id: user.id }).delete()).rejects.toThrow(/never deleted/);
    await expect(app.deps.db('users').where({ id: user.id }).update({ username: 'someone-else' })).rejects.toThrow(/never changes/);
  });

  it('requires a reason to change an account (C02) and changes nothing without one', async () => {
    const admin = await signedInUser(app, ['admin']);
    const user = await buildUser(app, { roles: ['operator'] });

    const response = await app.http.put(`/api/v1/users/${user.id}`).set(admin.auth).send({ roles: ['operator', 'inspector'] });

    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual([expect.objectContaining({ path: 'body.reason' })]);
    expect((await app.deps.db('users').where({ id: user.id }).first())!.roles).toEqual(['operator']);
  });

  it('records a role change with before and after (C06)', async () => {
    const admin = await signedInUser(app, ['admin']);
    const user = await buildUser(app, { roles: ['operator'] });

    const response = await app.http.put(`/api/v1/users/${user.id}`).set(admin.auth).send({ roles: ['operator', 'inspector'], reason: 'Qualified as inspector' });

    expect(response.status).toBe(200);
    expect(response.body.roles).toEqual(['operator', 'inspector']);
    const entry = (await auditOf(app, 'User', user.id)).find((e) => e.action === 'user.updated')!;
    expect(entry.before).toMatchObject({ roles: ['operator'] });
    expect(entry.after).toMatchObject({ roles: ['operator', 'inspector'] });
    const api = await app.http.get(`/api/v1/audit?entityType=User&entityId=${user.id}&action=user.updated`).set(admin.auth);
    expect(api.body.items[0].changedFields).toEqual(['roles']);
  });

  it('makes a user change an admin-set password before signing (11.200(a)(3))', async () => {
    // given
    const admin = await signedInUser(app, ['admin']);
    const user = await buildUser(app, { roles: ['quality'] });

    // when
    const reset = await app.http
      .post(`/api/v1/users/${user.id}/reset-password`)
      .set(admin.auth)
      .send({ newPassword: 'Temporary-Pass-77', reason: 'Forgotten password' });

    // then
    expect(reset.status).toBe(200);
    expect(reset.body.passwordMustChange).toBe(true);
    expect((await login(user.username, user.password)).status).toBe(401);
    const token = await loginAs(app, { username: user.username, password: 'Temporary-Pass-77' });
    const signer = { kind: 'user' as const, id: user.id, username: user.username, printedName: user.printedName, roles: user.roles, sessionId: '', passwordMustChange: true };
    await expect(runCommand(app.deps, signer, {}, (ctx) => verifySigner(ctx, app.deps.config, signer, 'Temporary-Pass-77'))).rejects.toMatchObject({
      code: 'password_change_required',
    });

    // when the user chooses a new password
    const change = await app.http
      .post('/api/v1/auth/password')
      .set('Authorization', `Bearer ${token}`)
      .send({ currentPassword: 'Temporary-Pass-77', newPassword: 'My-Own-Secret-2026' });

    // then
    expect(change.status).toBe(200);
    expect(change.body.passwordMustChange).toBe(false);
    await expect(runCommand(app.deps, signer, {}, (ctx) => verifySigner(ctx, app.deps.config, signer, 'My-Own-Secret-2026'))).resolves.toBeUndefined();
    const actions = (await auditOf(app, 'User', user.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.passwordReset', 'user.passwordChanged']));
  });

  it('refuses weak passwords', async () => {
    const admin = await signedInUser(app, ['admin']);
    const response = await app.http.post('/api/v1/users').set(admin.auth).send({ username: 'weakling', printedName: 'Weak Ling', roles: [], password: 'short' });
    expect(response.status).toBe(400);
    expect(response.body.errors[0].path).toBe('body.password');
    expect(await app.deps.db('users').where({ username: 'weakling' }).first()).toBeUndefined();
  });

  it('keeps user names unique regardless of case', async () => {
    const admin = await signedInUser(app, ['admin']);
    const user = await buildUser(app);
    const response = await app.http
      .post('/api/v1/users')
      .set(admin.auth)
      .send({ username: user.username.toUpperCase(), printedName: 'Dup', roles: [], password: DEFAULT_PASSWORD });
    expect(response.status).toBe(409);
    expect(response.body.code).toBe('conflict');
  });
});

describe('electronic signature re-authentication (C07, C12)', () => {
  it('counts wrong signature passwords and locks the account at the third', async () => {
    const user = await buildUser(app, { roles: ['quality'] });
    const signer = { kind: 'user' as const, id: user.id, username: user.username, printedName: user.printedName, roles: user.roles, sessionId: '', passwordMustChange: false };
    const attempt = (password: string) => runCommand(app.deps, signer, {}, (ctx) => verifySigner(ctx, app.deps.config, signer, password));

    await expect(attempt('Wrong-one-1')).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    await expect(attempt('Wrong-one-2')).rejects.toMatchObject({ status: 401 });
    await expect(attempt('Wrong-one-3')).rejects.toMatchObject({ code: 'account_locked' });
    await expect(attempt(user.password)).rejects.toMatchObject({ code: 'account_locked' });

    const actions = (await auditOf(app, 'User', user.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'signature.failed')).toHaveLength(3);
    expect(actions).toContain('user.locked');
  });
});
