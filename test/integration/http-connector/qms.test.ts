import { httpConnectorConfigSchema } from '../../../server/adapters/http/connector-config';
import { ConnectorBpmnError } from '../../../server/adapters/http/connector-port';
import { HttpConnector } from '../../../server/adapters/http/http-connector';
import { startQmsSimulator, type QmsSimulator } from '../../../server/adapters/simulators/qms';

let qms: QmsSimulator;
const http = new HttpConnector();
let connector: { name: string; config: ReturnType<typeof httpConnectorConfigSchema.parse> };

beforeAll(async () => {
  qms = await startQmsSimulator({ auth: { type: 'apiKeyHeader', header: 'X-API-Key', value: 'qms-key' } });
  connector = {
    name: 'qms',
    config: httpConnectorConfigSchema.parse({
      baseUrl: qms.url,
      auth: { type: 'apiKeyHeader', header: 'X-API-Key', value: 'qms-key' },
      operations: {
        createNonconformance: {
          method: 'POST',
          path: '/nonconformances',
          body: { title: 'Dimension out of tolerance on ${orderId}', severity: '${severity}', lot: '${lot}', orderId: '${orderId}', quantityAffected: '${quantity}', detectedBy: '${inspector}', source: 'gemba' },
          responseMapping: { ncNumber: '/ncNumber', ncStatus: '/status', ncLocation: '$headers.location' },
        },
        openDeviations: {
          method: 'GET',
          path: '/deviations',
          query: { lot: '${lot}' },
          responseMapping: { openDeviations: '/openCount', lotBlocked: '/blocking', firstDeviation: '/items/0/deviationNumber' },
          bpmnErrors: { '400': 'LOT_REQUIRED' },
        },
      },
    }),
  };
});
afterAll(async () => {
  await qms.close();
});
beforeEach(() => qms.reset());

const nc = { orderId: 'WO-1001', severity: 'major', lot: 'L-2026-001', quantity: 4, inspector: 'insp.kim' };

describe('HTTP connector against the simulated QMS', () => {
  it('creates a nonconformance and maps its NC number', async () => {
    // when
    const { output, status } = await http.invoke({ connector, operation: 'createNonconformance', variables: nc, idempotencyKey: 'job-nc-1' });

    // then
    expect(status).toBe(201);
    expect(output.ncNumber).toMatch(/^NC-\d{4}-00001$/);
    expect(output).toMatchObject({ ncStatus: 'OPEN', ncLocation: `/nonconformances/${output.ncNumber}` });
    expect(qms.nonconformances()).toEqual([
      expect.objectContaining({ title: 'Dimension out of tolerance on WO-1001', severity: 'major', lot: 'L-2026-001', quantityAffected: 4, detectedBy: 'insp.kim' }),
    ]);
  });

  it('creates one nonconformance however often a job retries after a 503', async () => {
    // given
    qms.failNext(2, 503);

    // when
    const attempts: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      attempts.push(await http.invoke({ connector, operation: 'createNonconformance', variables: nc, idempotencyKey: 'job-nc-2' }).catch((e: unknown) => e));
    }
    const again = await http.invoke({ connector, operation: 'createNonconformance', variables: nc, idempotencyKey: 'job-nc-2' });

    // then
    expect(attempts.slice(0, 2)).toEqual([expect.objectContaining({ retryable: true, status: 503 }), expect.objectContaining({ retryable: true, status: 503 })]);
    expect(attempts[2]).toMatchObject({ status: 201 });
    expect(again.output.ncNumber).toBe((attempts[2] as { output: { ncNumber: string } }).output.ncNumber);
    expect(qms.nonconformances()).toHaveLength(1);
  });

  it('lists the open deviations of a lot', async () => {
    const held = await http.invoke({ connector, operation: 'openDeviations', variables: { lot: 'L-2026-002' }, idempotencyKey: 'j1' });
    const clean = await http.invoke({ connector, operation: 'openDeviations', variables: { lot: 'L-2026-001' }, idempotencyKey: 'j2' });
    expect(held.output).toEqual({ openDeviations: 2, lotBlocked: true, firstDeviation: 'DEV-2026-0007' });
    expect(clean.output).toEqual({ openDeviations: 0, lotBlocked: false, firstDeviation: null });
  });

  it('raises a BPMN error when the QMS refuses the question', async () => {
    const error = await http.invoke({ connector, operation: 'openDeviations', variables: { lot: '' }, idempotencyKey: 'j' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorBpmnError);
    expect(error).toMatchObject({ code: 'LOT_REQUIRED', status: 400 });
  });
});
