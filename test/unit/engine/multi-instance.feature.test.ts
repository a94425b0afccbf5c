import { createExpressions } from '../../../server/expressions';
import { bpmn, HOUR, Instance, T0 } from './harness';

const options = { expressions: createExpressions() };

describe('Feature: multi-instance activities', () => {
  describe('Scenario: a parallel multi-instance user task over a collection with a completion condition', () => {
    let instance: Instance;

    it('Given one inspection per lot, done when two of them are', async () => {
      instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="inspect" />
          <userTask id="inspect" name="Inspect lot" camunda:candidateGroups="inspector" camunda:assignee="\${lot.owner}">
            <multiInstanceLoopCharacteristics camunda:collection="\${lots}" camunda:elementVariable="lot">
              <completionCondition>\${nrOfCompletedInstances >= 2}</completionCondition>
            </multiInstanceLoopCharacteristics>
          </userTask>
          <sequenceFlow id="f2" sourceRef="inspect" targetRef="release" />
          <userTask id="release" camunda:candidateGroups="quality" />
          <sequenceFlow id="f3" sourceRef="release" targetRef="e" /><endEvent id="e" />
        </process>`),
        options,
      );
      await instance.start({ lots: [{ id: 'A', owner: 'ana' }, { id: 'B', owner: 'ben' }, { id: 'C', owner: 'cy' }] });
    });

    it('Then each iteration is a waiting user task with its own execution id and loop variables', () => {
      const tasks = instance.snapshot!.userTasks;
      expect(tasks.map((t) => [t.activityId, t.assignee, t.loopVariables])).toEqual([
        ['inspect', 'ana', { loopCounter: 0, nrOfInstances: 3, lot: { id: 'A', owner: 'ana' } }],
        ['inspect', 'ben', { loopCounter: 1, nrOfInstances: 3, lot: { id: 'B', owner: 'ben' } }],
        ['inspect', 'cy', { loopCounter: 2, nrOfInstances: 3, lot: { id: 'C', owner: 'cy' } }],
      ]);
      expect(new Set(tasks.map((t) => t.executionId)).size).toBe(3);
    });

    it('When the activity-level execution id is used, Then nothing is completed', async () => {
      const root = tasks().find(() => true)!.executionId.replace(/_\d+$/, '');
      const result = await instance.send({ type: 'completeUserTask', executionId: root });
      expect(result.applied).toBe(false);
    });

    it('When two iterations complete, Then the completion condition ends the third and the process moves on', async () => {
      const [, second, third] = tasks();
      await instance.send({ type: 'completeUserTask', executionId: third.executionId, output: { okC: true } });
      expect(tasks().map((t) => t.loopVariables?.loopCounter)).toEqual([0, 1]);
      await instance.send({ type: 'completeUserTask', executionId: second.executionId, output: { okB: true } });
      expect(instance.openTasks()).toEqual(['release']);
      expect(instance.snapshot?.variables).toMatchObject({ okB: true, okC: true });
    });

    function tasks() {
      return instance.snapshot!.userTasks;
    }
  });

  describe('Scenario: a sequential multi-instance service task by cardinality', () => {
    it('Given three calibration jobs one after the other, Then each is a job with its own execution id and loop counter', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="calibrate" />
          <serviceTask id="calibrate" camunda:type="external" camunda:topic="calibrate">
            <multiInstanceLoopCharacteristics isSequential="true"><loopCardinality>\${stations}</loopCardinality></multiInstanceLoopCharacteristics>
          </serviceTask>
          <sequenceFlow id="f2" sourceRef="calibrate" targetRef="e" /><endEvent id="e" />
        </process>`),
        options,
      );
      await instance.start({ stations: 3 });
      const seen: unknown[] = [];
      for (let i = 0; i < 3; i++) {
        expect(instance.snapshot!.jobs).toHaveLength(1);
        const job = instance.snapshot!.jobs[0];
        seen.push([job.executionId.slice(-2), job.loopVariables?.loopCounter, job.input.loopCounter]);
        await instance.send({ type: 'jobCompleted', executionId: job.executionId, output: { [`station${i}`]: 'ok' } });
      }
      expect(seen).toEqual([
        ['_0', 0, 0],
        ['_1', 1, 1],
        ['_2', 2, 2],
      ]);
      expect(instance.last.outcome).toEqual({ status: 'completed' });
    });

    it('Given a parallel multi-instance service task, Then every iteration is a job at once', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="notify" />
          <sendTask id="notify" camunda:type="external" camunda:topic="notify">
            <multiInstanceLoopCharacteristics camunda:collection="\${recipients}" camunda:elementVariable="to" />
          </sendTask>
          <sequenceFlow id="f2" sourceRef="notify" targetRef="e" /><endEvent id="e" />
        </process>`),
        options,
      );
      await instance.start({ recipients: ['qa', 'ops'] });
      expect(instance.snapshot!.jobs.map((j) => j.input.to)).toEqual(['qa', 'ops']);
      for (const job of [...instance.snapshot!.jobs]) await instance.send({ type: 'jobCompleted', executionId: job.executionId });
      expect(instance.last.outcome).toEqual({ status: 'completed' });
    });
  });

  describe('Scenario: a parallel multi-instance sub-process cancelled by a boundary timer', () => {
    let instance: Instance;

    it('Given two sub-process iterations, each waiting at a user task, under a 4 hour boundary timer', async () => {
      instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="rework" />
          <subProcess id="rework" name="Rework">
            <multiInstanceLoopCharacteristics><loopCardinality>2</loopCardinality></multiInstanceLoopCharacteristics>
            <startEvent id="rs" /><sequenceFlow id="r1" sourceRef="rs" targetRef="fix" />
            <userTask id="fix" name="Fix unit" camunda:candidateGroups="operator" />
            <sequenceFlow id="r2" sourceRef="fix" targetRef="re" /><endEvent id="re" />
          </subProcess>
          <boundaryEvent id="timeout" attachedToRef="rework"><timerEventDefinition><timeDuration>PT4H</timeDuration></timerEventDefinition></boundaryEvent>
          <sequenceFlow id="f2" sourceRef="rework" targetRef="e" /><endEvent id="e" />
          <sequenceFlow id="f3" sourceRef="timeout" targetRef="escalate" />
          <userTask id="escalate" camunda:candidateGroups="supervisor" />
          <sequenceFlow id="f4" sourceRef="escalate" targetRef="e2" /><endEvent id="e2" />
        </process>`),
        options,
      );
      await instance.start();
      expect(instance.openTasks()).toEqual(['fix', 'fix']);
      expect(instance.timer('timeout').expireAt).toEqual(new Date(T0.getTime() + 4 * HOUR));
    });

    it('When one iteration finishes and the timer fires, Then the other iteration is cancelled and the escalation opens', async () => {
      await instance.complete('fix');
      expect(instance.openTasks()).toEqual(['fix']);
      await instance.fire('timeout');
      expect(instance.openTasks()).toEqual(['escalate']);
      expect(instance.snapshot?.timers).toEqual([]);
      expect(instance.historyOf('cancelled')).toEqual(expect.arrayContaining(['rework']));
    });
  });

  describe('Scenario: a failing collection expression', () => {
    it('Given a collection that is not defined, Then the run fails naming the expression and the element', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="t" />
          <userTask id="t" camunda:candidateGroups="x"><multiInstanceLoopCharacteristics camunda:collection="\${lotz}" /></userTask>
          <sequenceFlow id="f2" sourceRef="t" targetRef="e" /><endEvent id="e" />
        </process>`),
        options,
      );
      await instance.start({ lots: [] });
      expect(instance.last.outcome).toMatchObject({ status: 'failed', kind: 'model', elementId: 't', message: expect.stringContaining('${lotz}') });
    });
  });
});
