import { createExpressions } from '../../../server/expressions';
import { bpmn, HOUR, Instance, T0 } from './harness';

const MINUTE = 60_000;

function withEventSubProcess(start: string, interrupting: boolean, extra = '') {
  return bpmn(`
  <process id="assembly" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="assemble" />
    <userTask id="assemble" name="Assemble unit" camunda:candidateGroups="operator" />
    <sequenceFlow id="f2" sourceRef="assemble" targetRef="done" />
    <endEvent id="done" />
    ${extra}
    <subProcess id="handler" name="Handle event" triggeredByEvent="true">
      <startEvent id="handlerStart" isInterrupting="${interrupting}">${start}</startEvent>
      <sequenceFlow id="h1" sourceRef="handlerStart" targetRef="react" />
      <userTask id="react" name="React" camunda:candidateGroups="supervisor" />
      <sequenceFlow id="h2" sourceRef="react" targetRef="handled" />
      <endEvent id="handled" />
    </subProcess>
  </process>
  <message id="hold" name="Hold" /><signal id="andon" name="Andon" /><error id="scrap" errorCode="SCRAP" /><escalation id="late" escalationCode="LATE" />`);
}

const TIMER = (value: string) => `<timerEventDefinition>${value}</timerEventDefinition>`;

describe('Feature: event sub-processes', () => {
  describe('Scenario: a timer-start event sub-process interrupts the main task', () => {
    let instance: Instance;

    it('Given an assembly whose event sub-process starts after two hours', async () => {
      instance = await Instance.of(withEventSubProcess(TIMER('<timeDuration>PT2H</timeDuration>'), true));
      await instance.start();
      expect(instance.openTasks()).toEqual(['assemble']);
    });

    it('Then its start is a durable timer of the instance like any other, marked as an event sub-process start', () => {
      expect(instance.snapshot?.timers).toEqual([
        {
          executionId: expect.stringMatching(/\/handlerStart$/),
          activityId: 'handlerStart',
          activityExecutionId: expect.stringMatching(/^assembly_/),
          expireAt: new Date(T0.getTime() + 2 * HOUR),
          timerType: 'timeDuration',
          value: 'PT2H',
          interrupting: true,
          eventSubProcess: 'handler',
        },
      ]);
    });

    it('When another event arrives first, Then the timer keeps its due time', async () => {
      instance.advance(30 * MINUTE);
      const result = await instance.send({ type: 'message', name: 'nothing' });
      expect(result.applied).toBe(false);
      expect(instance.timer('handlerStart').expireAt).toEqual(new Date(T0.getTime() + 2 * HOUR));
    });

    it('When the timer is due, Then the main task is cancelled and the handler task opens', async () => {
      await instance.fire('handlerStart');
      expect(instance.openTasks()).toEqual(['react']);
      expect(instance.snapshot?.timers).toEqual([]);
      expect(instance.last.history.map((h) => `${h.event}:${h.activityId}`)).toEqual(expect.arrayContaining(['started:handler', 'started:react', 'cancelled:assemble']));
    });

    it('When the handler completes, Then the instance completes', async () => {
      await instance.complete('react');
      expect(instance.last.outcome).toEqual({ status: 'completed' });
    });
  });

  describe('Scenario: a non-interrupting timer cycle reminds while the work goes on', () => {
    it('Given R2/PT1H, Then it starts the handler twice, an hour apart, and the main task stays open', async () => {
      const instance = await Instance.of(withEventSubProcess(TIMER('<timeCycle>R2/PT1H</timeCycle>'), false));
      await instance.start();
      expect(instance.timer('handlerStart')).toMatchObject({ repeat: 2, interrupting: false });

      await instance.fire('handlerStart');
      expect(instance.openTasks()).toEqual(['assemble', 'react']);
      expect(instance.timer('handlerStart')).toMatchObject({ repeat: 1, expireAt: new Date(T0.getTime() + 2 * HOUR) });

      await instance.complete('react');
      await instance.fire('handlerStart');
      expect(instance.openTasks()).toEqual(['assemble', 'react']);
      expect(instance.snapshot?.timers).toEqual([]);
    });
  });

  describe('Scenario: a message-start event sub-process', () => {
    it('Given an interrupting message start, Then it is a subscription, and the message interrupts with its variables', async () => {
      const instance = await Instance.of(withEventSubProcess('<messageEventDefinition messageRef="hold" />', true));
      await instance.start();
      expect(instance.snapshot?.subscriptions).toEqual([
        { kind: 'message', name: 'Hold', executionId: expect.stringMatching(/\/handlerStart$/), activityId: 'handlerStart', interrupting: true, eventSubProcess: 'handler' },
      ]);
      await instance.send({ type: 'message', name: 'Hold', variables: { reason: 'supplier recall' } });
      expect(instance.openTasks()).toEqual(['react']);
      expect(instance.snapshot?.variables).toMatchObject({ reason: 'supplier recall' });
      expect(instance.snapshot?.subscriptions).toEqual([]);
    });
  });

  describe('Scenario: a non-interrupting signal-start event sub-process', () => {
    it('Given a signal start, Then the signal opens the handler beside the main task, and the subscription returns when it ends', async () => {
      const instance = await Instance.of(withEventSubProcess('<signalEventDefinition signalRef="andon" />', false));
      await instance.start();
      await instance.send({ type: 'signal', name: 'Andon' });
      expect(instance.openTasks()).toEqual(['assemble', 'react']);
      // bpmn-elements runs one instance of an element at a time: no second start while it runs
      expect(instance.snapshot?.subscriptions).toEqual([]);
      await instance.complete('react');
      expect(instance.snapshot?.subscriptions.map((s) => s.name)).toEqual(['Andon']);
      await instance.complete('assemble');
      expect(instance.last.outcome).toEqual({ status: 'completed' });
    });
  });

  describe('Scenario: an event sub-process inside an embedded sub-process', () => {
    it('Given a timer start in the sub-process scope, Then it interrupts only that scope and the process continues after it', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="cell" />
          <subProcess id="cell">
            <startEvent id="cs" /><sequenceFlow id="c1" sourceRef="cs" targetRef="machine" />
            <userTask id="machine" camunda:candidateGroups="operator" /><sequenceFlow id="c2" sourceRef="machine" targetRef="ce" /><endEvent id="ce" />
            <subProcess id="stuck" triggeredByEvent="true">
              <startEvent id="stuckStart"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></startEvent>
              <sequenceFlow id="k1" sourceRef="stuckStart" targetRef="unjam" /><userTask id="unjam" camunda:candidateGroups="maintenance" />
              <sequenceFlow id="k2" sourceRef="unjam" targetRef="ke" /><endEvent id="ke" />
            </subProcess>
          </subProcess>
          <sequenceFlow id="f2" sourceRef="cell" targetRef="pack" /><userTask id="pack" camunda:candidateGroups="operator" />
          <sequenceFlow id="f3" sourceRef="pack" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      await instance.start();
      expect(instance.timer('stuckStart').activityExecutionId).toMatch(/^cell_/);
      await instance.fire('stuckStart');
      expect(instance.openTasks()).toEqual(['unjam']);
      await instance.complete('unjam');
      expect(instance.openTasks()).toEqual(['pack']);
    });
  });

  const thrower = (definition: string, end = '<endEvent id="thrown" />') => `
    <startEvent id="start2" />
    <sequenceFlow id="t0" sourceRef="start2" targetRef="inspect" />
    <userTask id="inspect" name="Inspect" camunda:candidateGroups="inspector" />
    <sequenceFlow id="t1" sourceRef="inspect" targetRef="raise" />
    <intermediateThrowEvent id="raise">${definition}</intermediateThrowEvent>
    <sequenceFlow id="t2" sourceRef="raise" targetRef="thrown" />
    ${end}`;

  describe('Scenario: an error-start event sub-process catches an error end event', () => {
    it('Given an interrupting error start, When an inspection ends with the error, Then the assembly is interrupted and the handler runs', async () => {
      const xml = withEventSubProcess('<errorEventDefinition errorRef="scrap" />', true, thrower('', '<endEvent id="thrown"><errorEventDefinition errorRef="scrap" /></endEvent>'));
      const instance = await Instance.of(xml);
      await instance.start();
      expect(instance.openTasks()).toEqual(['assemble', 'inspect']);
      await instance.complete('inspect');
      expect(instance.last.outcome).toEqual({ status: 'running' });
      expect(instance.openTasks()).toEqual(['react']);
    });

    it('Given no event sub-process for the error, Then the uncaught error end event fails the run with its code', async () => {
      const xml = bpmn(`<process id="p" isExecutable="true">${thrower('', '<endEvent id="thrown"><errorEventDefinition errorRef="scrap" /></endEvent>')}</process><error id="scrap" errorCode="SCRAP" />`);
      const instance = await Instance.of(xml);
      await instance.start();
      await instance.complete('inspect');
      expect(instance.last.outcome).toEqual({ status: 'failed', kind: 'model', message: "BPMN error 'SCRAP' thrown by <thrown> was not caught", elementId: 'thrown', errorCode: 'SCRAP' });
      expect(instance.last.state).toBeUndefined();
    });
  });

  describe('Scenario: escalation-start event sub-processes', () => {
    it('Given a non-interrupting escalation start, Then the escalation opens the handler and the assembly goes on', async () => {
      const instance = await Instance.of(withEventSubProcess('<escalationEventDefinition escalationRef="late" />', false, thrower('<escalationEventDefinition escalationRef="late" />')), {
        expressions: createExpressions(),
      });
      await instance.start();
      await instance.complete('inspect');
      expect(instance.openTasks()).toEqual(['assemble', 'react']);
      expect(instance.last.escalations).toBeUndefined();
    });

    it('Given an interrupting escalation start, Then the assembly is cancelled', async () => {
      const instance = await Instance.of(withEventSubProcess('<escalationEventDefinition escalationRef="late" />', true, thrower('<escalationEventDefinition escalationRef="late" />')));
      await instance.start();
      await instance.complete('inspect');
      expect(instance.openTasks()).toEqual(['react']);
      expect(instance.historyOf('cancelled')).toContain('assemble');
    });

    it('Given nothing catches an escalation, Then it is reported as raised (for a caller) and the instance goes on', async () => {
      const xml = bpmn(`<process id="p" isExecutable="true">${thrower('<escalationEventDefinition escalationRef="late" />')}</process><escalation id="late" escalationCode="LATE" name="Late" />`);
      const instance = await Instance.of(xml);
      await instance.start();
      await instance.complete('inspect');
      expect(instance.last.outcome).toEqual({ status: 'completed' });
      expect(instance.last.escalations).toEqual([{ escalationCode: 'LATE', name: 'Late', activityId: 'raise', executionId: expect.any(String) }]);
    });
  });
});
