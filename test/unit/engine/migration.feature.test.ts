import type { CompiledDefinition, MigrationResult } from '../../../server/engine';
import { compileDefinition, migrateState, planMigration, runEvent } from '../../../server/engine';
import { createExpressions } from '../../../server/expressions';
import { bpmn, HOUR, Instance, T0 } from './harness';

const options = { expressions: createExpressions() };
const MINUTE = 60_000;

// Version 1 inspects, version 2 renamed the task (inspect → inspectPart) and added a check after it.
function version(task: string, extra = '') {
  return bpmn(`
  <process id="inspection" isExecutable="true">
    <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="${task}" />
    <userTask id="${task}" name="Inspect part" camunda:candidateGroups="inspector" camunda:dueDate="PT8H" />
    <boundaryEvent id="deadline" attachedToRef="${task}"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>
    <sequenceFlow id="f3" sourceRef="deadline" targetRef="escalate" />
    <userTask id="escalate" camunda:candidateGroups="supervisor" /><sequenceFlow id="f4" sourceRef="escalate" targetRef="end" />
    <sequenceFlow id="f2" sourceRef="${task}" targetRef="${extra ? 'check' : 'end'}" />
    ${extra}
    <endEvent id="end" />
  </process>`);
}
const CHECK = '<userTask id="check" camunda:candidateGroups="quality" /><sequenceFlow id="f5" sourceRef="check" targetRef="end" />';

