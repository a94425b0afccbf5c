import { createExpressions } from '../../../server/expressions';
import { bpmn, DAY, Instance, T0 } from './harness';

const approval = bpmn(`
  <process id="approval" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="review" />
    <userTask id="review" name="Review batch record" camunda:assignee="\${environment.variables.reviewer}" camunda:candidateGroups="quality, supervisor"
      camunda:candidateUsers="ann,bob" camunda:dueDate="P2D" camunda:formRef="batch-review" camunda:priority="70"
      gemba:signatureRequired="true" gemba:signatureMeaning="reviewed" />
    <sequenceFlow id="f2" sourceRef="review" targetRef="decide" />
    <exclusiveGateway id="decide" default="toRework" />
    <sequenceFlow id="toRelease" sourceRef="decide" targetRef="release">
      <conditionExpression xsi:type="tFormalExpression">\${environment.variables.approved}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="toRework" sourceRef="decide" targetRef="rework" />
    <manualTask id="rework" name="Rework" />
    <sequenceFlow id="f3" sourceRef="rework" targetRef="end" />
    <task id="release" name="Release" />
    <sequenceFlow id="f4" sourceRef="release" targetRef="end" />
    <endEvent id="end" />
  </process>`);

describe('Feature: user task life', () => {
  describe('Scenario: a reviewer approves a batch record', () => {
    let instance: Instance;

    it('Given a started approval process', async () => {
      instance = await Instance.of(approval);
      const result = await instance.start({ reviewer: 'rita', lot: 'L-17' });
      expect(result.outcome).toEqual({ status: 'running' });
      expect(result.applied).toBe(true);
    });

    it('Then the review task is open with its assignment, due date, form and signature', () => {
      const task = instance.task('review');
      expect(task).toEqual({
        executionId: expect.stringMatching(/^review_/),
        activityId: 'review',
        activityType: 'bpmn:UserTask',
        name: 'Review batch record',
        assignee: 'rita',
        candidateUsers: ['ann', 'bob'],
        candidateGroups: ['quality', 'supervisor'],
        dueAt: new Date(T0.getTime() + 2 * DAY),
        priority: 70,
        formRef: 'batch-review',
        signature: { required: true, meaning: 'reviewed' },
      });
      expect(instance.snapshot?.variables).toEqual({ reviewer: 'rita', lot: 'L-17' });
    });

    it('And the start is in the history, timed by the platform clock', () => {
      expect(instance.last.history.map((h) => [h.event, h.activityId])).toEqual([
        ['started', 'start'],
        ['completed', 'start'],
        ['started', 'review'],
      ]);
      expect(instance.last.history.every((h) => h.at.getTime() === T0.getTime())).toBe(true);
    });

    it('When another event is processed a day later, the task keeps its execution id and due date', async () => {
      const before = instance.task('review');
      instance.advance(DAY);
      // a message nobody waits for is not applied but still reports the snapshot
      const result = await instance.send({ type: 'message', name: 'nobody-listens' });
      expect(result.applied).toBe(false);
      expect(result.reason).toMatch(/No subscription waits for message 'nobody-listens'/);
      expect(result.state).toBeUndefined();
      expect(instance.task('review')).toEqual(before);
    });

    it('When the reviewer completes it with approved = true', async () => {
      const result = await instance.complete('review', { approved: true, comment: 'ok' });
      expect(result.applied).toBe(true);
    });

    it('Then the instance completes through release with the output in its variables', () => {
      expect(instance.last.outcome).toEqual({ status: 'completed' });
      expect(instance.last.state).toBeNull();
      expect(instance.snapshot?.userTasks).toEqual([]);
      expect(instance.snapshot?.variables).toEqual({ reviewer: 'rita', lot: 'L-17', approved: true, comment: 'ok' });
      expect(instance.historyOf('completed')).toEqual(['start', 'review', 'decide', 'release', 'end']);
    });
  });

  describe('Scenario: a rejected review goes to a manual rework task', () => {
    let instance: Instance;

    it('Given a review completed with approved = false', async () => {
      instance = await Instance.of(approval);
      await instance.start({ reviewer: 'rita' });
      await instance.complete('review', { approved: false });
    });

    it('Then the manual task waits like a user task, without assignment', () => {
      expect(instance.last.outcome.status).toBe('running');
      expect(instance.task('rework')).toMatchObject({ activityType: 'bpmn:ManualTask', candidateGroups: [], candidateUsers: [] });
      expect(instance.task('rework').dueAt).toBeUndefined();
    });

    it('When a completion names a task that is not open, nothing changes', async () => {
      const result = await instance.send({ type: 'completeUserTask', executionId: 'review_gone', output: {} });
      expect(result).toMatchObject({ applied: false, outcome: { status: 'running' } });
      expect(result.state).toBeUndefined();
      expect(instance.openTasks()).toEqual(['rework']);
    });

    it('When rework is completed, the instance completes', async () => {
      await instance.complete('rework');
      expect(instance.last.outcome.status).toBe('completed');
    });
  });

  describe('Scenario: Camunda-style expressions with the platform evaluator (server/expressions)', () => {
    it('Given the safe JUEL evaluator, Then bare variable names resolve in assignment and conditions', async () => {
      const instance = await Instance.of(approval.replace('${environment.variables.reviewer}', '${reviewer}').replace('${environment.variables.approved}', '${approved}'), {
        expressions: createExpressions(),
      });
      await instance.start({ reviewer: 'rita' });
      expect(instance.task('review').assignee).toBe('rita');
      await instance.complete('review', { approved: true });
      expect(instance.historyOf('completed')).toContain('release');
    });
  });

  describe('Scenario: a user task inside an embedded sub-process', () => {
    let instance: Instance;

    it('Given a sub-process with a task, followed by a gateway on its output', async () => {
      instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="sub" />
          <subProcess id="sub"><startEvent id="ss" /><sequenceFlow id="sf" sourceRef="ss" targetRef="measure" /><userTask id="measure" /></subProcess>
          <sequenceFlow id="f2" sourceRef="sub" targetRef="gw" /><exclusiveGateway id="gw" default="bad" />
          <sequenceFlow id="good" sourceRef="gw" targetRef="pass"><conditionExpression xsi:type="tFormalExpression">\${environment.variables.inSpec}</conditionExpression></sequenceFlow>
          <sequenceFlow id="bad" sourceRef="gw" targetRef="fail" /><endEvent id="pass" /><endEvent id="fail" /></process>`),
      );
      await instance.start();
    });

    it('Then the task inside the sub-process is open', () => {
      expect(instance.openTasks()).toEqual(['measure']);
    });

    it('When it is completed with inSpec = true, Then the process sees the variable after the sub-process', async () => {
      await instance.complete('measure', { inSpec: true });
      expect(instance.last.outcome.status).toBe('completed');
      expect(instance.historyOf('completed')).toContain('pass');
      expect(instance.snapshot?.variables).toEqual({ inSpec: true });
    });
  });

  describe('Scenario: a due date given as an ISO date-time', () => {
    it('Given a task due at a fixed date, Then dueAt is that date', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true"><startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="t" />
          <userTask id="t" camunda:dueDate="\${environment.variables.due}" /></process>`),
      );
      await instance.start({ due: '2031-01-02T03:04:05Z' });
      expect(instance.task('t').dueAt).toEqual(new Date('2031-01-02T03:04:05Z'));
    });

    it('Given a due date that is not a date, Then the start fails on the element', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true"><startEvent id="s" /><sequenceFlow id="f" sourceRef="s" targetRef="t" />
          <userTask id="t" camunda:dueDate="next tuesday" /></process>`),
      );
      const result = await instance.start();
      expect(result.outcome).toMatchObject({ status: 'failed', kind: 'model', elementId: 't' });
      expect(result.state).toBeUndefined();
    });
  });
});
