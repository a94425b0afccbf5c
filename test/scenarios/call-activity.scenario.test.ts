import { buildProcess, timer } from '../support/bpmn-builder';
import { advanceClock, deployReleased, versionSigners } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

const SCRAP = '<bpmn:error id="Error_scrap" name="Lot scrapped" errorCode="SCRAP" />';
const MINUTE = 60_000;
// The controlled clock moves by hours here; sessions must outlive that.
const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000' };

// The called process: an inspector gives a verdict; a scrap verdict ends in a BPMN error.
const inspection = (taskName: string) =>
  buildProcess({
    id: 'lot-inspection',
    name: 'Lot inspection',
    roots: SCRAP,
    nodes: [
      { id: 'Start', type: 'startEvent', name: 'Lot arrives' },
      { id: 'Inspect', type: 'userTask', name: taskName, attrs: { 'camunda:candidateGroups': 'inspector' } },
      { id: 'Verdict', type: 'exclusiveGateway', name: 'Verdict?' },
      { id: 'Passed', type: 'endEvent', name: 'Lot passed' },
      { id: 'Scrapped', type: 'endEvent', name: 'Lot scrapped', body: '<bpmn:errorEventDefinition errorRef="Error_scrap" />' },
    ],
    flows: [
      { from: 'Start', to: 'Inspect' },
      { from: 'Inspect', to: 'Verdict' },
      { from: 'Verdict', to: 'Scrapped', name: 'scrap', condition: "${verdict == 'scrap'}" },
      { from: 'Verdict', to: 'Passed', name: 'pass', default: true },
    ],
  });

// The caller: the inspection runs as a child; its verdict comes back; a scrap is caught on the call.
const release = (id: string, callAttrs: Record<string, string> = {}) =>
  buildProcess({
    id,
    name: `Lot release ${id}`,
    roots: SCRAP,
    nodes: [
      { id: 'Start', type: 'startEvent', name: 'Lot received' },
      {
        id: 'CallInspection',
        type: 'callActivity',
        name: 'Inspect lot',
        attrs: { calledElement: 'lot-inspection', ...callAttrs },
        body: '<bpmn:extensionElements><camunda:in source="lot" target="lotNumber" /><camunda:out source="verdict" target="inspectionVerdict" /></bpmn:extensionElements>',
      },
      { id: 'Release', type: 'userTask', name: 'Release lot', attrs: { 'camunda:candidateGroups': 'quality' } },
      { id: 'Disposition', type: 'userTask', name: 'Disposition scrapped lot', attrs: { 'camunda:candidateGroups': 'quality' } },
      { id: 'Released', type: 'endEvent', name: 'Lot released' },
      { id: 'Dispositioned', type: 'endEvent', name: 'Lot dispositioned' },
    ],
    boundaries: [{ id: 'ScrapCaught', attachedTo: 'CallInspection', name: 'Scrapped', body: '<bpmn:errorEventDefinition errorRef="Error_scrap" />' }],
    flows: [
      { from: 'Start', to: 'CallInspection' },
      { from: 'CallInspection', to: 'Release' },
      { from: 'Release', to: 'Released' },
      { from: 'ScrapCaught', to: 'Disposition' },
      { from: 'Disposition', to: 'Dispositioned' },
    ],
  });

type Signed = Awaited<ReturnType<typeof signedInUser>>;

