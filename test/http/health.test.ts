import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app.close();
});

describe('health and readiness', () => {
  it('GET /health answers while the process runs', async () => {
    const response = await app.http.get('/health');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('GET /ready reports the database it runs on and that migrations are current', async () => {
    const response = await app.http.get('/ready');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ status: 'ready', database: app.testDatabase.kind, migrations: 'current' });
    if (app.testDatabase.kind === 'pglite') expect(response.body.warning).toMatch(/PostgreSQL/);
  });
});

describe('API description', () => {
  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const response = await app.http.get('/api/v1/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    const login = response.body.paths['/api/v1/auth/login'].post;
    expect(login.operationId).toBe('auth.login');
    expect(login.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/LoginRequest' });
    expect(response.body.components.schemas.LoginRequest.required).toEqual(['username', 'password']);
    expect(response.body.paths['/api/v1/users/{id}'].get.parameters[0]).toMatchObject({ name: 'id', in: 'path', required: true });
    expect(response.body.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
  });

  it('serves a browsable documentation page with its assets', async () => {
    const page = await app.http.get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.text).toContain('/api/docs/swagger-ui-bundle.js');
    const bundle = await app.http.get('/api/docs/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect((await app.http.get('/api/docs/..%2Fpackage.json')).status).toBe(404);
  });
});
