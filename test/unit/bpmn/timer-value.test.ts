import { checkTimerValue } from '../../../server/bpmn/timer-value';

describe('checkTimerValue', () => {
  it.each([
    ['timeDuration', 'PT15M', 'duration'],
    ['timeDuration', 'P1DT12H', 'duration'],
    ['timeDuration', 'PT0.5S', 'duration'],
    ['timeDuration', 'P2W', 'duration'],
    ['timeDuration', 'PT0S', 'duration'],
    ['timeDate', '2025-03-01T08:00:00Z', 'date'],
    ['timeDate', '2025-03-01T08:00:00+01:00', 'date'],
    ['timeDate', '2025-03-01', 'date'],
    ['timeCycle', 'R/PT1H', 'cycle'],
    ['timeCycle', 'R3/PT10H', 'cycle'],
    ['timeCycle', 'R6/P1D', 'cycle'],
    ['timeCycle', 'R/2025-01-01T06:00:00Z/P1D', 'cycle'],
    ['timeCycle', 'R2/PT1H/2025-01-01T06:00:00Z', 'cycle'],
    ['timeCycle', '0/5 0/1 * 1/1 * ?', 'cron'],
    ['timeCycle', '0 0 6 ? * MON-FRI', 'cron'],
    ['timeCycle', '0 15 10 L * ?', 'cron'],
    ['timeCycle', '0 15 10 ? * 6#3', 'cron'],
    ['timeCycle', '0 0 12 1W * ? 2030', 'cron'],
    ['timeCycle', '0 0,30 8-17 ? JAN,JUL 2L', 'cron'],
    ['timeDate', '${environment.variables.catchDate}', 'expression'],
    ['timeDuration', '${slaHours}', 'expression'],
    ['timeCycle', 'R3/${interval}', 'expression'],
    ['timeDuration', '=duration("PT" + string(hours) + "H")', 'expression'],
    ['dueDate', 'PT4H', 'duration'],
    ['dueDate', '2025-03-01T08:00:00Z', 'date'],
    ['dueDate', '${environment.variables.dueDate}', 'expression'],
  ] as const)('accepts %s %s as %s', (kind, value, form) => {
    expect(checkTimerValue(kind, value)).toEqual({ valid: true, form });
  });

  it.each([
    ['timeDuration', '', /empty/],
    ['timeDuration', 'PT', /not an ISO 8601 duration/],
    ['timeDuration', 'P', /not an ISO 8601 duration/],
    ['timeDuration', 'PTfoo', /not an ISO 8601 duration/],
    ['timeDuration', '15 minutes', /not an ISO 8601 duration/],
    ['timeDuration', '-PT1M', /not an ISO 8601 duration/],
    ['timeDuration', ' PT1M', /spaces or line breaks/],
    ['timeDuration', 'PT1M\n', /spaces or line breaks/],
    ['timeDate', '2025-13-01', /not an ISO 8601 date/],
    ['timeDate', '2025-02-30T10:00:00Z', /not an ISO 8601 date/],
    ['timeDate', 'tomorrow', /not an ISO 8601 date/],
    ['timeCycle', 'PT1H', /not a time cycle/],
    ['timeCycle', 'R0/PT1H', /zero times/],
    // piso accepts these and then loops forever computing the next expiry
    ['timeCycle', 'R/PT0S', /zero seconds/],
    ['timeCycle', 'R/P', /not an ISO 8601 duration/],
    ['timeCycle', 'R/PT', /not an ISO 8601 duration/],
    ['timeCycle', 'R/2025-01-01T00:00:00Z/PT0S', /zero seconds/],
    ['timeCycle', 'R3', /not a time cycle/],
    ['timeCycle', 'R/PT1H/x/y', /too many/],
    ['timeCycle', '0 0 12 * * *', /exactly one of day-of-month and day-of-week/],
    ['timeCycle', '0 0 12 ? * ?', /exactly one of day-of-month and day-of-week/],
    ['timeCycle', '0 0 25 * * ?', /hours field "25"/],
    ['timeCycle', '60 0 12 * * ?', /seconds field "60"/],
    ['timeCycle', '0 0 12 * FOO ?', /month field "FOO"/],
    // Quartz's offset from the last day: Gemba's scheduler (croner) cannot compute it
    ['timeCycle', '0 0 12 L-2 * ?', /day of month field "L-2"/],
    ['timeCycle', '0 0/0 12 * * ?', /minutes field/],
    ['timeCycle', '0 0 12 * *', /6 or 7 fields/],
    ['timeCycle', '? 0 12 * * ?', /"\?" is only allowed/],
    ['timeDuration', '${unclosed', /never closed/],
    ['timeDuration', '${}', /empty/],
    ['timeDuration', '=', /empty/],
    ['dueDate', 'next week', /not an ISO 8601 date/],
    ['timeCycle', 'x'.repeat(201), /longer than 200/],
  ] as const)('refuses %s %j', (kind, value, reason) => {
    // when
    const result = checkTimerValue(kind, value);

    // then
    expect(result.valid).toBe(false);
    expect(result.valid === false && result.reason).toMatch(reason);
  });

  it('refuses a value that is not a string', () => {
    expect(checkTimerValue('timeDate', undefined)).toEqual({ valid: false, reason: 'The timer value is empty' });
  });
});
