import { buildProcess, timer } from '../support/bpmn-builder';
import { advanceClock, deployReleased, versionSigners } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

const MINUTE = 60_000;
// The controlled clock moves by hours here; sessions must outlive that.
const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000' };

/** A process started by a timer: it opens one task per start. */
const scheduled = (id: string, kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string, taskName = 'Walk the line') =>
  buildProcess({
    id,
    name: `Scheduled ${id}`,
    nodes: [
      { id: 'Tick', type: 'startEvent', name: 'On schedule', body: timer(kind, value) },
      { id: 'Check', type: 'userTask', name: taskName, attrs: { 'camunda:candidateGroups': 'supervisor' } },
      { id: 'Done', type: 'endEvent', name: 'Checked' },
    ],
    flows: [
      { from: 'Tick', to: 'Check' },
      { from: 'Check', to: 'Done' },
    ],
  });

type Signed = Awaited<ReturnType<typeof signedInUser>>;
const instancesOf = async (app: TestApp, key: string) => (await app.deps.db('process_instances').where({ key }).orderBy('started_at')) as Array<{ id: string; version_id: string; status: string }>;

describe('Feature: timer start events of released versions', () => {
  let app: TestApp;
  let admin: Signed;
  let signers: Awaited<ReturnType<typeof versionSigners>>;

  beforeAll(async () => {
    app = await startTestApp(LONG_SESSIONS);
    admin = await signedInUser(app, ['admin']);
    signers = await versionSigners(app);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Scenario: a cron start runs once a minute until a new version supersedes it', () => {
    let v1: { id: string };
    let v2: { id: string };
    it('Given a released version with a Camunda cron start every minute, Then one firing is scheduled and nothing has started yet', async () => {
      v1 = await deployReleased(app, scheduled('line-walk', 'timeCycle', '0 * * * * ?'), { signers });
      await app.deps.drainJobs();
      const jobs = await app.deps.db('jobs').where({ kind: 'timerStart', status: 'pending' }).whereRaw(`payload->>'versionId' = ?`, [v1.id]);
      expect(jobs).toHaveLength(1);
      expect(jobs[0].activity_id).toBe('Tick');
      expect(new Date(jobs[0].due_at).getUTCSeconds()).toBe(0);
      expect(await instancesOf(app, 'line-walk')).toEqual([]);
    });

    it('When three minutes pass one at a time, Then three instances started, each with its task', async () => {
      for (let i = 0; i < 3; i++) await advanceClock(app, admin, MINUTE);
      const started = await instancesOf(app, 'line-walk');
      expect(started).toHaveLength(3);
      expect(started.every((i) => i.version_id === v1.id && i.status === 'running')).toBe(true);
      expect(await app.deps.db('user_tasks').whereIn('instance_id', started.map((i) => i.id)).where({ activity_id: 'Check', status: 'open' })).toHaveLength(3);
      expect(await app.deps.db('audit_events').where({ action: 'timerStart.fired', entity_id: v1.id })).toHaveLength(3);
    });

    it('When version 2 is released, Then version 1 stops and only version 2 starts instances', async () => {
      v2 = await deployReleased(app, scheduled('line-walk', 'timeCycle', '0 * * * * ?', 'Walk the line (v2)'), { signers });
      await app.deps.drainJobs();
      expect(await app.deps.db('jobs').where({ kind: 'timerStart', status: 'pending' }).whereRaw(`payload->>'versionId' = ?`, [v1.id])).toEqual([]);
      for (let i = 0; i < 2; i++) await advanceClock(app, admin, MINUTE);
      const started = await instancesOf(app, 'line-walk');
      expect(started).toHaveLength(5);
      expect(started.slice(3).every((i) => i.version_id === v2.id)).toBe(true);
      expect(await app.deps.db('audit_events').where({ action: 'timerStart.fired', entity_id: v1.id })).toHaveLength(3);
    });

    it('When version 2 is retired, Then nothing starts any more', async () => {
      const retired = await app.http.post(`/api/v1/process-versions/${v2.id}/retire`).set(signers.owner.auth).send({ reason: 'line walks move to the MES' });
      expect(retired.status).toBe(200);
      await advanceClock(app, admin, 3 * MINUTE);
      expect(await instancesOf(app, 'line-walk')).toHaveLength(5);
    });
  });

  describe('Scenario: a bounded ISO cycle, a duration and a date', () => {
    it('R2/PT10M starts twice, ten minutes apart, then stops; PT30M once after half an hour; a date once at that date', async () => {
      const { now } = await advanceClock(app, admin, 0);
      const at = new Date(new Date(now).getTime() + 45 * MINUTE).toISOString().replace(/\.\d+Z$/, 'Z');
      await deployReleased(app, scheduled('cycle-start', 'timeCycle', 'R2/PT10M'), { signers });
      await deployReleased(app, scheduled('duration-start', 'timeDuration', 'PT30M'), { signers });
      await deployReleased(app, scheduled('date-start', 'timeDate', at), { signers });
      await app.deps.drainJobs();
      const counts = async () => [(await instancesOf(app, 'cycle-start')).length, (await instancesOf(app, 'duration-start')).length, (await instancesOf(app, 'date-start')).length];
      await advanceClock(app, admin, 11 * MINUTE);
      expect(await counts()).toEqual([1, 0, 0]);
      await advanceClock(app, admin, 10 * MINUTE);
      expect(await counts()).toEqual([2, 0, 0]);
      await advanceClock(app, admin, 10 * MINUTE);
      expect(await counts()).toEqual([2, 1, 0]);
      await advanceClock(app, admin, 20 * MINUTE);
      expect(await counts()).toEqual([2, 1, 1]);
      await advanceClock(app, admin, 120 * MINUTE);
      expect(await counts()).toEqual([2, 1, 1]);
    });
  });
});

