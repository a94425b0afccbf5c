import { buildProcess, timer } from '../support/bpmn-builder';
import { deployReleased, versionSigners } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Version 1: weigh, then label.
const v1 = buildProcess({
  id: 'pack-out',
  name: 'Pack out',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Pallet ready' },
    { id: 'Weigh', type: 'userTask', name: 'Weigh pallet', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Label', type: 'userTask', name: 'Label pallet', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'Packed' },
  ],
  flows: [
    { from: 'Start', to: 'Weigh' },
    { from: 'Weigh', to: 'Label' },
    { from: 'Label', to: 'End' },
  ],
});

// Version 2: the weighing task was renamed (new id), labelling gave way to an inspection, and a
// one-hour reminder watches the weighing.
const v2 = buildProcess({
  id: 'pack-out',
  name: 'Pack out',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Pallet ready' },
    { id: 'WeighPallet', type: 'userTask', name: 'Weigh pallet on scale', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Inspect', type: 'userTask', name: 'Inspect pallet', attrs: { 'camunda:candidateGroups': 'inspector' } },
    { id: 'Remind', type: 'userTask', name: 'Chase weighing', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'End', type: 'endEvent', name: 'Packed' },
    { id: 'Chased', type: 'endEvent', name: 'Chased' },
  ],
  boundaries: [{ id: 'AfterHour', attachedTo: 'WeighPallet', name: 'One hour', interrupting: false, body: timer('timeDuration', 'PT1H') }],
  flows: [
    { from: 'Start', to: 'WeighPallet' },
    { from: 'WeighPallet', to: 'Inspect' },
    { from: 'Inspect', to: 'End' },
    { from: 'AfterHour', to: 'Remind' },
    { from: 'Remind', to: 'Chased' },
  ],
});

type Signed = Awaited<ReturnType<typeof signedInUser>>;

