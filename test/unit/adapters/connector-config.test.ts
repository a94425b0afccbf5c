import { connectorConfigSchema, httpConnectorConfigSchema, opcuaConnectorConfigSchema, toEquipmentEndpoint } from '../../../server/adapters/http/connector-config';
import { maskConnectorConfig, revealConnectorConfig, SECRET_PLACEHOLDER, SecretPlaceholderError, sealSecrets, splitSecrets } from '../../../server/adapters/http/connector-secrets';
import { createSecretBox, generateSecretKey, SecretBoxError } from '../../../server/lib/secret-box';

const erp = {
  baseUrl: 'https://erp.example.com/api/v2',
  auth: { type: 'basic', username: 'gemba', password: 'pw-1' },
  operations: {
    checkMaterial: {
      method: 'GET',
      path: '/materials/${material}/availability',
      query: { quantity: '${quantity}' },
      responseMapping: { available: '/available', lotStatus: 'lot.status' },
      bpmnErrors: { '404': 'MATERIAL_NOT_FOUND' },
    },
    confirm: {
      method: 'POST',
      path: '/orders/${orderId}/confirmations',
      body: { yieldQuantity: '${yield}', operation: '0010' },
      bpmnErrors: { '409': 'CONFLICT' },
      retryOn: [502, 503],
      timeoutMs: 2000,
    },
  },
};

