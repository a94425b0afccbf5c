import { systemActor } from '../../server/auth/actor';
import { runCommand } from '../../server/commands/run-command';
import { recordEquipmentSamples } from '../../server/kpis/equipment-profile';
import { buildProcess } from '../support/bpmn-builder';
import { advanceClock, deployReleased } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// GET /api/v1/kpis (K01, K02) over data whose figures are known: a process run whose instance
// and user task take 30 minutes; a task past its due date; nonconformance, deviation and CAPA
// records of a stand-in deviation-capa model of known age; and a machine's PackML states and
// counters in a 10-minute window. Every figure carries its definition and inputs.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// The KPI reads the key, the recordType variable and the DecideCapa history of deviation-capa.
const records = buildProcess({
  id: 'deviation-capa',
  name: 'Nonconformance, deviation and CAPA (stand-in)',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Start' },
    { id: 'DecideCapa', type: 'userTask', name: 'Decide CAPA need', attrs: { 'camunda:candidateGroups': 'quality' } },
    { id: 'Capa', type: 'userTask', name: 'Work the CAPA', attrs: { 'camunda:candidateGroups': 'quality', 'camunda:dueDate': 'P20D' } },
    { id: 'End', type: 'endEvent', name: 'End' },
  ],
  flows: [
    { from: 'Start', to: 'DecideCapa' },
    { from: 'DecideCapa', to: 'Capa' },
    { from: 'Capa', to: 'End' },
  ],
});
const work = buildProcess({
  id: 'kpi-work',
  name: 'A unit of work',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Start' },
    { id: 'Work', type: 'userTask', name: 'Do the work', attrs: { 'camunda:candidateGroups': 'operator', 'camunda:dueDate': 'PT1H' } },
    { id: 'End', type: 'endEvent', name: 'End' },
  ],
  flows: [
    { from: 'Start', to: 'Work' },
    { from: 'Work', to: 'End' },
  ],
});

