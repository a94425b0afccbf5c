import { httpConnectorConfigSchema } from '../../../server/adapters/http/connector-config';
import {
  classifyConnectorError,
  ConnectorBpmnError,
  ConnectorFailedError,
  ConnectorRetryableError,
  ConnectorTargetError,
  resolveConnectorTarget,
} from '../../../server/adapters/http/connector-port';
import { authHeaders, buildRequest, classifyStatus } from '../../../server/adapters/http/http-connector';

describe('status classification', () => {
  const operation = { bpmnErrors: { '409': 'CONFLICT', '503': 'ERP_DOWN_FOR_MAINTENANCE' } };

  it.each([
    [200, { kind: 'ok' }],
    [204, { kind: 'ok' }],
    [409, { kind: 'bpmnError', code: 'CONFLICT' }],
    [503, { kind: 'bpmnError', code: 'ERP_DOWN_FOR_MAINTENANCE' }],
    [500, { kind: 'retry' }],
    [502, { kind: 'retry' }],
    [429, { kind: 'retry' }],
    [400, { kind: 'fail' }],
    [404, { kind: 'fail' }],
    [422, { kind: 'fail' }],
    [302, { kind: 'fail' }],
  ])('%i → %j (a configured BPMN error wins over the default retries)', (status, expected) => {
    expect(classifyStatus(operation, status)).toEqual(expected);
  });

  it('retries only the configured statuses when retryOn is given', () => {
    const strict = { retryOn: [503, 409] };
    expect(classifyStatus(strict, 500)).toEqual({ kind: 'fail' });
    expect(classifyStatus(strict, 409)).toEqual({ kind: 'retry' });
    expect(classifyStatus({ bpmnErrors: { toString: 'X' } as unknown as Record<string, string> }, 500)).toEqual({ kind: 'retry' });
  });

  it('tells the job system what to do with each error', () => {
    expect(classifyConnectorError(new ConnectorBpmnError('CONFLICT', 'm', 'erp', 'confirm', 409))).toEqual({ outcome: 'bpmnError', code: 'CONFLICT', message: 'm' });
    expect(classifyConnectorError(new ConnectorRetryableError('status', 'm', 'erp', 'confirm', { status: 429, retryAfterMs: 2000 }))).toEqual({ outcome: 'retry', retryAfterMs: 2000 });
    expect(classifyConnectorError(new ConnectorFailedError('status', 'm', 'erp', 'confirm', { status: 400 }))).toEqual({ outcome: 'incident' });
    expect(classifyConnectorError(new TypeError('bug'))).toEqual({ outcome: 'incident' });
    expect(new ConnectorRetryableError('timeout', 'm', 'erp', 'x').retryable).toBe(true);
    expect(new ConnectorFailedError('template', 'm', 'erp', 'x').retryable).toBe(false);
  });
});

describe('request building', () => {
  const config = httpConnectorConfigSchema.parse({
    baseUrl: 'https://erp.example.com/api/v2/',
    defaultHeaders: { 'X-Plant': 'P01', Accept: 'application/vnd.erp+json' },
    auth: { type: 'bearer', token: 'tok-1' },
    operations: {
      check: { method: 'GET', path: '/materials/${material}/availability', query: { quantity: '${quantity}', lot: '${lot}', tag: '${tags}', note: 'for ${orderId}' } },
      confirm: { method: 'POST', path: '/orders/${orderId}/confirmations', headers: { 'X-Order': '${orderId}' }, body: { yieldQuantity: '${quantity}' } },
      escape: { method: 'GET', path: '/../admin' },
    },
  });

  it('renders path, query and headers under the base path', () => {
    // when
    const { url, init } = buildRequest(config, config.operations.check, { material: 'RM 1', quantity: 5, lot: null, tags: ['a', 'b'], orderId: 'WO-1' });

    // then
    expect(url.toString()).toBe('https://erp.example.com/api/v2/materials/RM%201/availability?quantity=5&tag=a&tag=b&note=for+WO-1');
    expect(init.method).toBe('GET');
    expect(init.body).toBeUndefined();
    expect(init.headers).toMatchObject({ 'x-plant': 'P01', accept: 'application/vnd.erp+json', authorization: 'Bearer tok-1' });
  });

  it('sends a JSON body with its content type', () => {
    const { init } = buildRequest(config, config.operations.confirm, { orderId: 'WO-1', quantity: 7 });
    expect(JSON.parse(init.body as string)).toEqual({ yieldQuantity: 7 });
    expect(init.headers).toMatchObject({ 'content-type': 'application/json', 'x-order': 'WO-1' });
  });

  it('refuses a configured path that leaves the base URL', () => {
    expect(() => buildRequest(config, config.operations.escape, {})).toThrow(/leaves the base URL/);
  });

  it('builds the headers of each authentication', () => {
    expect(authHeaders({ type: 'none' })).toEqual({});
    expect(authHeaders({ type: 'basic', username: 'gemba', password: 'pä:ss' })).toEqual({ authorization: `Basic ${Buffer.from('gemba:pä:ss').toString('base64')}` });
    expect(authHeaders({ type: 'bearer', token: 't' })).toEqual({ authorization: 'Bearer t' });
    expect(authHeaders({ type: 'apiKeyHeader', header: 'X-API-Key', value: 'k' })).toEqual({ 'x-api-key': 'k' });
  });
});

describe('resolveConnectorTarget', () => {
  it.each([
    [{ gembaConnector: 'erp', gembaOperation: 'checkMaterial' }, { connector: 'erp', operation: 'checkMaterial' }],
    [{ camundaTopic: 'erp.checkMaterial' }, { connector: 'erp', operation: 'checkMaterial' }],
    [{ camundaTopic: ' qms.createNonconformance ', gembaConnector: '', gembaOperation: null }, { connector: 'qms', operation: 'createNonconformance' }],
    [{ camundaTopic: 'label-printing' }, undefined],
    [{}, undefined],
  ])('%j → %j', (binding, expected) => {
    expect(resolveConnectorTarget(binding)).toEqual(expected);
  });

  it.each([
    [{ gembaConnector: 'erp' }, /gemba:operation/],
    [{ gembaOperation: 'x' }, /gemba:connector/],
    [{ gembaConnector: 'erp', gembaOperation: 'x', camundaTopic: 'erp.x' }, /not to both/],
    [{ camundaTopic: 'erp.' }, /not an operation name/],
    [{ camundaTopic: '.x' }, /not a connector name/],
    [{ camundaTopic: 'erp.a.b' }, /not an operation name/],
  ])('refuses %j', (binding, message) => {
    expect(() => resolveConnectorTarget(binding)).toThrow(ConnectorTargetError);
    expect(() => resolveConnectorTarget(binding)).toThrow(message);
  });
});
