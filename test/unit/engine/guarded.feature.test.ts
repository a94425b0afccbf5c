import type { StoredState } from '../../../server/engine';
import { compileDefinition, runEvent } from '../../../server/engine';
import { bpmn, Instance, T0 } from './harness';

const gate = bpmn(`
  <process id="p" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="check" />
    <userTask id="check" />
    <sequenceFlow id="f2" sourceRef="check" targetRef="gw" />
    <exclusiveGateway id="gw" default="f4" />
    <sequenceFlow id="f3" sourceRef="gw" targetRef="ok">
      <conditionExpression xsi:type="tFormalExpression">\${environment.services.inSpec()}</conditionExpression>
    </sequenceFlow>
    <sequenceFlow id="f4" sourceRef="gw" targetRef="ok" />
    <endEvent id="ok" />
  </process>`);

describe('Feature: a guarded engine', () => {
  let unhandled: jest.Mock;
  beforeAll(() => {
    unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    process.on('uncaughtException', unhandled);
  });
  afterAll(() => {
    process.off('unhandledRejection', unhandled);
    process.off('uncaughtException', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });

  describe('Scenario: a condition that throws becomes a failed outcome, and the event can be retried', () => {
    let instance: Instance;
    let stateBefore: string;
    let broken = true;

    it('Given a task before a gateway whose condition calls a service', async () => {
      instance = await Instance.of(gate, {
        services: {
          inSpec: () => {
            if (broken) throw new Error('Gauge G-7 is not calibrated');
            return true;
          },
        },
      });
      await instance.start();
      stateBefore = JSON.stringify(instance.state);
    });

    it('When the task is completed and the condition throws', async () => {
      await expect(instance.complete('check')).resolves.toBeDefined();
    });

    it('Then the outcome is failed with the message and the element, and the state is kept', () => {
      expect(instance.last.outcome).toMatchObject({ status: 'failed', kind: 'model', message: expect.stringMatching(/Gauge G-7 is not calibrated/), elementId: 'gw' });
      expect(instance.last.state).toBeUndefined();
      expect(instance.last.snapshot).toBeUndefined();
      expect(JSON.stringify(instance.state)).toBe(stateBefore);
    });

    it('When the cause is fixed and the same event is retried, Then it completes', async () => {
      broken = false;
      await instance.send({ type: 'completeUserTask', executionId: instance.task('check').executionId, output: {} });
      expect(instance.last.outcome.status).toBe('completed');
    });
  });

  describe('Scenario: an endless loop of gateways is stopped by the step budget', () => {
    it('Given a loop whose condition is always true, Then the start fails quickly with kind budget', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="gw" />
          <exclusiveGateway id="gw" default="out" />
          <sequenceFlow id="again" sourceRef="gw" targetRef="step"><conditionExpression xsi:type="tFormalExpression">\${true}</conditionExpression></sequenceFlow>
          <sequenceFlow id="out" sourceRef="gw" targetRef="end" />
          <task id="step" /><sequenceFlow id="back" sourceRef="step" targetRef="gw" />
          <endEvent id="end" /></process>`),
        { maxActivityStarts: 100 },
      );
      const started = Date.now();
      const result = await instance.start();
      expect(result.outcome).toMatchObject({ status: 'failed', kind: 'budget', message: expect.stringMatching(/more than 100 activities/) });
      expect(result.state).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(5000);
    });
  });

  describe('Scenario: script tasks', () => {
    const script = (body: string) =>
      bpmn(`<process id="p" isExecutable="true">
        <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="calc" />
        <scriptTask id="calc" scriptFormat="javascript"><script>${body}</script></scriptTask>
        <sequenceFlow id="f2" sourceRef="calc" targetRef="t" /><userTask id="t" /></process>`);

    it('Given scripts are not allowed for the version, Then a script task fails with a clear message', async () => {
      const instance = await Instance.of(script('next(null, 1);'));
      const result = await instance.start();
      expect(result.outcome).toMatchObject({ status: 'failed', elementId: 'calc', message: expect.stringMatching(/scripts are not allowed/) });
    });

    it('Given scripts are allowed, Then a script runs and its output is the task output', async () => {
      const instance = await Instance.of(script('next(null, { sum: environment.variables.a + 1 });'), { allowScripts: true });
      await instance.start({ a: 41 });
      expect(instance.openTasks()).toEqual(['t']);
      expect(instance.last.history.find((h) => h.activityId === 'calc' && h.event === 'completed')).toBeDefined();
    });

    it('Given a script that never ends, Then it is stopped by its timeout and the run fails', async () => {
      const instance = await Instance.of(script('while (true) {}'), { allowScripts: true, scriptTimeoutMs: 50 });
      const result = await instance.start();
      expect(result.outcome).toMatchObject({ status: 'failed', elementId: 'calc', message: expect.stringMatching(/timed out/) });
    });

    it('Given a script that swallows exceptions around next(), Then the step budget still stops a loop after it', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="calc" />
          <scriptTask id="calc" scriptFormat="javascript"><script>try { next(); } catch (e) {}</script></scriptTask>
          <sequenceFlow id="f2" sourceRef="calc" targetRef="calc2" />
          <scriptTask id="calc2" scriptFormat="javascript"><script>try { next(); } catch (e) {}</script></scriptTask>
          <sequenceFlow id="f3" sourceRef="calc2" targetRef="calc" />
          </process>`),
        { allowScripts: true, maxActivityStarts: 50 },
      );
      const result = await instance.start();
      expect(result.outcome).toMatchObject({ status: 'failed', kind: 'budget' });
    });
  });

  describe('Scenario: a state that is not a Gemba state', () => {
    it('Given garbage as state, Then the event fails with kind state instead of throwing', async () => {
      const definition = await compileDefinition(gate);
      const result = await runEvent(definition, { v: 1, start: 'none', timers: {}, dueAt: {}, engine: { execution: 'nonsense', broker: 42 } } as unknown as StoredState, { type: 'signal', name: 'x' }, { now: T0 });
      expect(result.outcome).toMatchObject({ status: 'failed' });
      const missing = await runEvent(definition, undefined, { type: 'completeUserTask', executionId: 'x' }, { now: T0 });
      expect(missing.outcome).toMatchObject({ status: 'failed', kind: 'state' });
    });
  });
});

