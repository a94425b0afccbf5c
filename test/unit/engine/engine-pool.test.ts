import path from 'node:path';
import { DefinitionCompileError, EnginePool } from '../../../server/engine';
import { bpmn, T0 } from './harness';

const xml = bpmn(`
  <process id="p" isExecutable="true">
    <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
    <exclusiveGateway id="gw" default="f3" />
    <sequenceFlow id="f2" sourceRef="gw" targetRef="stuck"><conditionExpression xsi:type="tFormalExpression">\${environment.services.spin()}</conditionExpression></sequenceFlow>
    <sequenceFlow id="f3" sourceRef="gw" targetRef="task" />
    <userTask id="task" /><endEvent id="stuck" />
  </process>`);
const plain = xml.replace('${environment.services.spin()}', '${environment.variables.hang}');

describe('EnginePool', () => {
  let pool: EnginePool;
  beforeAll(() => {
    pool = new EnginePool({ size: 2, runTimeoutMs: 1500, setupModule: path.join(__dirname, 'fixtures/pool-setup.ts') });
  });
  afterAll(() => pool.close());

  it('runs events on worker threads and loads each version at most once per worker', async () => {
    // given
    const loadXml = jest.fn(() => plain);
    const version = { id: 'v-plain', loadXml };
    // when four instances start and complete
    const started = await Promise.all([1, 2, 3, 4].map((n) => pool.run(version, undefined, { type: 'start', variables: { n } }, { now: T0 })));
    expect(started.map((r) => r.outcome)).toEqual([1, 2, 3, 4].map(() => ({ status: 'running' })));
    const completed = await Promise.all(
      started.map((r) => pool.run(version, r.state, { type: 'completeUserTask', executionId: r.snapshot!.userTasks[0].executionId, output: { ok: true } }, { now: T0 })),
    );
    // then
    expect(started[0].snapshot?.userTasks[0].activityId).toBe('task');
    expect(completed.map((r) => r.snapshot?.variables)).toEqual([1, 2, 3, 4].map((n) => ({ n, ok: true })));
    expect(completed.every((r) => r.outcome.status === 'completed')).toBe(true);
    expect(loadXml.mock.calls.length).toBeLessThanOrEqual(2);
    expect(loadXml).toHaveBeenCalled();
  });

  it('abandons a run stuck in a service, replaces its worker and keeps serving', async () => {
    // given a condition calling a service that never returns
    const version = { id: 'v-stuck', loadXml: () => xml };
    // when
    const stuck = await pool.run(version, undefined, { type: 'start' }, { now: T0 });
    // then
    expect(stuck.outcome).toMatchObject({ status: 'failed', kind: 'internal', message: expect.stringMatching(/did not finish within 1500 ms/) });
    const next = await pool.run({ id: 'v-plain', loadXml: () => plain }, undefined, { type: 'start' }, { now: T0 });
    expect(next.outcome.status).toBe('running');
    expect(pool.size).toBe(2);
  });

  it('rejects a version that cannot be compiled with the compile error', async () => {
    // given / when / then
    await expect(pool.run({ id: 'v-bad', loadXml: () => '<definitions/>' }, undefined, { type: 'start' }, { now: T0 })).rejects.toThrow(DefinitionCompileError);
  });
});
