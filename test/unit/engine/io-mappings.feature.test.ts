import { createExpressions } from '../../../server/expressions';
import { bpmn, Instance } from './harness';

const options = { expressions: createExpressions() };

describe('Feature: camunda:inputOutput on user tasks and catch events, through the platform evaluator', () => {
  describe('Scenario: a user task with input and output parameters', () => {
    let instance: Instance;

    it('Given a measurement task whose form gets the tolerance and whose result is mapped', async () => {
      instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="measure" />
          <userTask id="measure" camunda:candidateGroups="inspector">
            <extensionElements><camunda:inputOutput>
              <camunda:inputParameter name="tolerance">\${spec.tolerance * 2}</camunda:inputParameter>
              <camunda:outputParameter name="inTolerance">\${diameter &lt;= spec.nominal + spec.tolerance}</camunda:outputParameter>
            </camunda:inputOutput></extensionElements>
          </userTask>
          <sequenceFlow id="f2" sourceRef="measure" targetRef="review" />
          <userTask id="review" camunda:candidateGroups="quality" /><sequenceFlow id="f3" sourceRef="review" targetRef="e" /><endEvent id="e" />
        </process>`),
        options,
      );
      await instance.start({ spec: { nominal: 10, tolerance: 0.5 } });
    });

    it('Then the task carries its resolved input', () => {
      expect(instance.task('measure').input).toEqual({ tolerance: 1 });
    });

    it('When it is completed, Then only the mapped output reaches the process', async () => {
      await instance.complete('measure', { diameter: 10.3 });
      expect(instance.snapshot?.variables).toEqual({ spec: { nominal: 10, tolerance: 0.5 }, inTolerance: true });
    });
  });

  describe('Scenario: a message catch with an output parameter', () => {
    it('Given a catch mapping the payload, Then the message variables are mapped', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
          <intermediateCatchEvent id="wait">
            <extensionElements><camunda:inputOutput><camunda:outputParameter name="lotStatus">\${status}</camunda:outputParameter></camunda:inputOutput></extensionElements>
            <messageEventDefinition messageRef="m" />
          </intermediateCatchEvent>
          <sequenceFlow id="f2" sourceRef="wait" targetRef="t" /><userTask id="t" camunda:candidateGroups="x" /><sequenceFlow id="f3" sourceRef="t" targetRef="e" /><endEvent id="e" />
        </process><message id="m" name="LotReleased" />`),
        options,
      );
      await instance.start();
      await instance.send({ type: 'message', name: 'LotReleased', variables: { status: 'released', noise: 1 } });
      expect(instance.snapshot?.variables).toEqual({ lotStatus: 'released' });
    });
  });

  describe('Scenario: a failing mapping expression', () => {
    it('Given an output parameter using an unknown variable, Then the run fails naming the expression and keeps the state', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="t" />
          <userTask id="t" camunda:candidateGroups="x">
            <extensionElements><camunda:inputOutput><camunda:outputParameter name="x">\${nope + 1}</camunda:outputParameter></camunda:inputOutput></extensionElements>
          </userTask>
          <sequenceFlow id="f2" sourceRef="t" targetRef="e" /><endEvent id="e" />
        </process>`),
        options,
      );
      await instance.start();
      const stored = instance.state;
      await instance.complete('t', {});
      expect(instance.last.outcome).toMatchObject({ status: 'failed', kind: 'model', message: expect.stringContaining('${nope + 1}') });
      expect(instance.last.state).toBeUndefined();
      expect(instance.state).toBe(stored);
    });
  });
});
