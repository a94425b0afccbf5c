import { systemActor } from '../../server/auth/actor';
import { runCommand } from '../../server/commands/run-command';
import { monitoringConfigSchema } from '../../server/equipment/monitoring-config';
import { recordObservation, type Observation } from '../../server/equipment/record-observation';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

const config = monitoringConfigSchema.parse({ nodes: { state: 'ns=1;s=State', processed: 'ns=1;s=Processed', defective: 'ns=1;s=Defective' } });
const source = { equipmentId: 'press-7', config, clusterNode: 'node-a' };
// Ten minutes ago: the KPIs count only up to now.
const T0 = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000;
const at = (seconds: number) => new Date(T0 + seconds * 1000);

function reading(role: 'state' | 'processed' | 'defective', value: unknown, seconds: number, receivedAfter = seconds): Observation {
  return { kind: 'reading', role, nodeId: `ns=1;s=${role}`, value, statusCode: 'Good', good: true, sourceTimestamp: at(seconds), receivedAt: at(receivedAfter) };
}

describe('Feature: OEE counts each part once, whatever order the counters arrive in', () => {
  let app: TestApp;
  let supervisor: Awaited<ReturnType<typeof signedInUser>>;
  beforeAll(async () => {
    app = await startTestApp();
    supervisor = await signedInUser(app, ['supervisor']);
  });
  afterAll(async () => {
    await app.close();
  });

  const observe = (observation: Observation) =>
    runCommand(app.deps, systemActor('equipment-monitor'), { requestId: 'test' }, (ctx) => recordObservation(ctx, app.deps.engine, source, observation));

  it('Given a press running, When its defective count arrives after a newer processed count, Then the window counts 40 parts, 4 defective', async () => {
    await observe(reading('state', 'Execute', 0));
    await observe(reading('processed', 0, 1));
    await observe(reading('defective', 0, 1));
    await observe(reading('processed', 28, 10));
    // The server stamped defective 4 at 8 s, before processed 28 (10 s) and 40 (30 s); its notification arrived last.
    await observe(reading('processed', 40, 30));
    await observe(reading('defective', 4, 8, 31));

    const samples = await app.deps.db('equipment_samples').where({ equipment_id: 'press-7', kind: 'counter' }).orderBy('source_timestamp').orderBy('id');
    const counts = samples.map((s) => Number(s.processed_count));
    // Cumulative counts never go down over time: no false reset.
    expect(counts).toEqual([...counts].sort((a, b) => a - b));

    const kpis = await app.http.get(`/api/v1/kpis?from=${at(0).toISOString()}&to=${at(60).toISOString()}`).set(supervisor.auth);
    expect(kpis.status).toBe(200);
    const oee = kpis.body.figures.oee.find((f: { equipmentId: string }) => f.equipmentId === 'press-7');
    expect(oee.value).toMatchObject({ totalCount: 40, defectiveCount: 4, goodCount: 36, quality: 0.9 });
  });
});