function issuesOf(schema: typeof httpConnectorConfigSchema | typeof opcuaConnectorConfigSchema, value: unknown) {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('HTTP connector configuration', () => {
  it('accepts an ERP configuration and fills in the defaults', () => {
    // when
    const config = httpConnectorConfigSchema.parse(erp);

    // then
    expect(config).toMatchObject({ timeoutMs: 10_000, maxResponseBytes: 2 * 1024 * 1024, defaultHeaders: {} });
    expect(config.operations.confirm).toMatchObject({ method: 'POST', retryOn: [502, 503], timeoutMs: 2000 });
    expect(httpConnectorConfigSchema.parse({ baseUrl: 'http://127.0.0.1:4101' })).toMatchObject({ auth: { type: 'none' }, operations: {} });
  });

  it.each([
    ['a relative base URL', { ...erp, baseUrl: '/api' }, /baseUrl: not an absolute URL/],
    ['another scheme', { ...erp, baseUrl: 'ftp://erp' }, /http:\/\/ or https:\/\//],
    ['credentials in the URL', { ...erp, baseUrl: 'https://u:p@erp.example.com' }, /credentials do not belong in the URL/],
    ['a query in the base URL', { ...erp, baseUrl: 'https://erp.example.com/?a=1' }, /no query/],
    ['an Authorization default header', { ...erp, defaultHeaders: { Authorization: 'Bearer x' } }, /use auth for credentials/],
    ['an Idempotency-Key header', { ...erp, defaultHeaders: { 'Idempotency-Key': 'x' } }, /Idempotency-Key/],
    ['a header value with a line break', { ...erp, defaultHeaders: { 'X-A': 'a\r\nX-B: b' } }, /line breaks/],
    ['the API-key header among the defaults', { ...erp, auth: { type: 'apiKeyHeader', header: 'X-API-Key', value: 'k' }, defaultHeaders: { 'x-api-key': 'k' } }, /carries the API key/],
    ['a GET with a body', { ...erp, operations: { a: { method: 'GET', path: '/a', body: { x: 1 } } } }, /GET request has no body/],
    ['a path without a leading slash', { ...erp, operations: { a: { method: 'GET', path: 'a' } } }, /starts with \//],
    ['an unclosed placeholder', { ...erp, operations: { a: { method: 'GET', path: '/a/${id' } } }, /invalid template: .*not closed/],
    ['a function call in a body template', { ...erp, operations: { a: { method: 'POST', path: '/a', body: { x: ['${foo.bar(1)}'] } } } }, /operations.a.body.x.0: invalid template/],
    ['a bad mapping path', { ...erp, operations: { a: { method: 'GET', path: '/a', responseMapping: { x: '/__proto__' } } } }, /not allowed/],
    ['a reserved variable name', { ...erp, operations: { a: { method: 'GET', path: '/a', responseMapping: { constructor: '/a' } } } }, /reserved/],
    ['a 2xx BPMN error', { ...erp, operations: { a: { method: 'GET', path: '/a', bpmnErrors: { '200': 'OK' } } } }, /300 to 599/],
    ['a dotted operation name', { ...erp, operations: { 'a.b': { method: 'GET', path: '/a' } } }, /letters, digits/],
    ['an unknown auth type', { ...erp, auth: { type: 'oauth2' } }, /auth/],
    ['an unknown field', { ...erp, retries: 3 }, /retries/],
    ['a timeout below 100 ms', { ...erp, timeoutMs: 5 }, /timeoutMs/],
  ])('refuses %s', (_what, value, message) => {
    const issues = issuesOf(httpConnectorConfigSchema, JSON.parse(JSON.stringify(value)));
    expect(issues.join('\n')).toMatch(message);
  });
});

describe('OPC UA connector configuration', () => {
  const cell = {
    endpointUrl: 'opc.tcp://cell-7.plant.local:4840/UA/Cell',
    userToken: { type: 'username', username: 'gemba', password: 'opc-pw' },
    securityMode: 'SignAndEncrypt',
    securityPolicy: 'Basic256Sha256',
    operations: {
      readState: { type: 'read', nodeId: 'ns=2;s=Cell.StateCurrent', outputVariable: 'cellState' },
      setSpeed: { type: 'write', nodeId: 'ns=2;s=Cell.Speed', value: '${speed}', limits: { min: 0, max: 120 } },
      start: { type: 'call', objectId: 'ns=2;s=Cell', methodId: 'ns=2;s=Cell.Start', inputArguments: ['${orderId}'] },
    },
  };

  it('accepts node ids, limits and method calls, and maps to the gateway endpoint', () => {
    const config = opcuaConnectorConfigSchema.parse(cell);
    expect(config.operations.start).toMatchObject({ type: 'call', inputArguments: ['${orderId}'] });
    expect(toEquipmentEndpoint('cell7', config)).toMatchObject({
      id: 'cell7',
      url: cell.endpointUrl,
      securityMode: 'SignAndEncrypt',
      userIdentity: { type: 'username', username: 'gemba', password: 'opc-pw' },
    });
  });

  it.each([
    ['an http URL', { ...cell, endpointUrl: 'http://cell:4840' }, /opc\.tcp/],
    ['a malformed node id', { ...cell, operations: { r: { type: 'read', nodeId: 'Cell.State' } } }, /node id/],
    ['inverted limits', { ...cell, operations: { w: { type: 'write', nodeId: 'ns=2;s=X', value: 1, limits: { min: 5, max: 1 } } } }, /min must not exceed max/],
    ['security mode without a policy', { ...cell, securityPolicy: 'None' }, /securityMode None goes with securityPolicy None/],
  ])('refuses %s', (_what, value, message) => {
    expect(issuesOf(opcuaConnectorConfigSchema, value).join('\n')).toMatch(message);
  });
});

describe('connector secrets', () => {
  const box = createSecretBox(generateSecretKey());

  it('splits the secrets off, masks them, and puts them back for a call', () => {
    // given
    const config = connectorConfigSchema('http').parse(erp);

    // when
    const { publicConfig, secrets, changed } = splitSecrets('http', config);
    const sealed = sealSecrets(box, 'c-1', secrets);

    // then
    expect(publicConfig).toMatchObject({ auth: { type: 'basic', username: 'gemba', password: SECRET_PLACEHOLDER } });
    expect(JSON.stringify(publicConfig)).not.toContain('pw-1');
    expect(secrets).toEqual({ '/auth/password': 'pw-1' });
    expect(changed).toEqual(['/auth/password']);
    expect(sealed).not.toContain('pw-1');
    expect(revealConnectorConfig(box, { id: 'c-1', kind: 'http', config: publicConfig, secrets: sealed })).toEqual(config);
    expect(() => revealConnectorConfig(box, { id: 'c-2', kind: 'http', config: publicConfig, secrets: sealed })).toThrow(SecretBoxError);
  });

  it('keeps a stored secret for the placeholder and reports which secrets changed', () => {
    const previous = { '/auth/password': 'pw-1' };
    const kept = splitSecrets('http', connectorConfigSchema('http').parse({ ...erp, auth: { type: 'basic', username: 'other', password: '***' } }), previous);
    expect(kept.secrets).toEqual(previous);
    expect(kept.changed).toEqual([]);

    const switched = splitSecrets('http', connectorConfigSchema('http').parse({ ...erp, auth: { type: 'bearer', token: 't-2' } }), previous);
    expect(switched.secrets).toEqual({ '/auth/token': 't-2' });
    expect(switched.changed).toEqual(['/auth/password', '/auth/token']);
  });

  it('refuses a placeholder with nothing stored to keep', () => {
    const config = connectorConfigSchema('http').parse({ ...erp, auth: { type: 'apiKeyHeader', header: 'X-API-Key', value: '***' } });
    expect(() => splitSecrets('http', config, { '/auth/password': 'pw-1' })).toThrow(SecretPlaceholderError);
  });

  it('masks OPC UA user passwords too', () => {
    const masked = maskConnectorConfig('opcua', { endpointUrl: 'opc.tcp://x:4840', userToken: { type: 'username', username: 'u', password: 'p' } });
    expect(masked.userToken).toEqual({ type: 'username', username: 'u', password: SECRET_PLACEHOLDER });
  });
});
