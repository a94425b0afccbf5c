import { randomUUID } from 'node:crypto';
import { systemActor } from '../../server/auth/actor';
import { runCommand } from '../../server/commands/run-command';
import { BuiltInBpmnError, BuiltInFailure, findBuiltIn } from '../../server/jobs/built-in-connectors';
import { registerGauge } from '../../server/platform/gauges';
import { platformOperations } from '../../server/platform/operations';
import { rebuildGenealogyProjection } from '../../server/repos/genealogy.repo';
import { applyToProjection } from '../../server/traceability/record-genealogy-event';
import { traceGenealogy } from '../../server/traceability/trace';
import { startTestApp, type TestApp } from '../support/test-app';

// The built-in `gemba` operations against a real database, called as the job worker calls them:
// inside a command's transaction, with the job id as idempotency key.

let app: TestApp;
const operations = platformOperations();
beforeAll(async () => {
  app = await startTestApp({ GEMBA_JOBS_ENABLED: 'false' });
});
afterAll(async () => {
  await app?.close();
});

/** Runs one operation in a transaction of its own, with a savepoint, as handlers.ts does. */
async function call(operation: string, variables: Record<string, unknown>, jobId = randomUUID()) {
  const run = operations.get(operation)!;
  return runCommand(app.deps, systemActor('job-worker'), { requestId: `job:${jobId}` }, (ctx) =>
    ctx.trx.transaction((savepoint) => run({ ...ctx, trx: savepoint }, { variables, jobId, instanceId: null, key: null, businessKey: null, engine: app.deps.engine })),
  );
}

async function expectBpmnError(promise: Promise<unknown>, code: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(BuiltInBpmnError);
  expect((error as BuiltInBpmnError).code).toBe(code);
}

describe('the gemba connector', () => {
  it('offers every operation of processes/connectors.json', () => {
    // given
    const contract = require('../../processes/connectors.json') as { operations: Array<{ connector: string; operation: string }> };
    const builtIns = new Map([['gemba', operations]]);

    // then
    const gemba = contract.operations.filter((o) => o.connector === 'gemba').map((o) => o.operation);
    expect(gemba.length).toBeGreaterThan(5);
    for (const name of gemba) expect(findBuiltIn(builtIns, 'gemba', name)).toEqual(expect.any(Function));
  });
});