describe('Feature: migrating running instances to a new version (W03, W06)', () => {
  let app: TestApp;
  let owner: Signed;
  let reviewer: Signed;
  let operator: Signed;
  let source: { id: string };
  let target: { id: string };
  const ids: string[] = [];
  const MAPPINGS = { Weigh: 'WeighPallet' };

  const openTasks = async (instanceId: string) => (await app.deps.db('user_tasks').where({ instance_id: instanceId, status: 'open' })) as Array<{ id: string; activity_id: string; name: string }>;
  const instanceRow = async (id: string) => (await app.deps.db('process_instances').where({ id }).first()) as Record<string, unknown>;

  beforeAll(async () => {
    app = await startTestApp();
    const signers = await versionSigners(app);
    owner = signers.owner;
    reviewer = signers.reviewer;
    operator = await signedInUser(app, ['operator']);
    source = await deployReleased(app, v1, { signers });
    for (const pallet of ['P-1', 'P-2', 'P-3']) {
      const started = await app.http.post('/api/v1/processes/pack-out/instances').set(operator.auth).send({ businessKey: pallet });
      expect(started.status).toBe(201);
      ids.push(started.body.id);
    }
    // P-3 has weighed and waits at the labelling, which version 2 no longer has.
    const [weigh] = await openTasks(ids[2]);
    expect((await app.http.post(`/api/v1/tasks/${weigh.id}/complete`).set(operator.auth).send({ variables: { kg: 412 } })).status).toBe(200);
    target = await deployReleased(app, v2, { signers });
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Scenario: the plan proposes equal ids and names what cannot move', () => {
    it('Without mappings, both tasks of version 1 are reported; with the rename mapped, only the labelling is', async () => {
      const bare = await app.http.post('/api/v1/migrations/plan').set(owner.auth).send({ sourceVersionId: source.id, targetVersionId: target.id });
      expect(bare.status).toBe(200);
      expect(bare.body.runningInstances).toBe(3);
      expect(bare.body.mappings).toMatchObject({ Start: 'Start', End: 'End' });
      expect(bare.body.problems.map((p: { activityId: string; code: string }) => `${p.code}:${p.activityId}`).sort()).toEqual(['unmapped-activity:Label', 'unmapped-activity:Weigh']);
      const mapped = await app.http.post('/api/v1/migrations/plan').set(reviewer.auth).send({ sourceVersionId: source.id, targetVersionId: target.id, mappings: MAPPINGS });
      expect(mapped.body.mappings.Weigh).toBe('WeighPallet');
      expect(mapped.body.problems.map((p: { activityId: string }) => p.activityId)).toEqual(['Label']);
    });

    it('Bad plans are refused with a reason', async () => {
      const unknown = await app.http.post('/api/v1/migrations/plan').set(owner.auth).send({ sourceVersionId: source.id, targetVersionId: target.id, mappings: { Nope: 'WeighPallet' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toContain("'Nope'");
      const backwards = await app.http.post('/api/v1/migrations/plan').set(owner.auth).send({ sourceVersionId: target.id, targetVersionId: source.id });
      expect(backwards.status).toBe(409);
      expect(backwards.body.detail).toContain('superseded');
      expect((await app.http.post('/api/v1/migrations/plan').set(operator.auth).send({ sourceVersionId: source.id, targetVersionId: target.id })).status).toBe(403);
    });
  });

  describe('Scenario: the preview shows where each task goes, and changes nothing', () => {
    it('The instance at the renamed task moves with its task row; the one at the removed task would lose its token', async () => {
      const before = await instanceRow(ids[0]);
      const response = await app.http.post('/api/v1/migrations/preview').set(owner.auth).send({ sourceVersionId: source.id, targetVersionId: target.id, mappings: MAPPINGS, instanceIds: [ids[0], ids[2]] });
      expect(response.status).toBe(200);
      const [moving, stuck] = response.body.instances;
      const [task] = await openTasks(ids[0]);
      expect(moving).toMatchObject({ instanceId: ids[0], movable: true, problems: [] });
      expect(moving.moves).toContainEqual(expect.objectContaining({ kind: 'userTask', fromActivityId: 'Weigh', toActivityId: 'WeighPallet', row: { type: 'UserTask', id: task.id } }));
      expect(stuck).toMatchObject({ instanceId: ids[2], movable: false });
      expect(stuck.problems).toContainEqual(expect.objectContaining({ code: 'unmapped-activity', activityId: 'Label' }));
      expect(await instanceRow(ids[0])).toEqual(before);
    });
  });

  describe('Scenario: a signed migration moves the waiting instances and refuses the one that would lose a token', () => {
    let result: { id: string; results: Array<{ instanceId: string; outcome: string; problems: Array<{ code: string; activityId?: string }> }> };
    let stuckBefore: Record<string, unknown>;
    let taskBefore: { id: string };

    it('A wrong password records nothing and moves nothing', async () => {
      const wrong = await app.http.post('/api/v1/migrations/execute').set(owner.auth).send({ sourceVersionId: source.id, targetVersionId: target.id, mappings: MAPPINGS, instanceIds: ids, reason: 'Scale step renamed (CC-7)', password: 'not-it', meaning: 'released' });
      expect(wrong.status).toBe(401);
      expect(await app.deps.db('instance_migrations')).toEqual([]);
      expect((await instanceRow(ids[0])).version_id).toBe(source.id);
      expect((await app.http.post('/api/v1/migrations/execute').set(reviewer.auth).send({ sourceVersionId: source.id, targetVersionId: target.id, instanceIds: ids, reason: 'x-ray', password: reviewer.user.password, meaning: 'approved' })).status).toBe(403);
    });

    it('When the process owner executes it with a signature and a reason', async () => {
      stuckBefore = await instanceRow(ids[2]);
      [taskBefore] = await openTasks(ids[0]);
      const response = await app.http.post('/api/v1/migrations/execute').set(owner.auth).send({ sourceVersionId: source.id, targetVersionId: target.id, mappings: MAPPINGS, instanceIds: ids, reason: 'Scale step renamed (CC-7)', password: owner.user.password, meaning: 'released' });
      expect(response.status).toBe(200);
      result = response.body;
    });

    it('Then each instance has its outcome: two moved, the one at the removed task refused', () => {
      expect(result.results.map((r) => [r.instanceId, r.outcome])).toEqual([
        [ids[0], 'migrated'],
        [ids[1], 'migrated'],
        [ids[2], 'refused'],
      ]);
      expect(result.results[2].problems).toContainEqual(expect.objectContaining({ code: 'unmapped-activity', activityId: 'Label' }));
    });

    it('And the moved instances run version 2: same task row under its new id and name, and the new reminder timer armed', async () => {
      for (const id of ids.slice(0, 2)) {
        expect((await instanceRow(id)).version_id).toBe(target.id);
        const tasks = await openTasks(id);
        expect(tasks.map((t) => [t.activity_id, t.name])).toEqual([['WeighPallet', 'Weigh pallet on scale']]);
        const timers = await app.deps.db('jobs').where({ instance_id: id, kind: 'timer', status: 'pending' });
        expect(timers.map((t) => t.activity_id)).toEqual(['AfterHour']);
      }
      expect((await openTasks(ids[0]))[0].id).toBe(taskBefore.id);
    });

    it('And the refused instance is untouched', async () => {
      expect(await instanceRow(ids[2])).toEqual(stuckBefore);
      expect((await openTasks(ids[2])).map((t) => t.activity_id)).toEqual(['Label']);
    });

    it('And the migration record is signed, and each moved instance has its audit entry with the reason', async () => {
      const record = await app.deps.db('instance_migrations').where({ id: result.id }).first();
      expect(record.reason).toBe('Scale step renamed (CC-7)');
      expect(record.finished_at).not.toBeNull();
      const signature = await app.deps.db('signatures').where({ id: record.signature_id }).first();
      expect(signature).toMatchObject({ record_type: 'InstanceMigration', record_id: result.id, record_hash: record.record_hash, meaning: 'released', signer_username: owner.user.username });
      const audit = await app.deps.db('audit_events').where({ action: 'processInstance.migrated' });
      expect(audit.map((a) => a.entity_id).sort()).toEqual(ids.slice(0, 2).sort());
      expect(audit.every((a) => a.reason === 'Scale step renamed (CC-7)')).toBe(true);
      const verify = await app.http.get('/api/v1/audit/verify').set(reviewer.auth);
      expect(verify.body.ok).toBe(true);
    });

    it('And a moved instance goes on along version 2', async () => {
      const [task] = await openTasks(ids[0]);
      expect((await app.http.post(`/api/v1/tasks/${task.id}/complete`).set(operator.auth).send({ variables: { kg: 398 } })).status).toBe(200);
      expect((await openTasks(ids[0])).map((t) => t.activity_id)).toEqual(['Inspect']);
      expect(await app.deps.db('jobs').where({ instance_id: ids[0], kind: 'timer', status: 'pending' })).toEqual([]);
    });
  });
});
