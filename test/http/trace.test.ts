import { systemActor } from '../../server/auth/actor';
import { runCommand } from '../../server/commands/run-command';
import { recordGenealogyEvent, type GenealogyInput, type GenealogyOrigin } from '../../server/traceability/record-genealogy-event';
import { advanceClock } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// GET /api/v1/trace/:identifier (T02), /trace/:identifier/where-used and /exposure (T03) over a
// known genealogy: resin lot R-1 → moulded lot M-1 → assembled lot A-1 → pallet P-1, plus an
// unrelated lot X-1 made on another machine by another person an hour later.

const HOUR = 3_600_000;
const origin = (performedBy: string): GenealogyOrigin => ({
  instanceId: null,
  processKey: 'operation-execution',
  versionId: null,
  versionSha256: 'f'.repeat(64),
  activityId: 'RecordConsumption',
  taskId: null,
  jobId: null,
  performedBy,
  performedByName: performedBy,
});
const event = (input: Partial<GenealogyInput> & Pick<GenealogyInput, 'eventType' | 'material' | 'lot'>): GenealogyInput => ({ quantity: 1, uom: 'EA', ...input });

describe('Traceability API', () => {
  let app: TestApp;
  let quality: Awaited<ReturnType<typeof signedInUser>>;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let morning: Date;
  const record = (input: GenealogyInput, by = 'op.jane') => runCommand(app.deps, systemActor('test'), {}, (ctx) => recordGenealogyEvent(ctx, input, origin(by)));

  beforeAll(async () => {
    app = await startTestApp({ GEMBA_SESSION_IDLE_MINUTES: '100000' });
    quality = await signedInUser(app, ['quality']);
    admin = await signedInUser(app, ['admin']);
    morning = app.deps.clock.now();
    await record(event({ eventType: 'consume', material: 'RES-1', lot: 'R-1', quantity: 12.5, uom: 'KG', intoLot: 'M-1', intoMaterial: 'MLD-1', equipmentId: 'press-1', orderId: 'WO-1' }));
    await record(event({ eventType: 'produce', material: 'MLD-1', lot: 'M-1', quantity: 500, equipmentId: 'press-1', orderId: 'WO-1' }));
    await record(event({ eventType: 'consume', material: 'MLD-1', lot: 'M-1', quantity: 500, intoLot: 'A-1', intoMaterial: 'ASM-1', equipmentId: 'line-2', orderId: 'WO-2' }));
    await record(event({ eventType: 'consume', material: 'ASM-1', lot: 'A-1', quantity: 500, intoLot: 'P-1', intoMaterial: 'PAL-1', orderId: 'WO-3' }));
    await advanceClock(app, admin, 2 * HOUR);
    await record(event({ eventType: 'produce', material: 'MLD-1', lot: 'X-1', quantity: 10, equipmentId: 'press-2', orderId: 'WO-9' }), 'op.max');
  });
  afterAll(async () => {
    await app?.close();
  });

  const ids = (nodes: Array<{ identifier: string }>) => nodes.map((n) => n.identifier).sort();

  it('traces a pallet backward through every level to the raw material, with the query to re-run it', async () => {
    const response = await app.http.get('/api/v1/trace/P-1?direction=backward').set(quality.auth);
    expect(response.status).toBe(200);
    expect(ids(response.body.nodes)).toEqual(['A-1', 'M-1', 'P-1', 'R-1']);
    expect(ids(response.body.ends)).toEqual(['R-1']);
    expect(response.body.summary).toEqual({ nodes: 4, edges: 3, maxDepth: 3 });
    expect(response.body.query).toMatchObject({ identifier: 'P-1', direction: 'backward', depth: 10, asOf: expect.any(String) });
    const resin = response.body.edges.find((e: { from: string }) => e.from === 'lot:RES-1:R-1');
    expect(resin).toMatchObject({ to: 'lot:MLD-1:M-1', depth: 3, quantity: 12.5, uom: 'KG', event: expect.objectContaining({ equipmentId: 'press-1', performedBy: 'op.jane', orderId: 'WO-1' }) });
    expect(response.body.truncated).toBe(false);
  });

  it('traces a resin lot forward to the pallet it ended up in', async () => {
    const response = await app.http.get('/api/v1/trace/R-1?direction=forward').set(quality.auth);
    expect(response.status).toBe(200);
    expect(ids(response.body.ends)).toEqual(['P-1']);
    expect(response.body.nodes.map((n: { identifier: string; depth: number }) => `${n.identifier}@${n.depth}`)).toEqual(['R-1@0', 'M-1@1', 'A-1@2', 'P-1@3']);
  });

  it('stops at the depth asked for and says the trace is truncated', async () => {
    const response = await app.http.get('/api/v1/trace/P-1?direction=backward&depth=1').set(quality.auth);
    expect(response.status).toBe(200);
    expect(ids(response.body.nodes)).toEqual(['A-1', 'P-1']);
    expect(response.body.truncated).toBe(true);
  });

  it('answers as of an earlier time with what was recorded then', async () => {
    const response = await app.http.get(`/api/v1/trace/M-1?direction=forward&asOf=${new Date(morning.getTime() - 1).toISOString()}`).set(quality.auth);
    expect(response.status).toBe(404);
  });

  it('lists where a lot was used: its direct consumer and the end items', async () => {
    const response = await app.http.get('/api/v1/trace/M-1/where-used').set(quality.auth);
    expect(response.status).toBe(200);
    expect(response.body.usedIn).toEqual([expect.objectContaining({ item: 'lot:ASM-1:A-1', quantity: 500, uom: 'EA', eventType: 'consume', orderId: 'WO-2' })]);
    expect(ids(response.body.endItems)).toEqual(['P-1']);
  });

  it('finds the units exposed to a machine in a window, and not those outside it (T03)', async () => {
    const from = new Date(morning.getTime() - HOUR).toISOString();
    const to = new Date(morning.getTime() + HOUR).toISOString();
    const press1 = await app.http.get(`/api/v1/exposure?equipmentId=press-1&from=${from}&to=${to}`).set(quality.auth);
    expect(press1.status).toBe(200);
    expect(press1.body.units.map((u: { identifier: string; role: string }) => `${u.identifier}:${u.role}`)).toEqual(['M-1:output', 'R-1:processed']);
    const press2 = await app.http.get(`/api/v1/exposure?equipmentId=press-2&from=${from}&to=${to}`).set(quality.auth);
    expect(press2.body.units).toEqual([]);
    const byPerson = await app.http.get(`/api/v1/exposure?performedBy=op.max&from=${from}&to=${new Date(morning.getTime() + 3 * HOUR).toISOString()}`).set(quality.auth);
    expect(byPerson.body.units.map((u: { identifier: string }) => u.identifier)).toEqual(['X-1']);
  });

  it('refuses bad parameters with a problem, and an unknown lot with 404', async () => {
    const bad = [
      '/api/v1/trace/P-1?direction=sideways',
      '/api/v1/trace/P-1?depth=0',
      '/api/v1/trace/P-1?depth=51',
      '/api/v1/trace/P-1?asOf=yesterday',
      '/api/v1/trace/P-1?unknown=1',
      `/api/v1/exposure?from=${morning.toISOString()}&to=${morning.toISOString()}`,
      `/api/v1/exposure?equipmentId=press-1&version=2&from=${morning.toISOString()}&to=${morning.toISOString()}`,
      '/api/v1/exposure?equipmentId=press-1',
    ];
    for (const url of bad) {
      const response = await app.http.get(url).set(quality.auth);
      expect({ url, status: response.status, type: response.headers['content-type'] }).toEqual({ url, status: 400, type: expect.stringMatching(/application\/problem\+json/) });
    }
    const unknown = await app.http.get('/api/v1/trace/NO-SUCH-LOT').set(quality.auth);
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/NO-SUCH-LOT/);
    expect((await app.http.get('/api/v1/trace/P-1')).status).toBe(401);
  });
});
