import type { Knex } from 'knex';
import { purgeFinishedInstances } from '../../server/retention/retention';
import { buildProcess } from '../support/bpmn-builder';
import { advanceClock, deployReleased } from '../support/deploy';
import { loginAs, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Each instance calls a connector (a job), then waits at a user task (a task, history rows).
const callThenCheck = buildProcess({
  id: 'retention-call-check',
  name: 'Call then check',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Begin' },
    { id: 'Call', type: 'serviceTask', name: 'Call echo', attrs: { 'gemba:connector': 'echo', 'gemba:operation': 'ping' } },
    { id: 'Check', type: 'userTask', name: 'Check result', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'End' },
  ],
  flows: [
    { from: 'Start', to: 'Call' },
    { from: 'Call', to: 'Check' },
    { from: 'Check', to: 'End' },
  ],
});

const DAY = 86_400_000;
type Signed = Awaited<ReturnType<typeof signedInUser>>;

/** Row counts of the runtime and history tables for some instances. */
async function footprint(db: Knex, ids: string[]) {
  const count = async (table: string, column = 'instance_id') => Number((await db(table).whereIn(column, ids).count({ n: '*' }))[0].n);
  return {
    jobs: await count('jobs'),
    userTasks: await count('user_tasks'),
    activities: await count('activity_history'),
    subscriptions: await count('subscriptions'),
    engineStates: Number((await db('process_instances').whereIn('id', ids).whereNotNull('engine_state').count({ n: '*' }))[0].n),
    instanceRows: await count('process_instances', 'id'),
    archived: await count('archived_instances'),
  };
}