describe('Feature: instance migration between versions', () => {
  describe('Scenario: waiting state moves to a new version with a renamed task mapped explicitly', () => {
    let v1: CompiledDefinition;
    let v2: CompiledDefinition;
    let instance: Instance;
    let result: MigrationResult;

    it('Given an instance of version 1 waiting at "inspect" with its one hour deadline', async () => {
      v1 = await compileDefinition(version('inspect'));
      v2 = await compileDefinition(version('inspectPart', CHECK));
      instance = new Instance(v1, options);
      await instance.start({ lot: 'L-1' });
      instance.advance(10 * MINUTE);
      expect(instance.openTasks()).toEqual(['inspect']);
    });

    it('Then the plan maps equal ids and asks for a mapping of the renamed task', () => {
      const plan = planMigration(v1, v2);
      expect(plan.problems).toEqual([
        { code: 'unmapped-activity', activityId: 'inspect', message: "UserTask 'Inspect part' (inspect) has no mapping, and the new version has no element with its id" },
        { code: 'scope-lost', activityId: 'deadline', message: "BoundaryEvent 'deadline' (deadline) is mapped to 'deadline', which is attached to 'inspectPart', not to where 'inspect' goes" },
      ]);
      const mapped = planMigration(v1, v2, { inspect: 'inspectPart' });
      expect(mapped.problems).toEqual([]);
      expect(mapped.mapping).toMatchObject({ inspect: 'inspectPart', deadline: 'deadline', escalate: 'escalate', end: 'end' });
      expect(mapped.planned.find((p) => p.from === 'inspect')).toEqual({ from: 'inspect', to: 'inspectPart', type: 'bpmn:UserTask', byId: false });
    });

    it('When the state is migrated with that mapping', () => {
      result = migrateState(v1, v2, instance.state!, planMigration(v1, v2, { inspect: 'inspectPart' }).mapping, { ...options, now: instance.now });
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
    });

    it('Then the task and its timer keep their execution ids, due dates and due times, re-pointed to the new activity', () => {
      if (!result.ok) throw new Error('not migrated');
      const task = instance.task('inspect');
      const timer = instance.timer('deadline');
      expect(result.moves).toEqual(
        expect.arrayContaining([
          { kind: 'userTask', executionId: task.executionId, fromActivityId: 'inspect', toActivityId: 'inspectPart' },
          { kind: 'timer', executionId: timer.executionId, fromActivityId: 'deadline', toActivityId: 'deadline' },
        ]),
      );
      expect(result.snapshot.userTasks).toEqual([expect.objectContaining({ executionId: task.executionId, activityId: 'inspectPart', dueAt: new Date(T0.getTime() + 8 * HOUR) })]);
      expect(result.snapshot.timers).toEqual([expect.objectContaining({ executionId: timer.executionId, activityId: 'deadline', attachedTo: 'inspectPart', expireAt: new Date(T0.getTime() + HOUR) })]);
      expect(result.snapshot.variables).toEqual({ lot: 'L-1' });
      expect(result.state.timers).toEqual({ [timer.executionId]: T0.getTime() + HOUR });
    });

    it('When the instance continues on version 2, Then it follows the new model', async () => {
      if (!result.ok) throw new Error('not migrated');
      const next = new Instance(v2, options, instance.now);
      next.state = result.state;
      next.snapshot = result.snapshot;
      await next.complete('inspectPart');
      expect(next.openTasks()).toEqual(['check']);
      expect(next.snapshot?.timers).toEqual([]);
    });

    it('And the due timer moved with it still fires at its original time', async () => {
      if (!result.ok) throw new Error('not migrated');
      const fired = await runEvent(v2, JSON.parse(JSON.stringify(result.state)), { type: 'timerDue', executionId: result.snapshot.timers[0].executionId }, { ...options, now: new Date(T0.getTime() + HOUR) });
      expect(fired.snapshot?.userTasks.map((t) => t.activityId)).toEqual(['escalate']);
    });
  });

  describe('Scenario: a token inside a renamed sub-process', () => {
    it('Given the sub-process is mapped, Then its task moves inside it and the instance completes on the new version', async () => {
      const model = (sub: string) =>
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="${sub}" />
          <subProcess id="${sub}"><startEvent id="rs" /><sequenceFlow id="r1" sourceRef="rs" targetRef="fix" /><userTask id="fix" camunda:candidateGroups="op" /><sequenceFlow id="r2" sourceRef="fix" targetRef="re" /><endEvent id="re" /></subProcess>
          <sequenceFlow id="f2" sourceRef="${sub}" targetRef="e" /><endEvent id="e" />
        </process>`);
      const v1 = await compileDefinition(model('rework'));
      const v2 = await compileDefinition(model('repair'));
      const instance = new Instance(v1, options);
      await instance.start({ unit: 'U1' });
      const task = instance.task('fix');
      const result = migrateState(v1, v2, instance.state!, planMigration(v1, v2, { rework: 'repair' }).mapping, { ...options, now: T0 });
      if (!result.ok) throw new Error(JSON.stringify(result.problems));
      expect(result.moves).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'scope', fromActivityId: 'rework', toActivityId: 'repair' }), expect.objectContaining({ kind: 'userTask', executionId: task.executionId, toActivityId: 'fix' })]));
      const next = new Instance(v2, options);
      next.state = result.state;
      next.snapshot = result.snapshot;
      await next.complete('fix');
      expect(next.last.outcome).toEqual({ status: 'completed' });
      expect(next.historyOf('completed')).toEqual(['fix', 're', 'repair', 'e']);
    });
  });

  describe('Scenario: a migration that would lose a token is refused', () => {
    it('Given a token in a sub-process whose task moves out of it in the new version, Then the migration is refused with the reason', async () => {
      const v1 = await compileDefinition(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="rework" />
          <subProcess id="rework"><startEvent id="rs" /><sequenceFlow id="r1" sourceRef="rs" targetRef="fix" /><userTask id="fix" camunda:candidateGroups="op" /><sequenceFlow id="r2" sourceRef="fix" targetRef="re" /><endEvent id="re" /></subProcess>
          <sequenceFlow id="f2" sourceRef="rework" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      const v2 = await compileDefinition(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="fix" />
          <userTask id="fix" camunda:candidateGroups="op" />
          <sequenceFlow id="f2" sourceRef="fix" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      const instance = new Instance(v1, options);
      await instance.start();
      const result = migrateState(v1, v2, instance.state!, planMigration(v1, v2).mapping, { ...options, now: T0 });
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([
        { code: 'unmapped-activity', activityId: 'rework', executionId: expect.any(String), message: "SubProcess 'rework' (rework) has no mapping, and the new version has no element with its id" },
        { code: 'scope-lost', activityId: 'fix', executionId: expect.any(String), message: "UserTask 'fix' (fix) sits in sub-process 'rework', which has no counterpart in the new version: the token would lose its scope" },
      ]);
    });

    it('Given a parallel join reached by one branch only, Then the migration is refused until it joins', async () => {
      const xml = bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="fork" />
          <parallelGateway id="fork" />
          <sequenceFlow id="fa" sourceRef="fork" targetRef="a" /><sequenceFlow id="fb" sourceRef="fork" targetRef="b" />
          <task id="a" /><userTask id="b" camunda:candidateGroups="op" />
          <sequenceFlow id="fa2" sourceRef="a" targetRef="join" /><sequenceFlow id="fb2" sourceRef="b" targetRef="join" />
          <parallelGateway id="join" /><sequenceFlow id="fj" sourceRef="join" targetRef="e" /><endEvent id="e" />
        </process>`);
      const v1 = await compileDefinition(xml);
      const v2 = await compileDefinition(xml.replace('id="Defs"', 'id="Defs2"'));
      const instance = new Instance(v1, options);
      await instance.start();
      const result = migrateState(v1, v2, instance.state!, planMigration(v1, v2).mapping, { ...options, now: T0 });
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([expect.objectContaining({ code: 'join-half-reached', activityId: 'join' })]);
    });

    it('Given a changed activity type, Then the plan reports it', async () => {
      const v1 = await compileDefinition(version('inspect'));
      const v2 = await compileDefinition(version('inspect').replace('<userTask id="inspect"', '<manualTask id="inspect"').replace('camunda:candidateGroups="inspector" camunda:dueDate="PT8H" />', '/>'));
      expect(planMigration(v1, v2).problems).toEqual([expect.objectContaining({ code: 'type-changed', activityId: 'inspect' })]);
    });
  });
});
