import { httpConnectorConfigSchema, type HttpConnectorConfig } from '../../../server/adapters/http/connector-config';
import { ConnectorBpmnError, ConnectorFailedError, ConnectorRetryableError, type ConnectorResult } from '../../../server/adapters/http/connector-port';
import { HttpConnector } from '../../../server/adapters/http/http-connector';
import { startErpSimulator, type ErpSimulator } from '../../../server/adapters/simulators/erp';

// The HTTP connector against the simulated ERP on 127.0.0.1: what a service task's job does.

let erp: ErpSimulator;
let connector: { name: string; config: HttpConnectorConfig };
const http = new HttpConnector();

beforeAll(async () => {
  erp = await startErpSimulator();
  connector = {
    name: 'erp',
    config: httpConnectorConfigSchema.parse({
      baseUrl: erp.url,
      timeoutMs: 2000,
      operations: {
        checkMaterial: {
          method: 'GET',
          path: '/materials/${material}/availability',
          query: { quantity: '${quantity}', lot: '${lot}' },
          responseMapping: { available: '/available', sufficient: '/sufficient', lotStatus: 'lot.status', unit: '/unit' },
        },
        confirmOrder: {
          method: 'POST',
          path: '/orders/${orderId}/confirmations',
          body: { operation: '${operation}', yieldQuantity: '${yieldQuantity}', scrapQuantity: '${scrapQuantity}', unit: 'EA', finalConfirmation: '${final}', personnel: '${operator}' },
          responseMapping: { confirmationNumber: '/confirmationNumber', orderStatus: '/orderStatus' },
          bpmnErrors: { '409': 'CONFLICT' },
          timeoutMs: 300,
        },
        acknowledgeOrder: {
          method: 'POST',
          path: '/orders/${orderId}/acknowledgements',
          body: { acknowledgedBy: '${operator}' },
          responseMapping: { acknowledgementId: '/acknowledgementId' },
        },
      },
    }),
  };
});
afterAll(async () => {
  await erp.close();
});
beforeEach(() => {
  erp.reset();
});

const confirmation = { orderId: 'WO-1001', operation: '0010', yieldQuantity: 95, scrapQuantity: 5, final: true, operator: 'op.anna' };

