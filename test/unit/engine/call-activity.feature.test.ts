import type { WaitingCall } from '../../../server/engine';
import { createExpressions } from '../../../server/expressions';
import { bpmn, Instance } from './harness';

// The runtime's side is simulated here: the parent's snapshot says which child to start, the
// child runs as an instance of its own definition, and its end goes back to the parent as an event.
const PARENT = bpmn(
  `
  <process id="release" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="inspectLot" />
    <callActivity id="inspectLot" name="Inspect lot" calledElement="\${inspectionKey}" camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="v2">
      <extensionElements>
        <camunda:in source="lot" target="lotNumber" />
        <camunda:in sourceExpression="\${quantity * 2}" target="samples" />
        <camunda:in businessKey="\${lot}" />
        <camunda:out source="verdict" target="inspectionVerdict" />
      </extensionElements>
    </callActivity>
    <boundaryEvent id="scrapped" name="Scrapped" attachedToRef="inspectLot"><errorEventDefinition errorRef="scrap" /></boundaryEvent>
    <boundaryEvent id="late" name="Late" attachedToRef="inspectLot" cancelActivity="false"><escalationEventDefinition escalationRef="lateEscalation" /></boundaryEvent>
    <sequenceFlow id="f2" sourceRef="inspectLot" targetRef="release2" />
    <userTask id="release2" name="Release lot" camunda:candidateGroups="quality" />
    <sequenceFlow id="f3" sourceRef="release2" targetRef="released" />
    <endEvent id="released" />
    <sequenceFlow id="f4" sourceRef="scrapped" targetRef="disposition" />
    <userTask id="disposition" name="Disposition" camunda:candidateGroups="quality" />
    <sequenceFlow id="f5" sourceRef="disposition" targetRef="dispositioned" />
    <endEvent id="dispositioned" />
    <sequenceFlow id="f6" sourceRef="late" targetRef="informSupervisor" />
    <userTask id="informSupervisor" name="Inform supervisor" camunda:candidateGroups="supervisor" />
    <sequenceFlow id="f7" sourceRef="informSupervisor" targetRef="informed" />
    <endEvent id="informed" />
  </process>
  <error id="scrap" errorCode="SCRAP" />
  <escalation id="lateEscalation" escalationCode="LATE" />`,
  'Release',
);

const CHILD = bpmn(
  `
  <process id="inspection" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="c1" sourceRef="start" targetRef="measure" />
    <userTask id="measure" name="Measure" camunda:candidateGroups="inspector" />
    <sequenceFlow id="c2" sourceRef="measure" targetRef="ok" />
    <exclusiveGateway id="ok" default="c4" />
    <sequenceFlow id="c3" sourceRef="ok" targetRef="pass"><conditionExpression>\${verdict == 'pass'}</conditionExpression></sequenceFlow>
    <endEvent id="pass" />
    <sequenceFlow id="c4" sourceRef="ok" targetRef="overdue" />
    <intermediateThrowEvent id="overdue"><escalationEventDefinition escalationRef="lateEscalation" /></intermediateThrowEvent>
    <sequenceFlow id="c5" sourceRef="overdue" targetRef="remeasure" />
    <userTask id="remeasure" name="Measure again" camunda:candidateGroups="inspector" />
    <sequenceFlow id="c6" sourceRef="remeasure" targetRef="scrapIt" />
    <endEvent id="scrapIt"><errorEventDefinition errorRef="scrap" /></endEvent>
  </process>
  <error id="scrap" errorCode="SCRAP" />
  <escalation id="lateEscalation" escalationCode="LATE" />`,
  'Inspection',
);

const options = { expressions: createExpressions() };