describe('recordGenealogy, placeHold, releaseHold, checkHold', () => {
  it('records a consumption into the output lot with the origin, and answers a repeated job with the same event', async () => {
    // given
    const jobId = randomUUID();
    const input = { eventType: 'consume', material: 'RM-1', lot: 'L-100', quantity: 10.5, uom: 'KG', intoLot: 'OUT-100', intoMaterial: 'FG-1', orderId: 'WO-100', operation: '0010', equipmentId: 'cell-9' };

    // when
    const first = await call('recordGenealogy', input, jobId);
    const again = await call('recordGenealogy', input, jobId);

    // then
    expect(first.genealogyEventId).toEqual(expect.any(String));
    expect(again).toEqual(first);
    const rows = await app.deps.db('genealogy_events').where({ lot: 'L-100' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event_type: 'consume', into_lot: 'OUT-100', into_material: 'FG-1', uom: 'KG', equipment_id: 'cell-9', order_id: 'WO-100', job_id: jobId });
    expect(Number(rows[0].quantity)).toBe(10.5);
    const edges = await app.deps.db('genealogy_edges').where({ event_id: first.genealogyEventId });
    expect(edges).toHaveLength(1);
  });

  it('refuses to consume a held lot with LOT_ON_HOLD (W18), until the hold is released', async () => {
    // given
    await call('recordGenealogy', { eventType: 'produce', material: 'RM-2', lot: 'L-200', quantity: 50, uom: 'EA' });
    const hold = await call('placeHold', { lot: 'L-200', material: 'RM-2', reason: 'Incoming inspection failed', reference: 'NC-1' });
    const same = await call('placeHold', { lot: 'L-200', material: 'RM-2', reason: 'Incoming inspection failed', reference: 'NC-1' });

    // when / then
    expect(same.holdId).toBe(hold.holdId);
    expect(await call('checkHold', { lot: 'L-200' })).toMatchObject({ onHold: true });
    await expectBpmnError(call('recordGenealogy', { eventType: 'consume', material: 'RM-2', lot: 'L-200', quantity: 5, uom: 'EA', intoLot: 'OUT-200', intoMaterial: 'FG-2' }), 'LOT_ON_HOLD');
    expect(await app.deps.db('genealogy_events').where({ lot: 'L-200', event_type: 'consume' })).toHaveLength(0);

    const released = await call('releaseHold', { lot: 'L-200', reason: 'MRB use-as-is', reference: 'NC-1' });
    expect(released.releasedAt).toEqual(expect.any(String));
    expect(await call('checkHold', { lot: 'L-200' })).toMatchObject({ onHold: false });
    await call('recordGenealogy', { eventType: 'consume', material: 'RM-2', lot: 'L-200', quantity: 5, uom: 'EA', intoLot: 'OUT-200', intoMaterial: 'FG-2' });

    // the hold and its release are genealogy status events, and the hold keeps its history
    const statuses = await app.deps.db('genealogy_events').where({ lot: 'L-200', event_type: 'status' }).orderBy('seq');
    expect(statuses.map((s) => [s.status_from, s.status_to, s.reference])).toEqual([
      ['active', 'on_hold', 'NC-1'],
      ['on_hold', 'active', 'NC-1'],
    ]);
    const [row] = await app.deps.db('lot_holds').where({ id: hold.holdId });
    expect(row).toMatchObject({ status: 'released', release_reason: 'MRB use-as-is' });
  });

  it('releases every active hold of a lot, and a second release changes nothing', async () => {
    // given
    await call('placeHold', { lot: 'L-300', material: 'FG-3', reason: 'Rejected at final inspection', reference: 'inspection L-300' });
    await call('placeHold', { lot: 'L-300', material: 'FG-3', reason: 'Nonconformance', reference: 'NC-3' });

    // when
    const first = await call('releaseHold', { lot: 'L-300', reason: 'MRB rework and re-inspection passed', reference: 'NC-3' });
    const second = await call('releaseHold', { lot: 'L-300', reason: 'again', reference: 'NC-3' });

    // then
    expect(first.releasedHolds).toBe(2);
    expect(second.releasedHolds).toBe(0);
    expect(second.releasedAt).toBe(first.releasedAt);
    expect(await app.deps.db('lot_holds').where({ lot: 'L-300', status: 'active' })).toHaveLength(0);
  });

  it('keeps serial numbers unique per part number (T05): a second produce of the same serial is refused', async () => {
    // given
    await call('recordGenealogy', { eventType: 'produce', material: 'P-1', serial: 'SN-0001', quantity: 1, uom: 'EA' });

    // when
    const again = call('recordGenealogy', { eventType: 'produce', material: 'P-1', serial: 'SN-0001', quantity: 1, uom: 'EA' });

    // then
    await expect(again).rejects.toMatchObject({ code: '23505' });
    await call('recordGenealogy', { eventType: 'produce', material: 'P-2', serial: 'SN-0001', quantity: 1, uom: 'EA' });
    expect(await app.deps.db('genealogy_items').where({ kind: 'serial', identifier: 'SN-0001' })).toHaveLength(2);
  });

  it('keeps the log append-only', async () => {
    await expect(app.deps.db('genealogy_events').update({ quantity: 1 })).rejects.toThrow(/append-only/);
    await expect(app.deps.db('genealogy_events').del()).rejects.toThrow(/append-only/);
  });

  it('refuses an input that breaks the contract as an incident (BuiltInFailure)', async () => {
    await expect(call('recordGenealogy', { eventType: 'teleport', material: 'X', lot: 'L', quantity: 1, uom: 'EA' })).rejects.toBeInstanceOf(BuiltInFailure);
    await expect(call('recordGenealogy', { eventType: 'consume', material: 'X', lot: 'L', quantity: -1, uom: 'EA' })).rejects.toBeInstanceOf(BuiltInFailure);
  });

  it('rebuilds the same graph from the log', async () => {
    // given
    const before = await traceGenealogy(app.deps.db, { identifier: 'OUT-100', direction: 'backward', depth: 10 }, new Date(Date.now() + 1000));

    // when
    await runCommand(app.deps, systemActor('test'), {}, (ctx) => rebuildGenealogyProjection(ctx.trx, applyToProjection));

    // then
    const after = await traceGenealogy(app.deps.db, { identifier: 'OUT-100', direction: 'backward', depth: 10 }, new Date(Date.now() + 1000));
    expect(after.nodes.map((n) => [n.material, n.identifier, n.depth])).toEqual(before.nodes.map((n) => [n.material, n.identifier, n.depth]));
    expect(after.edges.map((e) => e.eventId)).toEqual(before.edges.map((e) => e.eventId));
  });
});

