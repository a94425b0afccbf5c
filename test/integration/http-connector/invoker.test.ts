import net from 'node:net';
import { connectorConfigSchema } from '../../../server/adapters/http/connector-config';
import { createConnectorInvoker, type StoredConnector } from '../../../server/adapters/http/connector-invoker';
import { ConnectorFailedError, resolveConnectorTarget } from '../../../server/adapters/http/connector-port';
import { sealSecrets, splitSecrets } from '../../../server/adapters/http/connector-secrets';
import { checkConnectivity } from '../../../server/adapters/http/connectivity';
import { HttpConnector } from '../../../server/adapters/http/http-connector';
import { startErpSimulator, type ErpSimulator } from '../../../server/adapters/simulators/erp';
import { createSecretBox, generateSecretKey } from '../../../server/lib/secret-box';

// The path a service task takes: its attributes → target → the registered connector (secrets
// sealed as the registry stores them) → the ERP.

const box = createSecretBox(generateSecretKey());
let erp: ErpSimulator;
let registry: Map<string, StoredConnector>;

function register(id: string, name: string, raw: unknown, status: 'active' | 'disabled' = 'active'): StoredConnector {
  const config = connectorConfigSchema('http').parse(raw);
  const { publicConfig, secrets } = splitSecrets('http', config);
  const stored: StoredConnector = { id, name, kind: 'http', status, config: publicConfig, secrets: sealSecrets(box, id, secrets) };
  registry.set(name, stored);
  return stored;
}

beforeAll(async () => {
  erp = await startErpSimulator({ auth: { type: 'bearer', token: 'erp-token-1' } });
});
afterAll(async () => {
  await erp.close();
});
beforeEach(() => {
  erp.reset();
  registry = new Map();
  register('c-erp', 'erp', {
    baseUrl: erp.url,
    auth: { type: 'bearer', token: 'erp-token-1' },
    operations: { checkMaterial: { method: 'GET', path: '/materials/${material}/availability', query: { quantity: '${quantity}' }, responseMapping: { materialAvailable: '/sufficient' } } },
  });
});

const invoker = () =>
  createConnectorInvoker({ findConnector: async (name) => registry.get(name), secretBox: () => box, http: new HttpConnector() });

describe('connector invoker', () => {
  it('calls the registered connector named by a topic, with its revealed secret', async () => {
    // given
    const target = resolveConnectorTarget({ camundaTopic: 'erp.checkMaterial' })!;

    // when
    const result = await invoker().invoke({ target, variables: { material: 'RM-1001', quantity: 50 }, idempotencyKey: 'job-7' });

    // then
    expect(result.output).toEqual({ materialAvailable: true });
    expect(erp.calls()[0].headers).toMatchObject({ authorization: 'Bearer erp-token-1', 'idempotency-key': 'job-7' });
    expect(JSON.stringify(registry.get('erp'))).not.toContain('erp-token-1');
  });

  it.each([
    ['an unknown connector', { connector: 'mes', operation: 'x' }, 'unknown_connector'],
    ['a disabled connector', { connector: 'old', operation: 'checkMaterial' }, 'disabled'],
    ['secrets sealed for another connector', { connector: 'moved', operation: 'checkMaterial' }, 'configuration'],
  ])('fails for good on %s, before any call', async (_what, target, reason) => {
    // given
    register('c-old', 'old', { baseUrl: erp.url, operations: {} }, 'disabled');
    registry.set('moved', { ...registry.get('erp')!, id: 'c-moved', name: 'moved' });

    // when
    const error = await invoker().invoke({ target, variables: {}, idempotencyKey: 'j' }).catch((e: unknown) => e);

    // then
    expect(error).toBeInstanceOf(ConnectorFailedError);
    expect(error).toMatchObject({ reason, retryable: false });
    expect(erp.calls()).toHaveLength(0);
  });

  it('refuses OPC UA connectors unless an OPC UA implementation is given', async () => {
    registry.set('cell', { id: 'c-cell', name: 'cell', kind: 'opcua', status: 'active', config: connectorConfigSchema('opcua').parse({ endpointUrl: 'opc.tcp://127.0.0.1:4840' }), secrets: null });
    const error = await invoker().invoke({ target: { connector: 'cell', operation: 'read' }, variables: {}, idempotencyKey: 'j' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'configuration' });
  });
});

describe('connectivity check', () => {
  it('asks an HTTP service for its base URL with the stored credentials', async () => {
    const config = connectorConfigSchema('http').parse({ baseUrl: erp.url, auth: { type: 'bearer', token: 'erp-token-1' } });
    const result = await checkConnectivity({ name: 'erp', kind: 'http', config }, { http: new HttpConnector() });
    // No health check configured: the ERP answers 404 for "/", which still proves it is reachable and accepts the token.
    expect(result).toMatchObject({ ok: true, status: 404, message: 'reachable (404)' });
  });

  it('reports an unreachable HTTP service without throwing', async () => {
    const gone = await startErpSimulator();
    await gone.close();
    const config = connectorConfigSchema('http').parse({ baseUrl: gone.url, timeoutMs: 500 });
    const result = await checkConnectivity({ name: 'erp', kind: 'http', config }, { http: new HttpConnector() });
    expect(result).toMatchObject({ ok: false, status: null, message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('opens a TCP connection to an OPC UA endpoint', async () => {
    // given
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      // when
      const up = await checkConnectivity({ name: 'cell', kind: 'opcua', config: connectorConfigSchema('opcua').parse({ endpointUrl: `opc.tcp://127.0.0.1:${port}/UA` }) }, { http: new HttpConnector() });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const down = await checkConnectivity({ name: 'cell', kind: 'opcua', config: connectorConfigSchema('opcua').parse({ endpointUrl: `opc.tcp://127.0.0.1:${port}` }) }, { http: new HttpConnector() });

      // then
      expect(up).toMatchObject({ ok: true, target: `TCP 127.0.0.1:${port}` });
      expect(down).toMatchObject({ ok: false, message: expect.stringMatching(/ECONNREFUSED/) });
    } finally {
      server.close();
    }
  });
});