describe('Feature: call activities', () => {
  describe('Scenario: the child raises a BPMN error that the parent catches', () => {
    let parent: Instance;
    let child: Instance;
    let call: WaitingCall;

    it('Given a release that calls the inspection of its lot', async () => {
      parent = await Instance.of(PARENT, options);
      await parent.start({ lot: 'LOT-7', quantity: 3, inspectionKey: 'inspection' });
      expect(parent.snapshot?.userTasks).toEqual([]);
    });

    it('Then the snapshot says which child to start, with camunda:in applied', () => {
      call = parent.snapshot!.calls[0];
      expect(parent.snapshot?.calls).toEqual([
        {
          executionId: expect.stringMatching(/^inspectLot_/),
          activityId: 'inspectLot',
          name: 'Inspect lot',
          calledElement: 'inspection',
          binding: 'versionTag',
          versionTag: 'v2',
          businessKey: 'LOT-7',
          variables: { lotNumber: 'LOT-7', samples: 6 },
        },
      ]);
      expect(parent.snapshot?.other).toEqual([]);
    });

    it('When the runtime starts the child with those variables', async () => {
      child = await Instance.of(CHILD, options);
      await child.start(call.variables, { businessKey: call.businessKey });
      expect(child.openTasks()).toEqual(['measure']);
    });

    it('And the child escalates, Then the escalation is raised for the parent', async () => {
      await child.complete('measure', { verdict: 'fail' });
      expect(child.last.escalations).toEqual([{ escalationCode: 'LATE', activityId: 'overdue', executionId: expect.any(String) }]);
    });

    it('When the runtime forwards it, Then the non-interrupting escalation boundary opens a task and the call goes on', async () => {
      const escalation = child.last.escalations![0];
      await parent.send({ type: 'callEscalated', executionId: call.executionId, escalationCode: escalation.escalationCode });
      expect(parent.openTasks()).toEqual(['informSupervisor']);
      expect(parent.snapshot?.calls.map((c) => c.executionId)).toEqual([call.executionId]);
      expect(parent.last.closedCalls).toBeUndefined();
    });

    it('When the child ends with an error end event nothing in it catches, Then its run fails with the error code', async () => {
      await child.complete('remeasure');
      expect(child.last.outcome).toMatchObject({ status: 'failed', kind: 'model', errorCode: 'SCRAP', elementId: 'scrapIt' });
    });

    it('When the runtime forwards the error to the parent, Then the error boundary event catches it', async () => {
      const failure = child.last.outcome as { errorCode: string; message: string };
      await parent.send({ type: 'callFailedWithBpmnError', executionId: call.executionId, errorCode: failure.errorCode, message: failure.message });
      expect(parent.last.applied).toBe(true);
      expect(parent.openTasks()).toEqual(['disposition', 'informSupervisor']);
      expect(parent.snapshot?.calls).toEqual([]);
      expect(parent.historyOf('cancelled')).toContain('inspectLot');
      // the child ended by itself: nothing to cancel
      expect(parent.last.closedCalls).toBeUndefined();
    });

    it('When the child is cancelled as the runtime ends it, Then its state is dropped', async () => {
      await child.send({ type: 'cancel', reason: 'BPMN error SCRAP propagated to the calling instance' });
      expect(child.last.state).toBeNull();
    });
  });

  describe('Scenario: the child completes and camunda:out maps its variables back', () => {
    it('Given a completed child, Then only the mapped variables reach the parent and it continues', async () => {
      const parent = await Instance.of(PARENT, options);
      await parent.start({ lot: 'LOT-8', quantity: 1, inspectionKey: 'inspection' });
      const call = parent.snapshot!.calls[0];
      await parent.send({ type: 'callCompleted', executionId: call.executionId, variables: { verdict: 'pass', lotNumber: 'LOT-8', internal: 1 } });
      expect(parent.openTasks()).toEqual(['release2']);
      expect(parent.snapshot?.variables).toEqual({ lot: 'LOT-8', quantity: 1, inspectionKey: 'inspection', inspectionVerdict: 'pass' });
    });

    it('Given variables="all" both ways, Then everything travels', async () => {
      const xml = bpmn(`
      <process id="p" isExecutable="true">
        <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="call" />
        <callActivity id="call" calledElement="child"><extensionElements><camunda:in variables="all" /><camunda:out variables="all" /></extensionElements></callActivity>
        <sequenceFlow id="f2" sourceRef="call" targetRef="e" /><endEvent id="e" />
      </process>`);
      const parent = await Instance.of(xml, options);
      await parent.start({ a: 1 });
      expect(parent.snapshot?.calls[0]).toMatchObject({ calledElement: 'child', binding: 'latest', variables: { a: 1 } });
      await parent.send({ type: 'callCompleted', executionId: parent.snapshot!.calls[0].executionId, variables: { a: 2, b: 3 } });
      expect(parent.last.outcome).toEqual({ status: 'completed' });
      expect(parent.last.snapshot?.variables).toEqual({ a: 2, b: 3 });
    });
  });

  describe('Scenario: cancelling the parent lists its children to cancel', () => {
    it('Given a parent waiting for its child, When it is cancelled, Then closedCalls names the call', async () => {
      const parent = await Instance.of(PARENT, options);
      await parent.start({ lot: 'LOT-9', quantity: 1, inspectionKey: 'inspection' });
      const call = parent.snapshot!.calls[0];
      await parent.send({ type: 'cancel', reason: 'Order withdrawn' });
      expect(parent.last.closedCalls).toEqual([{ executionId: call.executionId, activityId: 'inspectLot' }]);
    });

    it('Given an interrupting boundary timer on the call activity, When it fires, Then the call is closed and its child must be cancelled', async () => {
      const xml = bpmn(`
      <process id="p" isExecutable="true">
        <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="call" />
        <callActivity id="call" calledElement="child" camunda:calledElementBinding="version" camunda:calledElementVersion="3" />
        <boundaryEvent id="timeout" attachedToRef="call"><timerEventDefinition><timeDuration>PT4H</timeDuration></timerEventDefinition></boundaryEvent>
        <sequenceFlow id="f2" sourceRef="call" targetRef="e" /><endEvent id="e" />
        <sequenceFlow id="f3" sourceRef="timeout" targetRef="e2" /><endEvent id="e2" />
      </process>`);
      const parent = await Instance.of(xml, options);
      await parent.start();
      const call = parent.snapshot!.calls[0];
      expect(call).toMatchObject({ binding: 'version', version: 3, variables: {} });
      await parent.fire('timeout');
      expect(parent.last.outcome).toEqual({ status: 'completed' });
      expect(parent.last.closedCalls).toEqual([{ executionId: call.executionId, activityId: 'call' }]);
    });
  });

  describe('Scenario: a terminate end event on another branch', () => {
    it('Given a call waiting beside a task, When the task ends in a terminate end event, Then the instance completes and the call is closed', async () => {
      const xml = bpmn(`
      <process id="p" isExecutable="true">
        <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="fork" />
        <parallelGateway id="fork" /><sequenceFlow id="fa" sourceRef="fork" targetRef="a" /><sequenceFlow id="fb" sourceRef="fork" targetRef="call" />
        <userTask id="a" camunda:candidateGroups="x" /><sequenceFlow id="fa2" sourceRef="a" targetRef="stop" /><endEvent id="stop"><terminateEventDefinition /></endEvent>
        <callActivity id="call" calledElement="child" /><sequenceFlow id="fc" sourceRef="call" targetRef="e" /><endEvent id="e" />
      </process>`);
      const parent = await Instance.of(xml, options);
      await parent.start();
      const call = parent.snapshot!.calls[0];
      await parent.complete('a');
      expect(parent.last.outcome).toEqual({ status: 'completed' });
      expect(parent.last.closedCalls).toEqual([{ executionId: call.executionId, activityId: 'call' }]);
    });
  });

  describe('Scenario: events for a call that is not waiting', () => {
    it('Given an unknown execution id, Then the event is not applied', async () => {
      const parent = await Instance.of(PARENT, options);
      await parent.start({ lot: 'LOT-1', quantity: 1, inspectionKey: 'inspection' });
      const result = await parent.send({ type: 'callCompleted', executionId: 'nope', variables: {} });
      expect(result).toMatchObject({ applied: false, reason: 'No call activity is waiting with execution id nope' });
    });
  });
});