describe('Feature: cancel', () => {
  describe('Scenario: an instance with open work is cancelled', () => {
    let instance: Instance;

    it('Given an instance with an open task and a timer', async () => {
      instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="work" /><userTask id="work" name="Work" />
          <boundaryEvent id="late" attachedToRef="work"><timerEventDefinition><timeDuration>PT8H</timeDuration></timerEventDefinition></boundaryEvent>
          <sequenceFlow id="f2" sourceRef="late" targetRef="end" /><endEvent id="end" /></process>`),
      );
      await instance.start({ lot: 'L1' });
      expect(instance.snapshot?.timers).toHaveLength(1);
    });

    it('When it is cancelled with a reason', async () => {
      await instance.send({ type: 'cancel', reason: 'Order withdrawn' });
    });

    it('Then nothing is open any more, the state is dropped and the open task is cancelled in the history', () => {
      expect(instance.last.outcome).toEqual({ status: 'cancelled', reason: 'Order withdrawn' });
      expect(instance.last.state).toBeNull();
      expect(instance.last.snapshot).toEqual({ variables: { lot: 'L1' }, userTasks: [], jobs: [], timers: [], subscriptions: [], calls: [], other: [] });
      expect(instance.last.history).toEqual([{ event: 'cancelled', activityId: 'work', activityType: 'bpmn:UserTask', name: 'Work', executionId: expect.any(String), at: T0 }]);
    });

    it('When another event comes for it, Then it fails: there is no state', async () => {
      const result = await instance.send({ type: 'signal', name: 'x' });
      expect(result.outcome).toMatchObject({ status: 'failed', kind: 'state' });
    });
  });

  it('Scenario: an instance whose state cannot be recovered can still be cancelled', async () => {
    const definition = await compileDefinition(gate);
    const result = await runEvent(definition, { v: 1, start: 'none', timers: {}, dueAt: {}, engine: 'broken' } as unknown as StoredState, { type: 'cancel' }, { now: T0 });
    expect(result).toMatchObject({ outcome: { status: 'cancelled' }, applied: true, state: null, history: [] });
  });
});
