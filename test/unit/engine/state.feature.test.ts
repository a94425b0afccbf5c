import type { StoredState } from '../../../server/engine';
import { compileDefinition, runEvent } from '../../../server/engine';
import { bpmn, Instance, T0 } from './harness';

const simple = bpmn(`
  <process id="simple" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="task" />
    <userTask id="task" name="Confirm" />
    <sequenceFlow id="f2" sourceRef="task" targetRef="end" />
    <endEvent id="end" />
  </process>`);

describe('Feature: stored state', () => {
  describe('Scenario: a waiting simple instance', () => {
    let instance: Instance;

    it('Given start → user task', async () => {
      instance = await Instance.of(simple);
      await instance.start({ orderId: 'WO-4711', qty: 12 });
    });

    it('Then its stored state is at most 4 KB of JSON', () => {
      expect(instance.stateBytes[0]).toBeLessThanOrEqual(4096);
    });

    it('And it holds neither the model nor functions, only JSON data', () => {
      const json = JSON.stringify(instance.state);
      expect(json).not.toContain('<?xml');
      expect(json).not.toContain('"source"');
      expect(JSON.parse(json)).toEqual(instance.state);
      expect(instance.state).toMatchObject({ v: 1, start: 'none', timers: {}, dueAt: {} });
    });

    it('And it does not keep bpmn-elements copies of broker messages as variables', () => {
      expect(JSON.stringify(instance.state)).not.toMatch(/"variables":\{[^}]*"fields"/);
      expect(instance.snapshot?.variables).toEqual({ orderId: 'WO-4711', qty: 12 });
    });

    it('When another server process (its own compile of the same version) takes the next event, Then it completes', async () => {
      const otherNode = await compileDefinition(simple);
      const stored = JSON.parse(JSON.stringify(instance.state)) as StoredState;
      const result = await runEvent(otherNode, stored, { type: 'completeUserTask', executionId: instance.task('task').executionId, output: { ok: true } }, { now: T0 });
      expect(result.outcome).toEqual({ status: 'completed' });
      expect(result.snapshot?.variables).toEqual({ orderId: 'WO-4711', qty: 12, ok: true });
    });
  });

  describe('Scenario: many instances of one compiled version at once', () => {
    it('Given 20 instances started and completed interleaved, Then none sees another one’s data', async () => {
      const definition = await compileDefinition(simple);
      const instances = Array.from({ length: 20 }, () => new Instance(definition));
      await Promise.all(instances.map((i, n) => i.start({ n })));
      await Promise.all(instances.map((i, n) => i.complete('task', { doneBy: `u${n}` })));
      instances.forEach((i, n) => {
        expect(i.last.outcome.status).toBe('completed');
        expect(i.snapshot?.variables).toEqual({ n, doneBy: `u${n}` });
      });
    });
  });

  describe('Scenario: the same event applied twice', () => {
    it('Given a completed task, When the completion is replayed on the new state, Then it is not applied', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true"><startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="a" />
          <userTask id="a" /><sequenceFlow id="f2" sourceRef="a" targetRef="b" /><userTask id="b" /></process>`),
      );
      await instance.start();
      const event = { type: 'completeUserTask' as const, executionId: instance.task('a').executionId, output: {} };
      await instance.send(event);
      const replay = await instance.send(event);
      expect(replay.applied).toBe(false);
      expect(instance.openTasks()).toEqual(['b']);
    });
  });
});