describe('Feature: history retention for finished instances', () => {
  let app: TestApp;
  let operator: Signed;
  let admin: Signed;
  const finished: string[] = [];
  const running: string[] = [];
  let auditBefore: Array<{ seq: number; hash: string }>;

  /** Moves the shared clock; sessions older than their lifetime end, so everyone signs in again. */
  async function passDays(days: number) {
    await advanceClock(app, admin, days * DAY);
    for (const who of [operator, admin]) {
      who.token = await loginAs(app, who.user);
      who.auth = { Authorization: `Bearer ${who.token}` };
    }
  }

  async function startAndFinish(count: number, finish: number, into: { finished: string[]; running: string[] }) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const response = await app.http.post('/api/v1/processes/retention-call-check/instances').set(operator.auth).send({ businessKey: `RET-${Date.now()}-${i}` });
      expect(response.status).toBe(201);
      ids.push(response.body.id);
    }
    await app.deps.drainJobs();
    for (const [index, id] of ids.entries()) {
      if (index >= finish) {
        into.running.push(id);
        continue;
      }
      const [task] = await app.deps.db('user_tasks').where({ instance_id: id, status: 'open' });
      const done = await app.http.post(`/api/v1/tasks/${task.id}/complete`).set(operator.auth).send({ variables: { ok: true } });
      expect(done.status).toBe(200);
      into.finished.push(id);
    }
  }

  beforeAll(async () => {
    app = await startTestApp();
    operator = await signedInUser(app, ['operator']);
    admin = await signedInUser(app, ['admin']);
    await deployReleased(app, callThenCheck);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('Scenario: keep-history removes runtime state in batches and leaves history and audit alone', () => {
    let before: Awaited<ReturnType<typeof footprint>>;

    it('Given ten finished instances and two that still wait at their task', async () => {
      await startAndFinish(12, 10, { finished, running });
      expect(await app.deps.db('process_instances').whereIn('id', finished).where({ status: 'completed' })).toHaveLength(10);
      before = await footprint(app.deps.db, finished);
      // A finished instance keeps no engine state; its jobs are what is left of its runtime.
      expect(before).toMatchObject({ jobs: 10, userTasks: 10, engineStates: 0, instanceRows: 10, archived: 0 });
      expect(before.activities).toBeGreaterThanOrEqual(40);
      auditBefore = await app.deps.db('audit_events').select('seq', 'hash').orderBy('seq');
    });

    it('When retention of 30 days runs today, Then nothing is old enough', async () => {
      const run = await purgeFinishedInstances(app.deps, { days: 30, policy: 'keep-history', batchSize: 4 });
      expect(run).toMatchObject({ instances: 0, batches: 0 });
      expect(await footprint(app.deps.db, finished)).toEqual(before);
    });

    it('When 31 days pass and two nodes run retention at once, in batches of four', async () => {
      await passDays(31);
      const runs = await Promise.all([
        purgeFinishedInstances(app.deps, { days: 30, policy: 'keep-history', batchSize: 4 }),
        purgeFinishedInstances(app.deps, { days: 30, policy: 'keep-history', batchSize: 4 }),
      ]);
      // Whichever way the two interleave, the ten instances are purged once between them.
      const again = await purgeFinishedInstances(app.deps, { days: 30, policy: 'keep-history', batchSize: 4 });
      expect(runs[0].instances + runs[1].instances + again.instances).toBe(10);
      expect(runs[0].batches + runs[1].batches + again.batches).toBeGreaterThanOrEqual(3);
    });

    it('Then the runtime tables shrank: no engine state, no jobs; tasks and activity history stay', async () => {
      const after = await footprint(app.deps.db, finished);
      process.stdout.write(`retention keep-history (10 instances): before ${JSON.stringify(before)} after ${JSON.stringify(after)}\n`);
      expect(after).toEqual({ ...before, jobs: 0 });
      const rows = await app.deps.db('process_instances').whereIn('id', finished);
      expect(rows.every((row) => row.runtime_purged_at !== null && row.state_bytes === 0 && row.status === 'completed')).toBe(true);
    });

    it('And the instances that still run are untouched and still complete', async () => {
      const rows = await app.deps.db('process_instances').whereIn('id', running);
      expect(rows.every((row) => row.engine_state !== null && row.runtime_purged_at === null)).toBe(true);
      const [task] = await app.deps.db('user_tasks').where({ instance_id: running[0], status: 'open' });
      const done = await app.http.post(`/api/v1/tasks/${task.id}/complete`).set(operator.auth).send({ variables: {} });
      expect(done.status).toBe(200);
      expect((await app.deps.db('process_instances').where({ id: running[0] }).first())?.status).toBe('completed');
    });

    it('And the audit trail kept every entry as it was, gained one entry per purged instance, and verifies', async () => {
      const now = await app.deps.db('audit_events').whereIn('seq', auditBefore.map((a) => a.seq)).select('seq', 'hash').orderBy('seq');
      expect(now).toEqual(auditBefore);
      const retained = await app.deps.db('audit_events').where({ action: 'processInstance.retained' });
      expect(retained.map((r) => r.entity_id).sort()).toEqual([...finished].sort());
      const verify = await app.http.get('/api/v1/audit/verify').set(admin.auth);
      expect(verify.body.ok).toBe(true);
    });

    it('And every audit entry about an instance still names an existing instance', async () => {
      const dangling = await app.deps.db('audit_events as a')
        .where('a.entity_type', 'ProcessInstance')
        .whereNotExists(app.deps.db('process_instances as p').whereRaw('p.id::text = a.entity_id').select(app.deps.db.raw('1')));
      expect(dangling).toHaveLength(0);
      const detail = await app.http.get(`/api/v1/instances/${finished[0]}`).set(operator.auth);
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({ id: finished[0], status: 'completed' });
    });
  });

  describe('Scenario: the archive policy moves history into the archive', () => {
    const archivedIds: string[] = [];
    let before: Awaited<ReturnType<typeof footprint>>;

    it('Given five more instances finish', async () => {
      await startAndFinish(5, 5, { finished: archivedIds, running: [] });
      before = await footprint(app.deps.db, archivedIds);
      expect(before).toMatchObject({ jobs: 5, userTasks: 5, engineStates: 0, archived: 0 });
    });

    it('When 31 more days pass and retention runs with the archive policy', async () => {
      await passDays(31);
      const run = await purgeFinishedInstances(app.deps, { days: 30, policy: 'archive', batchSize: 2 });
      // The instance finished in the first scenario's last step is old enough now too.
      expect(run.instances).toBe(6);
      expect(run.batches).toBe(3);
    });

    it('Then the live history tables shrank and each instance has one archive document with its history', async () => {
      const after = await footprint(app.deps.db, archivedIds);
      process.stdout.write(`retention archive (5 instances): before ${JSON.stringify(before)} after ${JSON.stringify(after)}\n`);
      expect(after).toEqual({ jobs: 0, userTasks: 0, activities: 0, subscriptions: 0, engineStates: 0, instanceRows: 5, archived: 5 });
      const archive = await app.deps.db('archived_instances').where({ instance_id: archivedIds[0] }).first();
      const document = archive.document as { instance: { id: string; variables: unknown }; userTasks: Array<{ status: string; submitted: unknown }>; activities: unknown[]; jobs: unknown[] };
      expect(document.instance.id).toBe(archivedIds[0]);
      expect(document.instance.variables).toMatchObject({ ok: true });
      expect(document.userTasks).toEqual([expect.objectContaining({ status: 'completed', submitted: { ok: true } })]);
      expect(document.activities.length).toBe(before.activities / 5);
      expect(document.jobs).toHaveLength(1);
    });

    it('And an archive document cannot be rewritten', async () => {
      await expect(app.deps.db('archived_instances').where({ instance_id: archivedIds[0] }).update({ policy: 'edited' })).rejects.toThrow(/immutable/);
    });

    it('And the instances purged earlier under keep-history are not purged twice', async () => {
      expect(await app.deps.db('archived_instances').whereIn('instance_id', finished.slice(0, 10))).toHaveLength(0);
      expect(await app.deps.db('audit_events').where({ action: 'processInstance.retained' })).toHaveLength(16);
      const verify = await app.http.get('/api/v1/audit/verify').set(admin.auth);
      expect(verify.body.ok).toBe(true);
    });
  });
});