describe('KPI API', () => {
  let app: TestApp;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let quality: Awaited<ReturnType<typeof signedInUser>>;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  let owner: Awaited<ReturnType<typeof signedInUser>>;
  let windowStart: Date;
  /** Start of the machine's sample window. */
  let t0: number;
  const start = async (key: string, variables: Record<string, unknown>, as = quality) => {
    const response = await app.http.post(`/api/v1/processes/${key}/instances`).set(as.auth).send({ variables });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  const completeTask = async (instanceId: string, activityId: string, as: typeof quality, variables: Record<string, unknown> = {}) => {
    const [task] = (await app.http.get(`/api/v1/tasks?${new URLSearchParams({ instanceId, activityId, view: 'workable' })}`).set(as.auth)).body.items;
    const response = await app.http.post(`/api/v1/tasks/${task.id}/complete`).set(as.auth).send({ variables });
    expect(response.status).toBe(200);
  };
  const kpis = async (query = '') => {
    const response = await app.http.get(`/api/v1/kpis${query}`).set(quality.auth);
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    app = await startTestApp({ GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000' });
    admin = await signedInUser(app, ['admin']);
    quality = await signedInUser(app, ['quality']);
    operator = await signedInUser(app, ['operator']);
    owner = await signedInUser(app, ['process_owner']);
    await deployReleased(app, records);
    await deployReleased(app, work);
    windowStart = app.deps.clock.now();

    // an NC 40 days old, decided to need a CAPA 35 days ago; a deviation 10 days old; an NC 2 days old
    const capa = await start('deviation-capa', { recordType: 'nonconformance' });
    await advanceClock(app, admin, 5 * DAY);
    await completeTask(capa, 'DecideCapa', quality, { capaRequired: 'yes' });
    await advanceClock(app, admin, 25 * DAY);
    await start('deviation-capa', { recordType: 'deviation' });
    await advanceClock(app, admin, 8 * DAY);
    await start('deviation-capa', { recordType: 'nonconformance' });
    await advanceClock(app, admin, 2 * DAY);

    // one unit of work done in 30 minutes, one still open 2 hours after it was due
    const done = await start('kpi-work', {}, operator);
    await advanceClock(app, admin, 30 * MINUTE);
    await completeTask(done, 'Work', operator);
    await start('kpi-work', {}, operator);
    await advanceClock(app, admin, 3 * HOUR);

    // cell-9 over [t0, t0 + 10 min]: Idle 1 min, Execute 6 min, Held 1 min, Execute 2 min; 420 parts, 12 defective
    expect((await app.http.put('/api/v1/equipment/cell-9/profile').set(owner.auth).send({ name: 'Cell 9', idealCycleMs: 1000, reason: 'nameplate rate 60/min' })).status).toBe(200);
    t0 = app.deps.clock.now().getTime() - 20 * MINUTE;
    const at = (minutes: number) => new Date(t0 + minutes * MINUTE);
    await runCommand(app.deps, systemActor('test'), {}, (ctx) =>
      recordEquipmentSamples(ctx, [
        { kind: 'state', equipmentId: 'cell-9', state: 'Idle', sourceTimestamp: at(0), source: 'test' },
        { kind: 'counter', equipmentId: 'cell-9', processedCount: 1000, defectiveCount: 50, sourceTimestamp: at(0), source: 'test' },
        { kind: 'state', equipmentId: 'cell-9', state: 'Execute', sourceTimestamp: at(1), source: 'test' },
        { kind: 'state', equipmentId: 'cell-9', state: 'Held', sourceTimestamp: at(7), source: 'test' },
        { kind: 'counter', equipmentId: 'cell-9', processedCount: 1300, defectiveCount: 60, sourceTimestamp: at(7), source: 'test' },
        { kind: 'state', equipmentId: 'cell-9', state: 'Execute', sourceTimestamp: at(8), source: 'test' },
        // the counters were reset at the end of the hold
        { kind: 'counter', equipmentId: 'cell-9', processedCount: 0, defectiveCount: 0, sourceTimestamp: at(8), source: 'test' },
        { kind: 'counter', equipmentId: 'cell-9', processedCount: 120, defectiveCount: 2, sourceTimestamp: at(10), source: 'test' },
        { kind: 'state', equipmentId: 'cell-9', state: 'Complete', sourceTimestamp: at(10), source: 'test' },
      ]),
    );
  });
  afterAll(async () => {
    await app?.close();
  });

  it('gives cycle time per process and per activity, with how it was computed', async () => {
    const { figures } = await kpis(`?from=${windowStart.toISOString()}`);
    const process = figures.cycleTime.value.byProcess.find((p: { key: string }) => p.key === 'kpi-work');
    // the controlled clock also moves with real time between the requests: 30 minutes and a few ms
    const about30Minutes = (ms: number) => ms >= 30 * MINUTE && ms < 30 * MINUTE + 10_000;
    expect(process).toMatchObject({ completed: 1 });
    expect([process.meanMs, process.medianMs, process.minMs, process.maxMs].every(about30Minutes)).toBe(true);
    const activity = figures.cycleTime.value.byActivity.find((a: { key: string; activityId: string }) => a.key === 'kpi-work' && a.activityId === 'Work');
    expect(activity).toMatchObject({ count: 1, name: 'Do the work' });
    expect(about30Minutes(activity.meanMs)).toBe(true);
    expect(figures.cycleTime.definition).toMatch(/ended_at − started_at/);
    expect(figures.cycleTime.inputs).toMatchObject({ instancesCompleted: 1 });
  });

  it('counts open and overdue tasks', async () => {
    const { figures } = await kpis();
    // open: the second unit of work (due 1 h after it started, 3 h ago) and the three records' tasks
    expect(figures.tasks.value).toMatchObject({ open: 4, awaitingVerification: 0, overdue: 2, overduePercent: 50 });
    expect(figures.tasks.definition).toMatch(/overdue/i);
  });

  it('ages nonconformances, deviations and CAPAs in buckets', async () => {
    const { figures } = await kpis();
    const { nonconformance, deviation, capa } = figures.aging.value;
    expect(nonconformance).toMatchObject({ open: 1, buckets: { '0-7d': 1, '8-30d': 0, '31-90d': 0, '>90d': 0 }, oldestDays: 2 });
    expect(deviation).toMatchObject({ open: 1, buckets: { '0-7d': 0, '8-30d': 1, '31-90d': 0, '>90d': 0 }, oldestDays: 10 });
    expect(capa).toMatchObject({ open: 1, buckets: { '0-7d': 0, '8-30d': 0, '31-90d': 1, '>90d': 0 }, oldestDays: 35, overdue: 1, overduePercent: 100 });
    expect(figures.aging.definition).toMatch(/DecideCapa/);
  });

  it('has no first pass yield without inspections, and says so', async () => {
    const { figures } = await kpis();
    expect(figures.firstPassYield).toMatchObject({ value: null, inputs: { inspectionsCompleted: 0, acceptedFirstTime: 0, rejected: 0 } });
    expect(figures.firstPassYield.definition).toMatch(/accepted at their first inspection/);
  });

  it('computes OEE per equipment from its states and counters (a counter reset counts from 0)', async () => {
    const { figures } = await kpis(`?from=${new Date(t0).toISOString()}&to=${new Date(t0 + 10 * MINUTE).toISOString()}`);
    expect(figures.oee).toHaveLength(1);
    const [cell] = figures.oee;
    expect(cell.equipmentId).toBe('cell-9');
    // availability 8/10 min; performance 1 s × 420 / 480 s; quality (420 − 12) / 420
    expect(cell.value).toMatchObject({ plannedMs: 10 * MINUTE, runMs: 8 * MINUTE, totalCount: 420, defectiveCount: 12, goodCount: 408, availability: 0.8, performance: 0.875, quality: 0.9714, oee: 0.68, idealCycleMs: 1000 });
    expect(cell.value.losses).toEqual(expect.arrayContaining([{ state: 'Idle', ms: MINUTE }, { state: 'Held', ms: MINUTE }]));
    expect(cell.value.losses).toHaveLength(2);
    expect(cell.definition).toMatch(/availability × performance × quality/);
    expect(cell.inputs).toMatchObject({ stateSamples: 5, counterSamples: 4, idealCycleMs: 1000 });
  });

  it('refuses a window that ends before it starts, and dates that are not dates', async () => {
    for (const query of ['?from=2030-02-01T00:00:00Z&to=2030-01-01T00:00:00Z', '?from=soon', '?window=7d']) {
      const response = await app.http.get(`/api/v1/kpis${query}`).set(quality.auth);
      expect({ query, status: response.status, type: response.headers['content-type'] }).toEqual({ query, status: 400, type: expect.stringMatching(/problem\+json/) });
    }
    expect((await app.http.get('/api/v1/kpis')).status).toBe(401);
  });
});
