import { bpmn, Instance, T0 } from './harness';

describe('Feature: cron timers (Quartz / Camunda 7 syntax) on boundary and intermediate events', () => {
  describe('Scenario: a non-interrupting boundary timer with a cron cycle', () => {
    let instance: Instance;

    it('Given a task reminded every weekday at 06:00 while it is open', async () => {
      instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="work" />
          <userTask id="work" camunda:candidateGroups="operator" />
          <boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">
            <timerEventDefinition><timeCycle>0 0 6 ? * MON-FRI</timeCycle></timerEventDefinition>
          </boundaryEvent>
          <sequenceFlow id="f2" sourceRef="work" targetRef="e" /><endEvent id="e" />
          <sequenceFlow id="f3" sourceRef="remind" targetRef="nudge" />
          <userTask id="nudge" camunda:candidateGroups="supervisor" />
          <sequenceFlow id="f4" sourceRef="nudge" targetRef="e2" /><endEvent id="e2" />
        </process>`),
      );
      // T0 is Monday 2030-03-04 08:00Z
      await instance.start();
    });

    it('Then it is armed durably at the next match on the platform clock, unbounded', () => {
      expect(instance.timer('remind')).toMatchObject({ timerType: 'timeCycle', value: '0 0 6 ? * MON-FRI', expireAt: new Date('2030-03-05T06:00:00Z'), repeat: -1, interrupting: false });
      expect(Object.values(instance.state!.timers)).toEqual([new Date('2030-03-05T06:00:00Z').getTime()]);
    });

    it('When it fires on Friday, Then the next firing is on Monday and the task stays open', async () => {
      instance.now = new Date('2030-03-08T06:00:00Z');
      const friday = instance.snapshot!.timers[0];
      await instance.send({ type: 'timerDue', executionId: friday.executionId });
      expect(instance.openTasks()).toEqual(['nudge', 'work']);
      expect(instance.timer('remind').expireAt).toEqual(new Date('2030-03-11T06:00:00Z'));
    });
  });

  describe('Scenario: an intermediate timer catch with a cron date', () => {
    it('Given "0 30 22 * * ?", Then the catch waits until 22:30 the same day', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="night" />
          <intermediateCatchEvent id="night"><timerEventDefinition><timeCycle>0 30 22 * * ?</timeCycle></timerEventDefinition></intermediateCatchEvent>
          <sequenceFlow id="f2" sourceRef="night" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      await instance.start();
      expect(instance.timer('night').expireAt).toEqual(new Date('2030-03-04T22:30:00Z'));
      await instance.fire('night');
      expect(instance.last.outcome).toEqual({ status: 'completed' });
    });
  });

  describe('Scenario: a timer start event fired by the scheduler', () => {
    it('Given a process started by its cron timer start event, Then the start event does not wait again: the instance runs at once', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="nightly"><timerEventDefinition><timeCycle>0 0 2 * * ?</timeCycle></timerEventDefinition></startEvent>
          <startEvent id="manual" />
          <sequenceFlow id="f1" sourceRef="nightly" targetRef="check" /><sequenceFlow id="f0" sourceRef="manual" targetRef="check" />
          <userTask id="check" camunda:candidateGroups="operator" />
          <sequenceFlow id="f2" sourceRef="check" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      await instance.start({}, { startEventId: 'nightly' });
      expect(instance.openTasks()).toEqual(['check']);
      expect(instance.snapshot?.timers).toEqual([]);
      expect(instance.historyOf('completed')).toEqual(['nightly']);
    });

    it('Given the same process started plainly, Then only the none start event runs and no timer waits', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="nightly"><timerEventDefinition><timeCycle>0 0 2 * * ?</timeCycle></timerEventDefinition></startEvent>
          <startEvent id="manual" />
          <sequenceFlow id="f1" sourceRef="nightly" targetRef="check" /><sequenceFlow id="f0" sourceRef="manual" targetRef="check" />
          <userTask id="check" camunda:candidateGroups="operator" />
          <sequenceFlow id="f2" sourceRef="check" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      await instance.start();
      expect(instance.openTasks()).toEqual(['check']);
      expect(instance.snapshot?.timers).toEqual([]);
      expect(T0).toBeDefined();
    });
  });

  describe('Scenario: a timer value produced by an expression that would hang the ISO parser', () => {
    it('Given a cycle resolving to R/PT0S, Then the run fails with the reason instead of looping forever', async () => {
      const instance = await Instance.of(
        bpmn(`
        <process id="p" isExecutable="true">
          <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
          <intermediateCatchEvent id="wait"><timerEventDefinition><timeCycle>\${environment.variables.cycle}</timeCycle></timerEventDefinition></intermediateCatchEvent>
          <sequenceFlow id="f2" sourceRef="wait" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      await instance.start({ cycle: 'R/PT0S' });
      expect(instance.last.outcome).toMatchObject({ status: 'failed', kind: 'model', elementId: 'wait', message: expect.stringContaining('zero seconds') });
    });
  });
});
