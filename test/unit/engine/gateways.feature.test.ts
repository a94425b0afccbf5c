import { createExpressions } from '../../../server/expressions';
import { bpmn, Instance } from './harness';

const options = { expressions: createExpressions(), allowScripts: true };

// start → loop (exclusive merge) → split (inclusive) → count (script) / sample (task) → join (inclusive) → decide
function loopingInclusive(condition = '${n &lt; 5}', count = '<scriptTask id="count" scriptFormat="javascript"><script>environment.variables.n = environment.variables.n + 1; next();</script></scriptTask>') {
  return bpmn(`
  <process id="p" isExecutable="true">
    <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="loop" />
    <exclusiveGateway id="loop" /><sequenceFlow id="f2" sourceRef="loop" targetRef="split" />
    <inclusiveGateway id="split" />
    <sequenceFlow id="fa" sourceRef="split" targetRef="count"><conditionExpression>\${true}</conditionExpression></sequenceFlow>
    <sequenceFlow id="fb" sourceRef="split" targetRef="sample"><conditionExpression>\${n &lt; 2}</conditionExpression></sequenceFlow>
    ${count}
    <task id="sample" />
    <sequenceFlow id="fa2" sourceRef="count" targetRef="join" /><sequenceFlow id="fb2" sourceRef="sample" targetRef="join" />
    <inclusiveGateway id="join" /><sequenceFlow id="fj" sourceRef="join" targetRef="decide" />
    <exclusiveGateway id="decide" default="fend" />
    <sequenceFlow id="fback" sourceRef="decide" targetRef="loop"><conditionExpression>${condition}</conditionExpression></sequenceFlow>
    <sequenceFlow id="fend" sourceRef="decide" targetRef="e" /><endEvent id="e" />
  </process>`);
}

describe('Feature: inclusive gateways', () => {
  describe('Scenario: a looping inclusive split and join terminates', () => {
    it('Given five passes, two of them through both branches, Then the join waits for each pass and the end is reached once', async () => {
      const instance = await Instance.of(loopingInclusive(), options);
      await instance.start({ n: 0 });
      expect(instance.last.outcome).toEqual({ status: 'completed' });
      expect(instance.last.snapshot?.variables).toEqual({ n: 5 });
      const history = instance.last.history.filter((h) => h.event === 'completed');
      expect(history.filter((h) => h.activityId === 'join')).toHaveLength(5);
      expect(history.filter((h) => h.activityId === 'sample')).toHaveLength(2);
      expect(history.filter((h) => h.activityId === 'e')).toHaveLength(1);
    });
  });

  describe('Scenario: an inclusive join after a split with a user task on one branch', () => {
    it('Given both branches taken, Then the join fires only when the task is done', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="split" />
          <inclusiveGateway id="split" />
          <sequenceFlow id="fa" sourceRef="split" targetRef="a"><conditionExpression>\${true}</conditionExpression></sequenceFlow>
          <sequenceFlow id="fb" sourceRef="split" targetRef="b"><conditionExpression>\${withCheck}</conditionExpression></sequenceFlow>
          <task id="a" /><userTask id="b" camunda:candidateGroups="qa" />
          <sequenceFlow id="fa2" sourceRef="a" targetRef="join" /><sequenceFlow id="fb2" sourceRef="b" targetRef="join" />
          <inclusiveGateway id="join" /><sequenceFlow id="fj" sourceRef="join" targetRef="after" />
          <userTask id="after" camunda:candidateGroups="qa" /><sequenceFlow id="fe" sourceRef="after" targetRef="e" /><endEvent id="e" />
        </process>`),
        options,
      );
      await instance.start({ withCheck: true });
      expect(instance.openTasks()).toEqual(['b']);
      await instance.complete('b');
      expect(instance.openTasks()).toEqual(['after']);
    });
  });

  describe('Scenario: an endless inclusive loop', () => {
    it.each([250, 1_000])('Given a step budget of %i, Then the run fails as a budget failure, never with a stack overflow', async (maxActivityStarts) => {
      const instance = await Instance.of(loopingInclusive('${true}', '<task id="count" />'), { ...options, maxActivityStarts });
      await instance.start({ n: 0 });
      expect(instance.last.outcome).toMatchObject({ status: 'failed', kind: 'budget' });
      expect(instance.last.state).toBeUndefined();
    });
  });
});
