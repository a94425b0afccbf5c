import { createExpressions } from '../../../server/expressions';
import { bpmn, Instance } from './harness';

const release = bpmn(`
  <error id="Err_credit" name="Credit blocked" errorCode="CREDIT_BLOCKED" />
  <process id="release" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="reserve" />
    <serviceTask id="reserve" name="Reserve material" camunda:type="external" camunda:topic="erp-reserve">
      <extensionElements><camunda:failedJobRetryTimeCycle>R5/PT2M</camunda:failedJobRetryTimeCycle></extensionElements>
    </serviceTask>
    <sequenceFlow id="f2" sourceRef="reserve" targetRef="post" />
    <serviceTask id="post" name="Post order" gemba:connector="erp" gemba:operation="createOrder" gemba:retries="3">
      <extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="material">\${environment.variables.material}</camunda:inputParameter>
          <camunda:inputParameter name="site">PLANT-1</camunda:inputParameter>
          <camunda:outputParameter name="erpOrderNo">\${environment.variables.orderNumber}</camunda:outputParameter>
        </camunda:inputOutput>
      </extensionElements>
    </serviceTask>
    <boundaryEvent id="blocked" attachedToRef="post"><errorEventDefinition errorRef="Err_credit" /></boundaryEvent>
    <sequenceFlow id="f3" sourceRef="post" targetRef="confirm" />
    <userTask id="confirm" />
    <sequenceFlow id="f4" sourceRef="blocked" targetRef="clarify" />
    <userTask id="clarify" name="Clarify credit block" />
  </process>`);

