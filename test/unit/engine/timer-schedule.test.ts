import { compileDefinition, nextTimerStart, nextTimerStarts } from '../../../server/engine';
import { firstExpiry, nextCron, TimerValueError } from '../../../server/engine/timer-schedule';
import { bpmn, DAY, HOUR, T0 } from './harness';

const MINUTE = 60_000;

function timerStart(timer: string, extra = '') {
  return compileDefinition(
    bpmn(`
  <process id="nightly" isExecutable="true">
    <startEvent id="tick"><timerEventDefinition>${timer}</timerEventDefinition></startEvent>
    <sequenceFlow id="f1" sourceRef="tick" targetRef="check" />
    <userTask id="check" name="Check the line" camunda:candidateGroups="operator" />
    <sequenceFlow id="f2" sourceRef="check" targetRef="done" />
    <endEvent id="done" />
    ${extra}
  </process>`),
  );
}

describe('Feature: nextTimerStart schedules the timer start events of a released version', () => {
  describe('Scenario: a date', () => {
    it('Given a timeDate start, Then it fires once at the date and never again', async () => {
      // given
      const definition = await timerStart('<timeDate>2030-04-01T06:00:00Z</timeDate>');

      // when
      const first = nextTimerStart(definition, T0);

      // then
      expect(first).toEqual({ startEventId: 'tick', fireAt: new Date('2030-04-01T06:00:00Z'), timerType: 'timeDate', value: '2030-04-01T06:00:00Z' });
      expect(nextTimerStart(definition, first!.fireAt, first)).toBeUndefined();
    });
  });

  describe('Scenario: a duration', () => {
    it('Given a PT2H start released at T0, Then it fires once two hours after the release', async () => {
      const definition = await timerStart('<timeDuration>PT2H</timeDuration>');
      const first = nextTimerStart(definition, T0);
      expect(first?.fireAt).toEqual(new Date(T0.getTime() + 2 * HOUR));
      expect(nextTimerStart(definition, first!.fireAt, first)).toBeUndefined();
    });
  });

  describe('Scenario: a bounded ISO cycle without start date', () => {
    it('Given R3/PT10M, Then it fires three times ten minutes apart, counting down the repeats', async () => {
      const definition = await timerStart('<timeCycle>R3/PT10M</timeCycle>');
      const fires = [];
      let previous = nextTimerStart(definition, T0);
      while (previous) {
        fires.push(previous);
        previous = nextTimerStart(definition, previous.fireAt, previous);
      }
      expect(fires.map((f) => [f.fireAt.getTime() - T0.getTime(), f.repeat])).toEqual([
        [10 * MINUTE, 3],
        [20 * MINUTE, 2],
        [30 * MINUTE, 1],
      ]);
    });

    it('Given the scheduler was down for 25 minutes, Then missed firings are skipped, not fired in a burst', async () => {
      const definition = await timerStart('<timeCycle>R/PT10M</timeCycle>');
      const first = nextTimerStart(definition, T0)!;
      const next = nextTimerStart(definition, new Date(first.fireAt.getTime() + 25 * MINUTE), first);
      expect(next?.fireAt).toEqual(new Date(T0.getTime() + 40 * MINUTE));
      expect(next?.repeat).toBe(-1);
    });
  });

  describe('Scenario: an ISO cycle with a start date', () => {
    it('Given R4/2030-03-01T00:00:00Z/P1D, Then occurrences are fixed by the start and end after four', async () => {
      const definition = await timerStart('<timeCycle>R4/2030-03-01T00:00:00Z/P1D</timeCycle>');
      // T0 is 2030-03-04T08:00Z: the first three occurrences are past, the fourth (03-04T00:00) too.
      expect(nextTimerStart(definition, new Date('2030-03-02T12:00:00Z'))).toMatchObject({ fireAt: new Date('2030-03-03T00:00:00Z'), repeat: 2 });
      expect(nextTimerStart(definition, new Date('2030-02-01T00:00:00Z'))).toMatchObject({ fireAt: new Date('2030-03-01T00:00:00Z'), repeat: 4 });
      expect(nextTimerStart(definition, T0)).toBeUndefined();
    });
  });

  describe('Scenario: Quartz cron expressions (Camunda 7 syntax)', () => {
    it('Given "0/5 0/1 * 1/1 * ?", Then it fires every five seconds', async () => {
      const definition = await timerStart('<timeCycle>0/5 0/1 * 1/1 * ?</timeCycle>');
      const first = nextTimerStart(definition, new Date('2030-03-04T08:00:07Z'))!;
      const second = nextTimerStart(definition, first.fireAt, first)!;
      expect([first.fireAt, second.fireAt]).toEqual([new Date('2030-03-04T08:00:10Z'), new Date('2030-03-04T08:00:15Z')]);
      expect(first.repeat).toBe(-1);
    });

    it.each([
      ['0 0 6 ? * MON-FRI', '2030-03-09T07:00:00Z', '2030-03-11T06:00:00Z'], // Saturday → Monday
      ['0 0 12 L * ?', '2030-03-04T08:00:00Z', '2030-03-31T12:00:00Z'], // last day of the month
      ['0 0 12 15W 6 ?', '2030-03-04T08:00:00Z', '2030-06-14T12:00:00Z'], // 15 June 2030 is a Saturday: nearest weekday
      ['0 0 12 ? * 6#3', '2030-03-04T08:00:00Z', '2030-03-15T12:00:00Z'], // third Friday (Quartz: 1 = Sunday)
      ['0 0 12 ? * 2', '2030-03-04T08:00:00Z', '2030-03-04T12:00:00Z'], // 2 = Monday in Quartz
      ['0 30 7 * * ? 2031', '2030-03-04T08:00:00Z', '2031-01-01T07:30:00Z'], // year field
    ])('Given "%s" after %s, Then the next firing is %s', (cron, after, expected) => {
      expect(nextCron(cron, new Date(after))).toEqual(new Date(expected));
    });

    it('Given a time zone, Then the cron fields are read in it', () => {
      expect(nextCron('0 0 6 * * ?', T0, { timeZone: 'Europe/Berlin' })).toEqual(new Date('2030-03-05T05:00:00Z'));
    });

    it('Given a cron whose year has passed, Then the schedule has ended', async () => {
      const definition = await timerStart('<timeCycle>0 0 6 * * ? 2029</timeCycle>');
      expect(nextTimerStart(definition, T0)).toBeUndefined();
    });
  });

  describe('Scenario: several timer start events', () => {
    it('Given two timer starts, Then nextTimerStart gives the earliest and nextTimerStarts one per start event', async () => {
      const definition = await timerStart('<timeDuration>PT3H</timeDuration>', `
    <startEvent id="morning"><timerEventDefinition><timeCycle>0 0 9 * * ?</timeCycle></timerEventDefinition></startEvent>
    <sequenceFlow id="f3" sourceRef="morning" targetRef="check" />`);
      expect(nextTimerStart(definition, T0)).toMatchObject({ startEventId: 'morning', fireAt: new Date('2030-03-04T09:00:00Z') });
      expect(nextTimerStarts(definition, T0).map((f) => [f.startEventId, f.fireAt.toISOString()])).toEqual([
        ['tick', '2030-03-04T11:00:00.000Z'],
        ['morning', '2030-03-04T09:00:00.000Z'],
      ]);
    });
  });

  describe('Scenario: values that cannot be scheduled', () => {
    it.each([
      ['timeCycle', 'R/PT0S'],
      ['timeCycle', '${cycle}'],
      ['timeDuration', 'soon'],
      ['timeCycle', '0 0 12 L-2 * ?'],
    ] as const)('Given %s "%s", Then it is refused with the reason instead of hanging', (timerType, value) => {
      expect(() => firstExpiry(timerType, value, T0)).toThrow(TimerValueError);
    });

    it('Given a version without timer start events, Then there is nothing to schedule', async () => {
      const definition = await compileDefinition(bpmn('<process id="p" isExecutable="true"><startEvent id="s" /></process>'));
      expect(nextTimerStart(definition, T0)).toBeUndefined();
      expect(DAY).toBeGreaterThan(0);
    });
  });
});
