import { httpConnectorConfigSchema, type HttpAuth } from '../../../server/adapters/http/connector-config';
import { ConnectorFailedError } from '../../../server/adapters/http/connector-port';
import { HttpConnector } from '../../../server/adapters/http/http-connector';
import { startErpSimulator, type ErpSimulator } from '../../../server/adapters/simulators/erp';

// Each kind of authentication against an ERP that demands it: the right header is sent, a wrong
// secret is refused (401, not retried), and the connectivity check tells the two apart.

const http = new HttpConnector();

const cases: Array<[string, HttpAuth, HttpAuth, (headers: Record<string, string>) => void]> = [
  [
    'basic',
    { type: 'basic', username: 'gemba', password: 'pä$$:word' },
    { type: 'basic', username: 'gemba', password: 'wrong' },
    (headers) => expect(headers.authorization).toBe(`Basic ${Buffer.from('gemba:pä$$:word').toString('base64')}`),
  ],
  ['bearer', { type: 'bearer', token: 'tok-8f2e' }, { type: 'bearer', token: 'tok-0000' }, (headers) => expect(headers.authorization).toBe('Bearer tok-8f2e')],
  [
    'apiKeyHeader',
    { type: 'apiKeyHeader', header: 'X-ERP-Key', value: 'key-77' },
    { type: 'apiKeyHeader', header: 'X-ERP-Key', value: 'key-00' },
    (headers) => {
      expect(headers['x-erp-key']).toBe('key-77');
      expect(headers.authorization).toBeUndefined();
    },
  ],
];

describe.each(cases)('authentication: %s', (_kind, auth, wrongAuth, expectHeaders) => {
  let erp: ErpSimulator;
  beforeAll(async () => {
    erp = await startErpSimulator({ auth });
  });
  afterAll(async () => {
    await erp.close();
  });
  beforeEach(() => erp.reset());

  const connectorWith = (a: HttpAuth) => ({
    name: 'erp',
    config: httpConnectorConfigSchema.parse({
      baseUrl: erp.url,
      auth: a,
      defaultHeaders: { 'X-Plant': 'P01' },
      healthCheck: { path: '/health' },
      operations: { availability: { method: 'GET', path: '/materials/${m}/availability', responseMapping: { available: '/available' } } },
    }),
  });

  it('sends the credentials the ERP expects', async () => {
    // when
    const result = await http.invoke({ connector: connectorWith(auth), operation: 'availability', variables: { m: 'RM-2002' }, idempotencyKey: 'job-auth' });

    // then
    expect(result).toMatchObject({ status: 200, output: { available: 500 } });
    const [call] = erp.calls();
    expectHeaders(call.headers);
    expect(call.headers['x-plant']).toBe('P01');
    expect(call.headers['idempotency-key']).toBe('job-auth');
  });

  it('fails for good when the ERP refuses the credentials', async () => {
    const error = await http.invoke({ connector: connectorWith(wrongAuth), operation: 'availability', variables: { m: 'RM-2002' }, idempotencyKey: 'j' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorFailedError);
    expect(error).toMatchObject({ status: 401, retryable: false });
    expect(JSON.stringify(error)).not.toContain('tok-0000');
    expect((error as Error).message).not.toMatch(/key-00|wrong|tok-0000/);
  });

  it('reports the connectivity check as ok or refused', async () => {
    const good = await http.check(connectorWith(auth));
    const bad = await http.check(connectorWith(wrongAuth));
    expect(good).toMatchObject({ ok: true, status: 200, target: `GET ${erp.url}/health` });
    expect(bad).toMatchObject({ ok: false, status: 401, message: expect.stringMatching(/refused the credentials/) });
  });
});

describe('authentication: none', () => {
  it('sends no credentials', async () => {
    const erp = await startErpSimulator();
    try {
      const connector = { name: 'erp', config: httpConnectorConfigSchema.parse({ baseUrl: erp.url, operations: { a: { method: 'GET', path: '/health' } } }) };
      await http.invoke({ connector, operation: 'a', variables: {}, idempotencyKey: 'j' });
      expect(erp.calls()[0].headers.authorization).toBeUndefined();
    } finally {
      await erp.close();
    }
  });
});