describe('aqlSampleSize', () => {
  it('computes the Z1.4 plan and returns every output of the contract', async () => {
    expect(await call('aqlSampleSize', { lotSize: 500, aql: '1.0', inspectionLevel: 'II', switchingState: 'normal' })).toMatchObject({ codeLetter: 'H', sampleSize: 50, acceptNumber: 1, rejectNumber: 2 });
    expect(await call('aqlSampleSize', { lotSize: 1000, aql: '2.5', inspectionLevel: 'II', switchingState: 'tightened' })).toMatchObject({ codeLetter: 'J', sampleSize: 80, acceptNumber: 3, rejectNumber: 4 });
  });

  it('makes an AQL outside the tables an incident', async () => {
    await expect(call('aqlSampleSize', { lotSize: 500, aql: '1.2', inspectionLevel: 'II', switchingState: 'normal' })).rejects.toBeInstanceOf(BuiltInFailure);
  });
});

describe('checkGaugeCalibration', () => {
  beforeAll(async () => {
    const today = new Date();
    const inDays = (days: number) => new Date(today.getTime() + days * 86_400_000).toISOString().slice(0, 10);
    await runCommand(app.deps, systemActor('test'), {}, async (ctx) => {
      await registerGauge(ctx, 'G-1001', { description: 'Caliper', location: null, status: 'active', calibratedOn: inDays(-10), calibrationDue: inDays(100), certificate: null, reason: 'test data' });
      await registerGauge(ctx, 'G-0007', { description: 'Old caliper', location: null, status: 'active', calibratedOn: null, calibrationDue: inDays(-1), certificate: null, reason: 'test data' });
      await registerGauge(ctx, 'G-0008', { description: 'Retired', location: null, status: 'retired', calibratedOn: null, calibrationDue: inDays(100), certificate: null, reason: 'test data' });
    });
  });

  it('answers the due date of a calibrated gauge', async () => {
    const due = new Date(Date.now() + 100 * 86_400_000).toISOString().slice(0, 10);
    expect(await call('checkGaugeCalibration', { gaugeId: 'G-1001' })).toEqual({ calibrationDue: due });
  });

  it.each([['G-0007'], ['G-0008'], ['G-9999']])('raises GAUGE_NOT_CALIBRATED for %s (expired, retired, unknown)', async (gaugeId) => {
    await expectBpmnError(call('checkGaugeCalibration', { gaugeId }), 'GAUGE_NOT_CALIBRATED');
  });

  it('audits the register', async () => {
    const entries = await app.deps.db('audit_events').where({ entity_type: 'Gauge', entity_id: 'G-1001' });
    expect(entries.map((e) => e.action)).toEqual(['gauge.registered']);
  });
});

describe('getProcessVersion and notify', () => {
  it('answers not-found with null fields when there is no such version', async () => {
    const none = { versionId: null, versionKey: null, versionNumber: null, versionStatus: 'not-found', versionSha256: null };
    expect(await call('getProcessVersion', { processKey: 'no-such-process' })).toEqual(none);
    expect(await call('getProcessVersion', { versionId: 'not-a-uuid' })).toEqual(none);
    expect(await call('getProcessVersion', { versionId: randomUUID() })).toEqual(none);
  });

  it('records a notification and sends it live to the roles', async () => {
    // given
    const before = app.published.length;

    // when
    const result = await call('notify', { tier: 4, roles: 'supervisor,quality', subject: 'Line 3 down', eventClass: 'andon' });

    // then
    expect(result).toMatchObject({ notifiedAt: expect.any(String), notificationId: expect.any(String) });
    const [row] = await app.deps.db('notifications').where({ id: result.notificationId });
    expect(row).toMatchObject({ tier: 4, roles: ['supervisor', 'quality'], subject: 'Line 3 down' });
    const event = app.published.slice(before).find((e) => e.type === 'notification.sent');
    expect(event?.audience).toEqual({ roles: ['supervisor', 'quality'] });
    expect(event?.seq).toEqual(expect.any(Number));
  });

  it('refuses an unknown role', async () => {
    await expect(call('notify', { tier: 2, roles: 'plant_manager', subject: 'x', eventClass: 'andon' })).rejects.toBeInstanceOf(BuiltInFailure);
  });
});