describe('Feature: call activities start, wait for and return from child instances', () => {
  let app: TestApp;
  let operator: Signed;
  let inspector: Signed;
  let supervisor: Signed;
  let childV1: { id: string };

  const childOf = async (parentId: string) => {
    const rows = await app.deps.db('process_instances').where({ parent_instance_id: parentId });
    expect(rows).toHaveLength(1);
    return rows[0] as { id: string; status: string; version_id: string; variables: Record<string, unknown>; parent_execution_id: string; end_reason: string | null; business_key: string | null };
  };
  const openTasks = async (instanceId: string) => (await app.deps.db('user_tasks').where({ instance_id: instanceId, status: 'open' })) as Array<{ id: string; activity_id: string; name: string }>;
  const start = (key: string, lot: string) => app.http.post(`/api/v1/processes/${key}/instances`).set(operator.auth).send({ businessKey: lot, variables: { lot } });
  const inspect = async (childId: string, verdict: string) => {
    const [task] = await openTasks(childId);
    const done = await app.http.post(`/api/v1/tasks/${task.id}/complete`).set(inspector.auth).send({ variables: { verdict } });
    expect(done.status).toBe(200);
    // The child's end reaches the parent through a job committed with it.
    await app.deps.drainJobs();
  };

  beforeAll(async () => {
    app = await startTestApp(LONG_SESSIONS);
    operator = await signedInUser(app, ['operator']);
    inspector = await signedInUser(app, ['inspector']);
    supervisor = await signedInUser(app, ['supervisor']);
    const signers = await versionSigners(app);
    childV1 = await deployReleased(app, inspection('Inspect lot'), { signers });
    await deployReleased(app, release('lot-release'), { signers });
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Scenario: the child passes and its verdict comes back', () => {
    let parentId: string;
    it('Given a lot release started through the API, Then a child inspection runs with the mapped input and the caller waits', async () => {
      const response = await start('lot-release', 'LOT-1');
      expect(response.status).toBe(201);
      parentId = response.body.id;
      const child = await childOf(parentId);
      expect(child).toMatchObject({ status: 'running', version_id: childV1.id, business_key: 'LOT-1' });
      expect(child.variables).toEqual({ lotNumber: 'LOT-1' });
      expect(child.parent_execution_id).toMatch(/CallInspection/);
      expect((await openTasks(child.id)).map((t) => t.activity_id)).toEqual(['Inspect']);
      expect(await openTasks(parentId)).toEqual([]);
      const listed = await app.http.get('/api/v1/instances').query({ key: 'lot-inspection' }).set(operator.auth);
      expect(listed.body.items.find((i: { id: string }) => i.id === child.id).parentInstanceId).toBe(parentId);
    });

    it('When the inspector passes the lot, Then the child completes and the caller moves on with only the camunda:out variable', async () => {
      const child = await childOf(parentId);
      await inspect(child.id, 'pass');
      expect((await childOf(parentId)).status).toBe('completed');
      expect((await openTasks(parentId)).map((t) => t.activity_id)).toEqual(['Release']);
      const parent = await app.http.get(`/api/v1/instances/${parentId}`).set(operator.auth);
      expect(parent.body.status).toBe('running');
      expect(parent.body.variables).toEqual({ lot: 'LOT-1', inspectionVerdict: 'pass' });
      const returned = await app.deps.db('audit_events').where({ action: 'callActivity.returned', entity_id: parentId });
      expect(returned).toHaveLength(1);
    });
  });

  describe('Scenario: the child raises a BPMN error, caught on the caller', () => {
    it('When the inspector scraps the lot, Then the child ends without an incident and the caller takes the error path', async () => {
      const response = await start('lot-release', 'LOT-2');
      const parentId = response.body.id as string;
      const child = await childOf(parentId);
      await inspect(child.id, 'scrap');
      const after = await childOf(parentId);
      expect(after.status).toBe('cancelled');
      expect(after.end_reason).toContain('SCRAP');
      expect(await app.deps.db('incidents').whereIn('instance_id', [parentId, child.id])).toEqual([]);
      expect((await openTasks(parentId)).map((t) => t.activity_id)).toEqual(['Disposition']);
      expect((await app.http.get(`/api/v1/instances/${parentId}`).set(operator.auth)).body.status).toBe('running');
    });
  });

  describe('Scenario: cancelling the caller cancels its child', () => {
    it('When a supervisor cancels the caller, Then the child and its open task are cancelled too', async () => {
      const parentId = (await start('lot-release', 'LOT-3')).body.id as string;
      const child = await childOf(parentId);
      const cancelled = await app.http.post(`/api/v1/instances/${parentId}/cancel`).set(supervisor.auth).send({ reason: 'Order withdrawn' });
      expect(cancelled.status).toBe(200);
      const after = await childOf(parentId);
      expect(after.status).toBe('cancelled');
      expect(after.end_reason).toContain(parentId);
      expect(await openTasks(child.id)).toEqual([]);
      expect(await app.deps.db('user_tasks').where({ instance_id: child.id, status: 'cancelled' })).toHaveLength(1);
      const audit = await app.deps.db('audit_events').where({ action: 'processInstance.cancelled', entity_id: child.id });
      expect(audit).toHaveLength(1);
    });
  });

  describe('Scenario: a call bound to a version number keeps starting that version after a newer release', () => {
    it('Given version 2 of the inspection released and a caller bound to version 1, Then the child runs version 1 while an unbound caller gets version 2', async () => {
      const signers = await versionSigners(app);
      const childV2 = await deployReleased(app, inspection('Inspect lot (revised)'), { signers });
      expect(childV2.version).toBe(2);
      await deployReleased(app, release('lot-release-pinned', { 'camunda:calledElementBinding': 'version', 'camunda:calledElementVersion': '1' }), { signers });
      const pinned = await childOf((await start('lot-release-pinned', 'LOT-4')).body.id);
      expect(pinned.version_id).toBe(childV1.id);
      const latest = await childOf((await start('lot-release', 'LOT-5')).body.id);
      expect(latest.version_id).toBe(childV2.id);
      expect((await openTasks(latest.id))[0].name).toBe('Inspect lot (revised)');
    });
  });

  describe('Scenario: a call to a process without a released version is refused', () => {
    it('When a caller of an unknown key is started, Then the start is refused with a reason and no instance is left', async () => {
      const signers = await versionSigners(app);
      await deployReleased(app, release('lot-release-dangling', { calledElement: 'no-such-inspection' }), { signers });
      const before = Number((await app.deps.db('process_instances').count({ n: '*' }))[0].n);
      const response = await start('lot-release-dangling', 'LOT-6');
      expect(response.status).toBe(409);
      expect(response.body.detail).toContain("'no-such-inspection'");
      expect(Number((await app.deps.db('process_instances').count({ n: '*' }))[0].n)).toBe(before);
    });
  });
  describe('Scenario: a call reached by a timer, to a process without a released version, becomes an incident the user can retry', () => {
    // A kit is staged, waits ten minutes (a timer: no request is there to refuse), then calls a
    // kit inspection that nobody has released yet.
    const staged = buildProcess({
      id: 'kit-staging',
      name: 'Kit staging',
      nodes: [
        { id: 'Start', type: 'startEvent', name: 'Kit requested' },
        { id: 'Settle', type: 'intermediateCatchEvent', name: 'Parts settle 10 min', body: timer('timeDuration', 'PT10M') },
        { id: 'CallKitInspection', type: 'callActivity', name: 'Inspect kit', attrs: { calledElement: 'kit-inspection' } },
        { id: 'Issue', type: 'userTask', name: 'Issue kit', attrs: { 'camunda:candidateGroups': 'operator' } },
        { id: 'Issued', type: 'endEvent', name: 'Kit issued' },
      ],
      flows: [
        { from: 'Start', to: 'Settle' },
        { from: 'Settle', to: 'CallKitInspection' },
        { from: 'CallKitInspection', to: 'Issue' },
        { from: 'Issue', to: 'Issued' },
      ],
    });
    // The same call, reached by a timer start event of a released version.
    const scheduled = buildProcess({
      id: 'kit-audit',
      name: 'Hourly kit audit',
      nodes: [
        { id: 'Hourly', type: 'startEvent', name: 'Every hour', body: timer('timeCycle', 'R/PT1H') },
        { id: 'CallKitInspection', type: 'callActivity', name: 'Inspect kit', attrs: { calledElement: 'kit-inspection' } },
        { id: 'Audited', type: 'endEvent', name: 'Kit audited' },
      ],
      flows: [
        { from: 'Hourly', to: 'CallKitInspection' },
        { from: 'CallKitInspection', to: 'Audited' },
      ],
    });
    const kitInspection = buildProcess({
      id: 'kit-inspection',
      name: 'Kit inspection',
      nodes: [
        { id: 'Start', type: 'startEvent', name: 'Kit arrives' },
        { id: 'InspectKit', type: 'userTask', name: 'Inspect kit contents', attrs: { 'camunda:candidateGroups': 'inspector' } },
        { id: 'Done', type: 'endEvent', name: 'Kit inspected' },
      ],
      flows: [
        { from: 'Start', to: 'InspectKit' },
        { from: 'InspectKit', to: 'Done' },
      ],
    });

    let admin: Signed;
    let staging: string;
    let audit: string;
    const incidentsOf = async (instanceId: string, status = 'open') =>
      (await app.http.get('/api/v1/incidents').query({ instanceId, status }).set(supervisor.auth)).body.items as Array<{ id: string; kind: string; message: string; activityId: string | null }>;
    const instance = async (id: string) => (await app.http.get(`/api/v1/instances/${id}`).set(supervisor.auth)).body;
    const children = async (parentId: string) => (await app.deps.db('process_instances').where({ parent_instance_id: parentId })) as Array<{ id: string; status: string }>;

    it('Given a staging started through the API and a scheduled audit released, When the timers fire, Then each waits at the call with an incident that names the missing process', async () => {
      admin = await signedInUser(app, ['admin']);
      const signers = await versionSigners(app);
      await deployReleased(app, staged, { signers });
      const audited = await deployReleased(app, scheduled, { signers });
      const started = await app.http.post('/api/v1/processes/kit-staging/instances').set(operator.auth).send({ businessKey: 'KIT-1' });
      expect(started.status).toBe(201);
      staging = started.body.id;

      await advanceClock(app, admin, 10 * MINUTE + 1000);
      expect((await instance(staging)).status).toBe('incident');
      const [incident] = await incidentsOf(staging);
      expect(incident).toMatchObject({ kind: 'jobFailed', activityId: 'CallKitInspection' });
      expect(incident.message).toContain("'kit-inspection'");
      expect(incident.message).toMatch(/retry/);
      expect(await children(staging)).toEqual([]);

      await advanceClock(app, admin, 60 * MINUTE);
      const auditRows = await app.deps.db('process_instances').where({ version_id: audited.id });
      expect(auditRows).toHaveLength(1);
      const [auditRow] = auditRows;
      audit = auditRow.id;
      expect(auditRow.status).toBe('incident');
      expect((await incidentsOf(audit)).map((i) => i.activityId)).toEqual(['CallKitInspection']);
    });

    it('When time passes, Then nothing retries by itself: still one incident each, no job pending, no child', async () => {
      await advanceClock(app, admin, 30 * MINUTE);
      expect(await incidentsOf(staging)).toHaveLength(1);
      expect(await app.deps.db('jobs').where({ instance_id: staging, kind: 'call' }).whereIn('status', ['pending', 'running'])).toEqual([]);
      expect(await children(staging)).toEqual([]);
    });

    it('When the incident is retried before the inspection is released, Then it fails again with a new incident and the instance still waits at the call', async () => {
      const [incident] = await incidentsOf(staging);
      const retried = await app.http.post(`/api/v1/incidents/${incident.id}/retry`).set(supervisor.auth).send({});
      expect(retried.status).toBe(200);
      const open = await incidentsOf(staging);
      expect(open).toHaveLength(1);
      expect(open[0].id).not.toBe(incident.id);
      expect(open[0].message).toContain("'kit-inspection'");
      expect((await instance(staging)).status).toBe('incident');
      expect(await children(staging)).toEqual([]);
    });

    it('When the inspection is released and the incidents retried, Then the children start, the incidents are resolved and each caller moves on when its child ends', async () => {
      await deployReleased(app, kitInspection);
      for (const id of [staging, audit]) {
        const [incident] = await incidentsOf(id);
        const retried = await app.http.post(`/api/v1/incidents/${incident.id}/retry`).set(supervisor.auth).send({});
        expect(retried.status).toBe(200);
        expect(await incidentsOf(id)).toEqual([]);
        expect((await instance(id)).status).toBe('running');
        const [child] = await children(id);
        expect(child.status).toBe('running');
        const resumed = await app.deps.db('audit_events').where({ action: 'callActivity.resumed', entity_id: id });
        expect(resumed).toHaveLength(1);
      }
      const [child] = await children(staging);
      const [task] = await openTasks(child.id);
      expect((await app.http.post(`/api/v1/tasks/${task.id}/complete`).set(inspector.auth).send({ variables: {} })).status).toBe(200);
      await app.deps.drainJobs();
      expect((await openTasks(staging)).map((t) => t.activity_id)).toEqual(['Issue']);
    });
  });

  describe('Scenario: an escalation the child does not catch reaches the escalation boundary event of the call', () => {
    const SHORT = '<bpmn:escalation id="Esc_short" name="Parts short" escalationCode="PARTS_SHORT" />';
    const escalate = '<bpmn:escalationEventDefinition escalationRef="Esc_short" />';
    // The child counts the parts; a shortage is escalated (nothing in the child catches it) and the count goes on.
    const count = buildProcess({
      id: 'parts-count',
      name: 'Parts count',
      roots: SHORT,
      nodes: [
        { id: 'Start', type: 'startEvent', name: 'Count requested' },
        { id: 'Count', type: 'userTask', name: 'Count parts', attrs: { 'camunda:candidateGroups': 'operator' } },
        { id: 'Short', type: 'intermediateThrowEvent', name: 'Parts short', body: escalate },
        { id: 'Recount', type: 'userTask', name: 'Recount parts', attrs: { 'camunda:candidateGroups': 'operator' } },
        { id: 'Counted', type: 'endEvent', name: 'Parts counted' },
      ],
      flows: [
        { from: 'Start', to: 'Count' },
        { from: 'Count', to: 'Short' },
        { from: 'Short', to: 'Recount' },
        { from: 'Recount', to: 'Counted' },
      ],
    });
    const kitting = buildProcess({
      id: 'kitting',
      name: 'Kitting',
      roots: SHORT,
      nodes: [
        { id: 'Start', type: 'startEvent', name: 'Kit ordered' },
        { id: 'CallCount', type: 'callActivity', name: 'Count parts', attrs: { calledElement: 'parts-count' } },
        { id: 'Assemble', type: 'userTask', name: 'Assemble kit', attrs: { 'camunda:candidateGroups': 'operator' } },
        { id: 'Expedite', type: 'userTask', name: 'Expedite missing parts', attrs: { 'camunda:candidateGroups': 'supervisor' } },
        { id: 'Assembled', type: 'endEvent', name: 'Kit assembled' },
        { id: 'Expedited', type: 'endEvent', name: 'Parts expedited' },
      ],
      boundaries: [{ id: 'ShortCaught', attachedTo: 'CallCount', name: 'Parts short', interrupting: false, body: escalate }],
      flows: [
        { from: 'Start', to: 'CallCount' },
        { from: 'CallCount', to: 'Assemble' },
        { from: 'Assemble', to: 'Assembled' },
        { from: 'ShortCaught', to: 'Expedite' },
        { from: 'Expedite', to: 'Expedited' },
      ],
    });

    it('When the child throws the escalation, Then the caller opens the boundary path while both keep running, and the caller moves on when the child ends', async () => {
      const signers = await versionSigners(app);
      await deployReleased(app, count, { signers });
      await deployReleased(app, kitting, { signers });
      const parentId = (await app.http.post('/api/v1/processes/kitting/instances').set(operator.auth).send({ businessKey: 'KIT-9' })).body.id as string;
      const child = await childOf(parentId);
      const [countTask] = await openTasks(child.id);
      expect((await app.http.post(`/api/v1/tasks/${countTask.id}/complete`).set(operator.auth).send({ variables: {} })).status).toBe(200);
      await app.deps.drainJobs();

      expect((await openTasks(parentId)).map((t) => t.activity_id)).toEqual(['Expedite']);
      expect((await openTasks(child.id)).map((t) => t.activity_id)).toEqual(['Recount']);
      expect((await childOf(parentId)).status).toBe('running');
      expect(await app.deps.db('incidents').whereIn('instance_id', [parentId, child.id])).toEqual([]);
      const returned = await app.deps.db('audit_events').where({ action: 'callActivity.returned', entity_id: parentId });
      expect(returned.map((r: { after: unknown }) => (typeof r.after === 'string' ? JSON.parse(r.after) : r.after).event)).toEqual(['callEscalated']);

      const [recount] = await openTasks(child.id);
      expect((await app.http.post(`/api/v1/tasks/${recount.id}/complete`).set(operator.auth).send({ variables: {} })).status).toBe(200);
      await app.deps.drainJobs();
      expect((await childOf(parentId)).status).toBe('completed');
      expect((await openTasks(parentId)).map((t) => t.activity_id).sort()).toEqual(['Assemble', 'Expedite']);
    });
  });
});