describe('Feature: service tasks become jobs', () => {
  describe('Scenario: an external task, then a connector with input and output mappings', () => {
    let instance: Instance;

    it('Given a started release', async () => {
      instance = await Instance.of(release);
      await instance.start({ material: 'M-100', qty: 4 });
    });

    it('Then the external task is a job for its topic with every variable as input', () => {
      expect(instance.snapshot?.jobs).toEqual([
        {
          executionId: expect.stringMatching(/^reserve_/),
          activityId: 'reserve',
          activityType: 'bpmn:ServiceTask',
          name: 'Reserve material',
          topic: 'erp-reserve',
          retries: 5,
          retryTimeCycle: 'R5/PT2M',
          input: { material: 'M-100', qty: 4 },
        },
      ]);
    });

    it('When the worker completes it with output, Then the output is merged into the variables', async () => {
      await instance.send({ type: 'jobCompleted', executionId: instance.job('reserve').executionId, output: { reservation: 'R-77' } });
      expect(instance.snapshot?.variables).toEqual({ material: 'M-100', qty: 4, reservation: 'R-77' });
      expect(instance.historyOf('completed')).toContain('reserve');
    });

    it('Then the connector job carries its connector, operation, retries and mapped input', () => {
      expect(instance.job('post')).toEqual({
        executionId: expect.stringMatching(/^post_/),
        activityId: 'post',
        activityType: 'bpmn:ServiceTask',
        name: 'Post order',
        connector: 'erp',
        operation: 'createOrder',
        retries: 3,
        input: { material: 'M-100', site: 'PLANT-1' },
      });
    });

    it('When it completes, Then only the output parameters are mapped into the variables', async () => {
      await instance.send({ type: 'jobCompleted', executionId: instance.job('post').executionId, output: { orderNumber: '4500012', raw: { big: true } } });
      expect(instance.snapshot?.variables).toEqual({ material: 'M-100', qty: 4, reservation: 'R-77', erpOrderNo: '4500012' });
      expect(instance.openTasks()).toEqual(['confirm']);
    });

    it('When a completion names the finished job again, Then it is not applied', async () => {
      const result = await instance.send({ type: 'jobCompleted', executionId: instance.results[1].snapshot!.jobs[0].executionId, output: {} });
      expect(result.applied).toBe(false);
    });
  });

  describe('Scenario: a connector raises a BPMN error caught by an error boundary event', () => {
    let instance: Instance;

    it('Given the order posting job is open', async () => {
      instance = await Instance.of(release);
      await instance.start({ material: 'M-1' });
      await instance.send({ type: 'jobCompleted', executionId: instance.job('reserve').executionId });
    });

    it('When the connector reports CREDIT_BLOCKED', async () => {
      const result = await instance.send({
        type: 'jobFailedWithBpmnError',
        executionId: instance.job('post').executionId,
        errorCode: 'CREDIT_BLOCKED',
        message: 'Customer credit limit exceeded',
        variables: { creditLimit: 1000 },
      });
      expect(result.outcome.status).toBe('running');
    });

    it('Then the boundary catches it: the job is cancelled and clarification opens', () => {
      expect(instance.snapshot?.jobs).toEqual([]);
      expect(instance.openTasks()).toEqual(['clarify']);
      expect(instance.snapshot?.variables.creditLimit).toBe(1000);
      expect(instance.last.history.map((h) => `${h.event}:${h.activityId}`).sort()).toEqual(['cancelled:post', 'completed:blocked', 'started:blocked', 'started:clarify']);
    });
  });

  describe('Scenario: a BPMN error nobody catches', () => {
    it('Given the reservation job, When it fails with an uncaught code, Then the run fails on the element and keeps the stored state', async () => {
      const instance = await Instance.of(release);
      await instance.start({ material: 'M-1' });
      const stateBefore = JSON.stringify(instance.state);
      const result = await instance.send({ type: 'jobFailedWithBpmnError', executionId: instance.job('reserve').executionId, errorCode: 'NO_STOCK', message: 'No stock' });
      expect(result.outcome).toEqual({ status: 'failed', kind: 'model', message: 'No stock', elementId: 'reserve', errorCode: 'NO_STOCK' });
      expect(result.applied).toBe(false);
      expect(result.state).toBeUndefined();
      expect(JSON.stringify(instance.state)).toBe(stateBefore);
    });
  });

  describe('Scenario: send and business rule tasks are jobs too, never in-process calls', () => {
    it('Given a send task with an implementation expression, Then it waits as a job naming it', async () => {
      const called = jest.fn();
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true"><startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="notify" />
          <sendTask id="notify" implementation="\${environment.services.notify}" /></process>`),
        { services: { notify: called } },
      );
      await instance.start();
      expect(instance.job('notify')).toMatchObject({ activityType: 'bpmn:SendTask', implementation: '${environment.services.notify}' });
      expect(called).not.toHaveBeenCalled();
    });
  });

  describe('Scenario: an input mapping that cannot be evaluated', () => {
    it('Given an input parameter naming an unknown variable (strict evaluator), Then the start fails on the element', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true"><startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="svc" />
          <serviceTask id="svc" camunda:type="external" camunda:topic="t"><extensionElements><camunda:inputOutput>
            <camunda:inputParameter name="x">\${missingVariable}</camunda:inputParameter>
          </camunda:inputOutput></extensionElements></serviceTask></process>`),
        { expressions: createExpressions() },
      );
      const result = await instance.start();
      expect(result.outcome).toMatchObject({ status: 'failed', kind: 'model', elementId: 'svc', message: expect.stringMatching(/missingVariable/) });
    });

    it('Given an input parameter with a camunda:list value, Then the start fails naming what is unsupported', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true"><startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="svc" />
          <serviceTask id="svc" camunda:type="external" camunda:topic="t"><extensionElements><camunda:inputOutput>
            <camunda:inputParameter name="x"><camunda:list><camunda:value>a</camunda:value></camunda:list></camunda:inputParameter>
          </camunda:inputOutput></extensionElements></serviceTask></process>`),
      );
      const result = await instance.start();
      expect(result.outcome).toMatchObject({ status: 'failed', kind: 'model', elementId: 'svc', message: expect.stringMatching(/camunda:List values are not supported/) });
    });
  });
});
