import { bpmn, DAY, HOUR, Instance, T0 } from './harness';

const MINUTE = 60_000;

function boundary(cancelActivity: boolean, timer: string) {
  return bpmn(`
  <process id="inspection" isExecutable="true">
    <startEvent id="start" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="inspect" />
    <userTask id="inspect" name="Inspect part" />
    <boundaryEvent id="deadline" attachedToRef="inspect" cancelActivity="${cancelActivity}">
      <timerEventDefinition>${timer}</timerEventDefinition>
    </boundaryEvent>
    <sequenceFlow id="f2" sourceRef="inspect" targetRef="done" />
    <endEvent id="done" />
    <sequenceFlow id="f3" sourceRef="deadline" targetRef="escalate" />
    <userTask id="escalate" name="Escalate to supervisor" />
    <sequenceFlow id="f4" sourceRef="escalate" targetRef="escalated" />
    <endEvent id="escalated" />
  </process>`);
}

describe('Feature: durable timers', () => {
  describe('Scenario: an interrupting boundary timer on a user task', () => {
    let instance: Instance;

    it('Given an inspection task with a one hour deadline', async () => {
      instance = await Instance.of(boundary(true, '<timeDuration>PT1H</timeDuration>'));
      await instance.start();
      expect(instance.openTasks()).toEqual(['inspect']);
    });

    it('Then the timer is reported with its due time on the platform clock, attached and interrupting', () => {
      expect(instance.snapshot?.timers).toEqual([
        {
          executionId: expect.any(String),
          activityId: 'deadline',
          activityExecutionId: expect.stringMatching(/^deadline_/),
          expireAt: new Date(T0.getTime() + HOUR),
          timerType: 'timeDuration',
          value: 'PT1H',
          attachedTo: 'inspect',
          interrupting: true,
        },
      ]);
      expect(instance.state?.timers).toEqual({ [instance.timer('deadline').executionId]: T0.getTime() + HOUR });
    });

    it('When the timer is due and fired', async () => {
      const result = await instance.fire('deadline');
      expect(result.applied).toBe(true);
    });

    it('Then the inspection is cancelled and the escalation task is open', () => {
      expect(instance.openTasks()).toEqual(['escalate']);
      expect(instance.snapshot?.timers).toEqual([]);
      expect(instance.last.history.map((h) => `${h.event}:${h.activityId}`).sort()).toEqual(['cancelled:inspect', 'completed:deadline', 'started:deadline', 'started:escalate']);
    });

    it('When the same timer is fired again, nothing happens', async () => {
      const result = await instance.send({ type: 'timerDue', executionId: instance.results[0].snapshot!.timers[0].executionId });
      expect(result.applied).toBe(false);
      expect(result.reason).toMatch(/No timer is waiting/);
      expect(instance.openTasks()).toEqual(['escalate']);
    });
  });

  describe('Scenario: a task completed before its deadline', () => {
    it('Given the deadline passed on the platform clock, When the task is completed, Then the timer does not fire by itself', async () => {
      const instance = await Instance.of(boundary(true, '<timeDuration>PT1H</timeDuration>'));
      await instance.start();
      instance.advance(2 * HOUR);
      await instance.complete('inspect');
      // the timer fires only through its own timerDue event: the completion won
      expect(instance.last.outcome.status).toBe('completed');
      expect(instance.historyOf('started')).not.toContain('escalate');
    });
  });

  describe('Scenario: a non-interrupting boundary timer opens a second task while the first stays open', () => {
    let instance: Instance;

    it('Given an inspection with a non-interrupting reminder after 30 minutes', async () => {
      instance = await Instance.of(boundary(false, '<timeDuration>PT30M</timeDuration>'));
      await instance.start();
      expect(instance.timer('deadline')).toMatchObject({ interrupting: false, expireAt: new Date(T0.getTime() + 30 * MINUTE) });
    });

    it('When the reminder fires', async () => {
      await instance.fire('deadline');
    });

    it('Then both tasks are open and no timer is left', () => {
      expect(instance.openTasks()).toEqual(['escalate', 'inspect']);
      expect(instance.snapshot?.timers).toEqual([]);
      expect(instance.last.history.map((h) => `${h.event}:${h.activityId}`)).toEqual(['started:deadline', 'completed:deadline', 'started:escalate']);
    });

    it('When both are completed, the instance completes', async () => {
      await instance.complete('inspect');
      expect(instance.openTasks()).toEqual(['escalate']);
      await instance.complete('escalate');
      expect(instance.last.outcome.status).toBe('completed');
    });
  });

  describe('Scenario: an R/ cycle repeats with the next due time', () => {
    let instance: Instance;
    let executionIds: string[];

    it('Given a task with a reminder every 10 minutes, three times', async () => {
      instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="work" />
          <userTask id="work" /><sequenceFlow id="f2" sourceRef="work" targetRef="end" /><endEvent id="end" />
          <boundaryEvent id="remind" attachedToRef="work" cancelActivity="false">
            <timerEventDefinition><timeCycle>R3/PT10M</timeCycle></timerEventDefinition>
          </boundaryEvent>
          <sequenceFlow id="f3" sourceRef="remind" targetRef="notified" /><endEvent id="notified" />
        </process>`),
      );
      await instance.start();
      expect(instance.timer('remind')).toMatchObject({ timerType: 'timeCycle', value: 'R3/PT10M', repeat: 3, expireAt: new Date(T0.getTime() + 10 * MINUTE) });
      executionIds = [instance.timer('remind').executionId];
    });

    it('When it fires, Then the next firing is 10 minutes after, with one repeat less', async () => {
      await instance.fire('remind');
      expect(instance.timer('remind')).toMatchObject({ repeat: 2, expireAt: new Date(T0.getTime() + 20 * MINUTE) });
      executionIds.push(instance.timer('remind').executionId);
      await instance.fire('remind');
      expect(instance.timer('remind')).toMatchObject({ repeat: 1, expireAt: new Date(T0.getTime() + 30 * MINUTE) });
      executionIds.push(instance.timer('remind').executionId);
    });

    it('When it fires the third time, Then no timer is left and the task is still open', async () => {
      await instance.fire('remind');
      expect(instance.snapshot?.timers).toEqual([]);
      expect(instance.openTasks()).toEqual(['work']);
      expect(new Set(executionIds).size).toBe(3);
      expect(instance.historyOf('completed').filter((id) => id === 'remind')).toHaveLength(3);
    });
  });

  describe('Scenario: an unbounded R/ cycle keeps going', () => {
    it('Given R/PT1H, When it fired five times, Then a sixth firing is due an hour later', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="work" /><userTask id="work" />
          <boundaryEvent id="tick" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeCycle>R/PT1H</timeCycle></timerEventDefinition></boundaryEvent>
          <sequenceFlow id="f3" sourceRef="tick" targetRef="e" /><endEvent id="e" />
        </process>`),
      );
      await instance.start();
      for (let i = 0; i < 5; i++) await instance.fire('tick');
      expect(instance.timer('tick')).toMatchObject({ repeat: -1, expireAt: new Date(T0.getTime() + 6 * HOUR) });
    });
  });

  describe('Scenario: an intermediate timer catch event', () => {
    let instance: Instance;

    it('Given a 15 minute cure time between two steps', async () => {
      instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="cure" />
          <intermediateCatchEvent id="cure"><timerEventDefinition><timeDuration>PT15M</timeDuration></timerEventDefinition></intermediateCatchEvent>
          <sequenceFlow id="f2" sourceRef="cure" targetRef="measure" /><userTask id="measure" />
        </process>`),
      );
      await instance.start();
      expect(instance.openTasks()).toEqual([]);
      expect(instance.timer('cure')).toMatchObject({ expireAt: new Date(T0.getTime() + 15 * MINUTE) });
      expect(instance.timer('cure').attachedTo).toBeUndefined();
    });

    it('When the cure time is over, Then the measurement task opens', async () => {
      await instance.fire('cure');
      expect(instance.openTasks()).toEqual(['measure']);
      expect(instance.historyOf('completed')).toEqual(['start', 'cure']);
    });
  });

  describe('Scenario: a 30-day timer, beyond what setTimeout can hold (24.8 days)', () => {
    let instance: Instance;
    let setTimeoutSpy: jest.SpyInstance;

    beforeAll(() => {
      setTimeoutSpy = jest.spyOn(global, 'setTimeout');
    });
    afterAll(() => setTimeoutSpy.mockRestore());

    it('Given a wait of P30D', async () => {
      instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="quarantine" />
          <intermediateCatchEvent id="quarantine"><timerEventDefinition><timeDuration>P30D</timeDuration></timerEventDefinition></intermediateCatchEvent>
          <sequenceFlow id="f2" sourceRef="quarantine" targetRef="release" /><userTask id="release" />
        </process>`),
      );
      setTimeoutSpy.mockClear();
      await instance.start();
    });

    it('Then it is due in 30 days and no timeout was armed', () => {
      expect(instance.timer('quarantine').expireAt).toEqual(new Date(T0.getTime() + 30 * DAY));
      expect(setTimeoutSpy.mock.calls.filter(([, delay]) => typeof delay === 'number' && delay > 1000)).toEqual([]);
    });

    it('When an unrelated event comes 29 days later, Then the timer keeps its due time', async () => {
      instance.advance(29 * DAY);
      const result = await instance.send({ type: 'signal', name: 'unrelated' });
      expect(result.applied).toBe(false);
      expect(instance.timer('quarantine').expireAt).toEqual(new Date(T0.getTime() + 30 * DAY));
    });

    it('When it is due after 30 days, Then the process continues', async () => {
      await instance.fire('quarantine');
      expect(instance.openTasks()).toEqual(['release']);
      expect(setTimeoutSpy.mock.calls.filter(([, delay]) => typeof delay === 'number' && delay > 1000)).toEqual([]);
    });
  });

  describe('Scenario: a timer at a fixed date', () => {
    it('Given a timeDate, Then the timer is due at that date', async () => {
      const instance = await Instance.of(
        bpmn(`<process id="p" isExecutable="true">
          <startEvent id="start" /><sequenceFlow id="f1" sourceRef="start" targetRef="at" />
          <intermediateCatchEvent id="at"><timerEventDefinition><timeDate>2030-06-01T06:00:00Z</timeDate></timerEventDefinition></intermediateCatchEvent>
          <sequenceFlow id="f2" sourceRef="at" targetRef="t" /><userTask id="t" />
        </process>`),
      );
      await instance.start();
      expect(instance.timer('at')).toMatchObject({ timerType: 'timeDate', expireAt: new Date('2030-06-01T06:00:00Z') });
      await instance.fire('at');
      expect(instance.openTasks()).toEqual(['t']);
    });
  });
});