// The builder lays out top-level elements only: the event sub-process's inner elements get their
// diagram shapes here (the submit gate wants every element drawn).
const withInnerDi = (xml: string) =>
  xml.replace(
    '</bpmndi:BPMNPlane>',
    [
      '<bpmndi:BPMNShape id="TwoHours_di" bpmnElement="TwoHours"><dc:Bounds x="400" y="420" width="36" height="36" /></bpmndi:BPMNShape>',
      '<bpmndi:BPMNShape id="Expedite_di" bpmnElement="Expedite"><dc:Bounds x="480" y="398" width="100" height="80" /></bpmndi:BPMNShape>',
      '<bpmndi:BPMNShape id="Expedited_di" bpmnElement="Expedited"><dc:Bounds x="620" y="420" width="36" height="36" /></bpmndi:BPMNShape>',
      '<bpmndi:BPMNEdge id="Flow_e1_di" bpmnElement="Flow_e1"><di:waypoint x="436" y="438" /><di:waypoint x="480" y="438" /></bpmndi:BPMNEdge>',
      '<bpmndi:BPMNEdge id="Flow_e2_di" bpmnElement="Flow_e2"><di:waypoint x="580" y="438" /><di:waypoint x="620" y="438" /></bpmndi:BPMNEdge>',
      '</bpmndi:BPMNPlane>',
    ].join(''),
  );

// An order whose main task is interrupted after two hours by a timer-start event sub-process.
const overdueOrder = withInnerDi(
  buildProcess({
  id: 'rush-order',
  name: 'Rush order',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Order in' },
    { id: 'Build', type: 'userTask', name: 'Build order', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Shipped', type: 'endEvent', name: 'Shipped' },
    {
      id: 'Overdue',
      type: 'subProcess',
      name: 'Order overdue',
      attrs: { triggeredByEvent: 'true' },
      body: [
        `<bpmn:startEvent id="TwoHours" name="Two hours" isInterrupting="true">${timer('timeDuration', 'PT2H')}<bpmn:outgoing>Flow_e1</bpmn:outgoing></bpmn:startEvent>`,
        '<bpmn:userTask id="Expedite" name="Expedite order" camunda:candidateGroups="supervisor"><bpmn:incoming>Flow_e1</bpmn:incoming><bpmn:outgoing>Flow_e2</bpmn:outgoing></bpmn:userTask>',
        '<bpmn:endEvent id="Expedited" name="Expedited"><bpmn:incoming>Flow_e2</bpmn:incoming></bpmn:endEvent>',
        '<bpmn:sequenceFlow id="Flow_e1" sourceRef="TwoHours" targetRef="Expedite" />',
        '<bpmn:sequenceFlow id="Flow_e2" sourceRef="Expedite" targetRef="Expedited" />',
      ].join(''),
    },
  ],
  flows: [
    { from: 'Start', to: 'Build' },
    { from: 'Build', to: 'Shipped' },
  ],
  }),
);

