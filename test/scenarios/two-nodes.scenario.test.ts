import { buildProcess, timer } from '../support/bpmn-builder';
import { deployReleased } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Each instance waits one minute, then calls a connector, then opens a task.
const waitThenCall = buildProcess({
  id: 'wait-then-call',
  name: 'Wait then call',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Begin' },
    { id: 'Wait', type: 'intermediateCatchEvent', name: 'One minute', body: timer('timeDuration', 'PT1M') },
    { id: 'Call', type: 'serviceTask', name: 'Call echo', attrs: { 'gemba:connector': 'echo', 'gemba:operation': 'ping' } },
    { id: 'Check', type: 'userTask', name: 'Check result', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'End' },
  ],
  flows: [
    { from: 'Start', to: 'Wait' },
    { from: 'Wait', to: 'Call' },
    { from: 'Call', to: 'Check' },
    { from: 'Check', to: 'End' },
  ],
});

const INSTANCES = 40;
// Two nodes need a database server; the embedded database serves one process by design.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

onPostgres('Feature: two server nodes on one PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  const ids: string[] = [];

  beforeAll(async () => {
    a = await startTestApp({ GEMBA_JOB_POLL_MS: '50' });
    b = await startTestApp({ GEMBA_JOB_POLL_MS: '50' }, { database: a.testDatabase });
    operator = await signedInUser(a, ['operator']);
    admin = await signedInUser(a, ['admin']);
    await deployReleased(a, waitThenCall);
  });
  afterAll(async () => {
    await b?.close({ keepDatabase: true });
    await a?.close();
  });

  describe('Scenario: both nodes poll the same jobs; each timer fires once and each job completes once', () => {
    it('Given instances started through both nodes', async () => {
      for (let i = 0; i < INSTANCES; i++) {
        const node = i % 2 === 0 ? a : b;
        const response = await node.http.post('/api/v1/processes/wait-then-call/instances').set(operator.auth).send({ businessKey: `N-${i}` });
        expect(response.status).toBe(201);
        ids.push(response.body.id);
      }
    });

    it('When the shared clock passes the minute and both nodes work the jobs at once', async () => {
      const moved = await a.http.post('/api/v1/admin/clock').set(admin.auth).send({ advanceMs: 61_000 });
      expect(moved.status).toBe(200);
      await Promise.all([a.deps.drainJobs(), b.deps.drainJobs(), a.deps.drainJobs(), b.deps.drainJobs()]);
      await Promise.all([a.deps.drainJobs(), b.deps.drainJobs()]);
    });

    it('Then every instance waits at its task, every timer fired once and every job ran once, spread over both nodes', async () => {
      const db = a.deps.db;
      const open = await db('user_tasks').whereIn('instance_id', ids).where({ status: 'open', activity_id: 'Check' });
      expect(open).toHaveLength(INSTANCES);
      const fired = await db('audit_events').where({ action: 'timer.fired' }).select('entity_id', 'context');
      expect(fired).toHaveLength(INSTANCES);
      expect(new Set(fired.map((f) => (f.context as { node: string }).node))).toEqual(new Set([a.deps.nodeId, b.deps.nodeId]));
      expect(new Set(fired.map((f) => f.entity_id)).size).toBe(INSTANCES);
      const completed = await db('audit_events').where({ action: 'job.completed' }).select('entity_id');
      expect(completed).toHaveLength(INSTANCES);
      expect(new Set(completed.map((f) => f.entity_id)).size).toBe(INSTANCES);
      const jobs = await db('jobs').whereIn('instance_id', ids);
      expect(jobs.every((j) => j.status === 'done')).toBe(true);
      expect(jobs.every((j) => j.attempts === 1)).toBe(true);
      const history = await db('activity_history').whereIn('instance_id', ids).where({ activity_id: 'Wait' });
      expect(history).toHaveLength(INSTANCES);
      const verify = await a.http.get('/api/v1/audit/verify').set(admin.auth);
      expect(verify.body.ok).toBe(true);
    });
  });
});