/** What the job system does: call, and on a retryable error call again with the same job id. */
async function runLikeAJob(jobId: string, operation: string, variables: Record<string, unknown>, maxAttempts = 3) {
  const failures: ConnectorRetryableError[] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      const result: ConnectorResult = await http.invoke({ connector, operation, variables, idempotencyKey: jobId });
      return { result, failures };
    } catch (error) {
      if (!(error instanceof ConnectorRetryableError) || attempt >= maxAttempts) throw error;
      failures.push(error);
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

describe('HTTP connector against the simulated ERP', () => {
  it('checks material availability and maps the answer into variables', async () => {
    // when
    const { output, status, durationMs } = await http.invoke({
      connector,
      operation: 'checkMaterial',
      variables: { material: 'RM-1001', quantity: 50, lot: 'L-2026-002' },
      idempotencyKey: 'job-1',
    });

    // then
    expect(status).toBe(200);
    expect(durationMs).toBeGreaterThanOrEqual(0);
    expect(output).toEqual({ available: 100, sufficient: false, lotStatus: 'QC-HOLD', unit: 'KG' });
    const [call] = erp.calls();
    expect(call).toMatchObject({ method: 'GET', path: '/materials/RM-1001/availability', query: { quantity: '50', lot: 'L-2026-002' } });
    expect(call.headers['idempotency-key']).toBe('job-1');
  });

  it('leaves out a query parameter whose variable is null', async () => {
    const { output } = await http.invoke({ connector, operation: 'checkMaterial', variables: { material: 'RM-1001', quantity: 50, lot: null }, idempotencyKey: 'job-2' });
    expect(output).toMatchObject({ available: 100, sufficient: true, lotStatus: null });
    expect(erp.calls()[0].query).toEqual({ quantity: '50' });
  });

  it('survives a 503 with a retry, and the ERP counts the confirmation once', async () => {
    // given
    erp.failNext(1, 503, { method: 'POST', path: '/orders' });

    // when
    const { result, failures } = await runLikeAJob('job-503', 'confirmOrder', confirmation);

    // then
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'status', status: 503, retryable: true });
    expect(result.output).toEqual({ confirmationNumber: 'CNF-00000001', orderStatus: 'CONFIRMED' });
    expect(erp.confirmations()).toHaveLength(1);
    expect(erp.confirmations()[0]).toMatchObject({ orderId: 'WO-1001', yieldQuantity: 95, scrapQuantity: 5, personnel: 'op.anna' });
    const posts = erp.calls().filter((call) => call.method === 'POST');
    expect(posts.map((call) => [call.status, call.injected, call.headers['idempotency-key']])).toEqual([
      [503, true, 'job-503'],
      [201, false, 'job-503'],
    ]);
    expect(erp.order('WO-1001')).toMatchObject({ status: 'CONFIRMED', confirmedYield: 95 });
  });

  it('survives a lost answer: the retry with the same key is answered again, not posted again', async () => {
    // given: the ERP posts the confirmation, then answers after the connector has given up
    erp.delayNext(800, 1, { method: 'POST' });

    // when
    const { result, failures } = await runLikeAJob('job-timeout', 'confirmOrder', confirmation);

    // then
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'timeout', retryable: true });
    expect(failures[0].message).toMatch(/did not answer within 300 ms/);
    expect(result.output).toEqual({ confirmationNumber: 'CNF-00000001', orderStatus: 'CONFIRMED' });
    expect(erp.confirmations()).toHaveLength(1);
    expect(erp.calls().filter((call) => call.method === 'POST').map((call) => call.replayed)).toEqual([false, true]);
  });

  it('raises the configured BPMN error for a 409, without retrying', async () => {
    // given: the order is already finally confirmed by another job
    await http.invoke({ connector, operation: 'confirmOrder', variables: confirmation, idempotencyKey: 'job-a' });

    // when
    const error = await http.invoke({ connector, operation: 'confirmOrder', variables: confirmation, idempotencyKey: 'job-b' }).catch((e: unknown) => e);

    // then
    expect(error).toBeInstanceOf(ConnectorBpmnError);
    expect(error).toMatchObject({ code: 'CONFLICT', status: 409, retryable: false, body: { error: 'ORDER_ALREADY_CONFIRMED' } });
    expect(erp.confirmations()).toHaveLength(1);
  });

  it('fails for good on a 4xx the model does not handle, with the answer for the incident', async () => {
    // when
    const unknown = await http.invoke({ connector, operation: 'checkMaterial', variables: { material: 'NOPE', quantity: 1, lot: null }, idempotencyKey: 'j' }).catch((e: unknown) => e);
    const invalid = await http.invoke({ connector, operation: 'confirmOrder', variables: { ...confirmation, yieldQuantity: -1 }, idempotencyKey: 'k' }).catch((e: unknown) => e);

    // then
    expect(unknown).toBeInstanceOf(ConnectorFailedError);
    expect(unknown).toMatchObject({ reason: 'status', status: 404, retryable: false, details: { responseBody: { error: 'MATERIAL_NOT_FOUND' } } });
    expect(invalid).toMatchObject({ status: 422, details: { responseBody: { error: 'INVALID_CONFIRMATION' } } });
  });

  it('treats 429 as retryable and passes on Retry-After', async () => {
    erp.failNext(1, 429, { retryAfterSeconds: 2 });
    const error = await http.invoke({ connector, operation: 'acknowledgeOrder', variables: { orderId: 'WO-1002', operator: 'sup.ben' }, idempotencyKey: 'job-429' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorRetryableError);
    expect(error).toMatchObject({ reason: 'status', status: 429, retryAfterMs: 2000 });
    expect(erp.acknowledgements()).toHaveLength(0);
  });

  it('refuses to reuse a job id for a different request', async () => {
    await http.invoke({ connector, operation: 'acknowledgeOrder', variables: { orderId: 'WO-1002', operator: 'sup.ben' }, idempotencyKey: 'job-x' });
    const error = await http.invoke({ connector, operation: 'acknowledgeOrder', variables: { orderId: 'WO-1002', operator: 'someone-else' }, idempotencyKey: 'job-x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 422, retryable: false });
    expect(erp.acknowledgements()).toHaveLength(1);
  });

  it('fails without calling when a template cannot render or the operation is unknown', async () => {
    const missing = await http.invoke({ connector, operation: 'confirmOrder', variables: { orderId: 'WO-1001' }, idempotencyKey: 'j' }).catch((e: unknown) => e);
    const unknown = await http.invoke({ connector, operation: 'cancelOrder', variables: {}, idempotencyKey: 'j' }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ reason: 'template', retryable: false });
    expect((missing as Error).message).toMatch(/Unknown property used in expression: operation/);
    expect(unknown).toMatchObject({ reason: 'unknown_operation', retryable: false });
    expect(erp.calls()).toHaveLength(0);
  });

  it('reports an abort by the caller as retryable', async () => {
    // given
    erp.delayNext(500);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    // when
    const error = await http
      .invoke({ connector, operation: 'checkMaterial', variables: { material: 'RM-1001', quantity: 1, lot: null }, idempotencyKey: 'j', signal: controller.signal })
      .catch((e: unknown) => e);

    // then
    expect(error).toMatchObject({ reason: 'aborted', retryable: true });
  });

  it('reports a refused connection as a retryable network error', async () => {
    // given: a port nobody listens on any more
    const gone = await startErpSimulator();
    await gone.close();
    const offline = { name: 'erp', config: { ...connector.config, baseUrl: gone.url } };

    // when
    const error = await http.invoke({ connector: offline, operation: 'checkMaterial', variables: { material: 'RM-1001', quantity: 1, lot: null }, idempotencyKey: 'j' }).catch((e: unknown) => e);

    // then
    expect(error).toBeInstanceOf(ConnectorRetryableError);
    expect(error).toMatchObject({ reason: 'network', details: { errorCode: 'ECONNREFUSED' } });
  });

  it('can be made to fail on demand over its HTTP control API', async () => {
    // given
    const control = await fetch(`${erp.url}/_sim/fail-next`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 2, status: 502 }) });
    expect(control.status).toBe(204);

    // when
    const { failures } = await runLikeAJob('job-ctl', 'checkMaterial', { material: 'RM-2002', quantity: 10, lot: null });

    // then
    expect(failures.map((f) => f.status)).toEqual([502, 502]);
    const calls = (await (await fetch(`${erp.url}/_sim/calls`)).json()) as { total: number };
    expect(calls.total).toBe(3);
  });
});
