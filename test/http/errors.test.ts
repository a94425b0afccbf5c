import request from 'supertest';
import { createApp } from '../../server/app';
import { createDb } from '../../server/db/create-db';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let admin: Awaited<ReturnType<typeof signedInUser>>;
beforeAll(async () => {
  app = await startTestApp({ GEMBA_JSON_LIMIT: '64kb' });
  admin = await signedInUser(app, ['admin']);
});
afterAll(async () => {
  await app.close();
});

const countUsers = async () => Number((await app.deps.db('users').count({ n: '*' }))[0].n);
const countAudit = async () => Number((await app.deps.db('audit_events').count({ n: '*' }))[0].n);

function expectProblem(response: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: `/problems/${code}`, requestId: expect.any(String), instance: expect.any(String) });
}

describe('bad input gets a clear 4xx problem and changes nothing', () => {
  it('malformed JSON → 400', async () => {
    const [users, audit] = [await countUsers(), await countAudit()];
    const response = await app.http.post('/api/v1/users').set(admin.auth).set('Content-Type', 'application/json').send('{"username": "x",');
    expectProblem(response, 400, 'malformed_request');
    expect([await countUsers(), await countAudit()]).toEqual([users, audit]);
  });

  it('a JSON scalar instead of an object → 400', async () => {
    const response = await app.http.post('/api/v1/auth/login').set('Content-Type', 'application/json').send('"just a string"');
    expectProblem(response, 400, 'malformed_request');
  });

  it('a body over the limit → 413', async () => {
    const users = await countUsers();
    const response = await app.http
      .post('/api/v1/users')
      .set(admin.auth)
      .send({ username: 'big', printedName: 'x'.repeat(70 * 1024), roles: [], password: 'Correct-Horse-42' });
    expectProblem(response, 413, 'payload_too_large');
    expect(await countUsers()).toBe(users);
  });

  it('wrong types and unknown fields → 400 listing each', async () => {
    const response = await app.http.post('/api/v1/users').set(admin.auth).send({ username: ['a'], printedName: 5, roles: ['wizard'], password: 'Correct-Horse-42', extra: true });
    expectProblem(response, 400, 'validation_failed');
    const paths = (response.body.errors as Array<{ path: string }>).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['body.username', 'body.printedName', 'body.roles.0', 'body']));
  });

  it('a form-encoded body where JSON is expected → 415', async () => {
    const response = await app.http.post('/api/v1/auth/login').type('form').send('username=a&password=b');
    expectProblem(response, 415, 'unsupported_media_type');
  });

  it('text that PostgreSQL cannot store (NUL) → 400, not 500', async () => {
    const users = await countUsers();
    const response = await app.http.post('/api/v1/users').set(admin.auth).send({ username: 'nul-user', printedName: 'Bad\u0000Name', roles: [], password: 'Correct-Horse-42' });
    expect(response.status).toBe(400);
    expect(await countUsers()).toBe(users);
  });

  it('an unknown route → 404', async () => {
    expectProblem(await app.http.get('/api/v1/no-such-thing').set(admin.auth), 404, 'not_found');
    expectProblem(await app.http.get('/api/nothing-here'), 404, 'not_found');
  });

  it('an unknown or malformed id → 404', async () => {
    expectProblem(await app.http.get('/api/v1/users/00000000-0000-4000-8000-000000000000').set(admin.auth), 404, 'not_found');
    expectProblem(await app.http.get('/api/v1/users/not-a-uuid').set(admin.auth), 404, 'not_found');
    expectProblem(
      await app.http.post('/api/v1/users/00000000-0000-4000-8000-000000000000/unlock').set(admin.auth).send({ reason: 'test reason' }),
      404,
      'not_found',
    );
  });

  it('bad query parameters → 400', async () => {
    expectProblem(await app.http.get('/api/v1/users?limit=0').set(admin.auth), 400, 'validation_failed');
    expectProblem(await app.http.get('/api/v1/audit?from=yesterday').set(admin.auth), 400, 'validation_failed');
  });

  it('echoes a well-formed X-Request-Id into the problem and the audit entry', async () => {
    const response = await app.http.post('/api/v1/auth/login').set('X-Request-Id', 'req-12345678').send({ username: 'ghost', password: 'nope-nope-nope' });
    expect(response.body.requestId).toBe('req-12345678');
    const entry = await app.deps.db('audit_events').where({ request_id: 'req-12345678' }).first();
    expect(entry?.action).toBe('user.loginFailed');
  });
});

describe('5xx bodies hide internals', () => {
  it('answers 503 without details when the database is unreachable, and /ready says so', async () => {
    // given the same application on a PostgreSQL server that does not answer
    const database = createDb({ kind: 'postgresql', url: 'postgres://postgres@127.0.0.1:9/nowhere', poolMax: 1 });
    const unreachable = request(createApp({ ...app.deps, db: database.knex, database }).callback());
    try {
      // when / then
      const ready = await unreachable.get('/ready');
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ code: 'service_unavailable', detail: 'The postgresql database is not reachable' });
      const login = await unreachable.post('/api/v1/auth/login').send({ username: 'owner', password: 'whatever-123' });
      expect(login.status).toBe(503);
      expect(JSON.stringify(login.body)).not.toMatch(/knex|pool|stack|ECONNREFUSED|127\.0\.0\.1/i);
    } finally {
      await database.close();
    }
  });
});