describe('Feature: a timer-start event sub-process interrupts the main task', () => {
  let app: TestApp;
  let admin: Signed;
  let operator: Signed;
  beforeAll(async () => {
    app = await startTestApp(LONG_SESSIONS);
    admin = await signedInUser(app, ['admin']);
    operator = await signedInUser(app, ['operator']);
    await deployReleased(app, overdueOrder);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('Scenario: two hours after the start the build task is cancelled and the expedite task opens', async () => {
    const started = await app.http.post('/api/v1/processes/rush-order/instances').set(operator.auth).send({ businessKey: 'SO-1' });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const tasks = async (status: 'open' | 'cancelled') => ((await app.deps.db('user_tasks').where({ instance_id: id, status })) as Array<{ activity_id: string }>).map((t) => t.activity_id);
    const timers = await app.deps.db('jobs').where({ instance_id: id, kind: 'timer', status: 'pending' });
    expect(timers).toHaveLength(1);
    await advanceClock(app, admin, 119 * MINUTE);
    expect(await tasks('open')).toEqual(['Build']);
    await advanceClock(app, admin, 2 * MINUTE);
    expect(await tasks('open')).toEqual(['Expedite']);
    expect(await tasks('cancelled')).toEqual(['Build']);
    const instance = await app.http.get(`/api/v1/instances/${id}`).set(operator.auth);
    expect(instance.body.status).toBe('running');
  });
});

// Two nodes need a database server; the embedded database serves one process by design.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('Feature: a cron timer start on two nodes', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: Signed;

  beforeAll(async () => {
    a = await startTestApp({ ...LONG_SESSIONS, GEMBA_JOB_POLL_MS: '50' });
    b = await startTestApp({ ...LONG_SESSIONS, GEMBA_JOB_POLL_MS: '50' }, { database: a.testDatabase });
    admin = await signedInUser(a, ['admin']);
    await deployReleased(a, scheduled('two-node-walk', 'timeCycle', '0 * * * * ?'));
    // Both nodes reconcile the schedule (b at start-up, a after its release): still one job.
    await Promise.all([a.deps.drainJobs(), b.deps.drainJobs()]);
  });
  afterAll(async () => {
    await b?.close({ keepDatabase: true });
    await a?.close();
  });

  it('Scenario: each tick starts exactly one instance, whichever node claims it', async () => {
    const TICKS = 6;
    for (let i = 0; i < TICKS; i++) {
      const moved = await a.http.post('/api/v1/admin/clock').set(admin.auth).send({ advanceMs: MINUTE });
      expect(moved.status).toBe(200);
      await Promise.all([a.deps.drainJobs(), b.deps.drainJobs(), a.deps.drainJobs(), b.deps.drainJobs()]);
    }
    expect(await instancesOf(a, 'two-node-walk')).toHaveLength(TICKS);
    const fired = await a.deps.db('audit_events').where({ action: 'timerStart.fired' }).select('after');
    const ticks = fired.map((f) => (f.after as { dueAt: string }).dueAt);
    expect(new Set(ticks).size).toBe(TICKS);
    expect(await a.deps.db('jobs').where({ kind: 'timerStart' }).whereIn('status', ['pending', 'running'])).toHaveLength(1);
  });
});
