// Pure timer arithmetic on the platform clock: ISO 8601 dates, durations and repeating intervals
// (with @0dep/piso, guarded by the submit gate's own checker because piso loops forever on
// zero-length cycles) and Quartz / Camunda 7 cron expressions (with croner in Quartz mode).
// Used by the host's timer event definitions, the snapshot, and the runtime's start scheduler.
import { Cron } from 'croner';
import { ISODuration, ISOInterval, getDate } from '@0dep/piso';
import { checkTimerValue } from '../bpmn/timer-value';

/** Which property of a timer event definition holds the value. */
export type TimerType = 'timeDuration' | 'timeDate' | 'timeCycle';

/** The next firing of a timer value. */
export type TimerExpiry = {
  expireAt: Date;
  /** Firings left including this one for cycles; -1 unbounded (R/…, cron). Absent for dates and durations. */
  repeat?: number;
  /** The value's form: an ISO date, duration or repeating interval, or a Quartz cron expression. */
  form: 'date' | 'duration' | 'cycle' | 'cron';
};

/** Options of timer arithmetic. */
export type TimerOptions = {
  /** IANA time zone cron expressions are read in (Camunda: the server's zone). Default 'UTC'. */
  timeZone?: string;
};

/** A timer value that cannot be scheduled (refused by the gate's checker, or no next firing). */
export class TimerValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimerValueError';
  }
}

const crons = new Map<string, Cron>();
const MAX_CRONS = 500;

function cron(value: string, timeZone: string): Cron {
  const key = `${timeZone}\u0000${value}`;
  let compiled = crons.get(key);
  if (!compiled) {
    // Quartz: seconds first, optional year, 1 = Sunday, `0/5` steps, `?`, `L`, `W`, `#`.
    try {
      compiled = new Cron(value, { mode: '6-or-7-parts', alternativeWeekdays: true, sloppyRanges: true, timezone: timeZone, paused: true });
    } catch (err) {
      throw new TimerValueError(`"${value}" is not a cron expression Gemba can schedule: ${(err as Error).message}`);
    }
    if (crons.size >= MAX_CRONS) crons.delete(crons.keys().next().value as string);
    crons.set(key, compiled);
  }
  return compiled;
}

/** True when a time cycle is a cron expression (fields separated by spaces) rather than an ISO 8601 repeating interval. */
export function isCron(value: string): boolean {
  return !value.startsWith('R') && /\s/.test(value.trim());
}

/**
 * Checks a resolved timer value the way the submit gate does (expressions must be resolved first).
 * @throws TimerValueError with the gate's reason
 */
export function assertTimerValue(timerType: TimerType, value: string): void {
  const check = checkTimerValue(timerType, value);
  if (!check.valid) throw new TimerValueError(check.reason);
  if (check.form === 'expression') throw new TimerValueError(`"${value}" is still an expression: it must be resolved before it is scheduled`);
}

/**
 * The next cron firing strictly after `after`, or undefined when the expression has no more (a past year).
 * @throws TimerValueError when the expression is not a cron expression croner can read
 */
export function nextCron(value: string, after: Date, options: TimerOptions = {}): Date | undefined {
  const next = cron(value.trim(), options.timeZone ?? 'UTC').nextRun(after);
  return next ?? undefined;
}

/**
 * When a timer registered at `now` fires first: a date is absolute; a duration and a cycle
 * without start date run from `now`; a cycle with a start date fires at its next occurrence after
 * `now` (or at the start); a cron expression at its next match after `now`.
 * @throws TimerValueError when the value is not a schedulable timer value or never fires again
 */
export function firstExpiry(timerType: TimerType, rawValue: string, now: Date, options: TimerOptions = {}): TimerExpiry {
  const value = rawValue.trim();
  if (timerType === 'timeCycle' && isCron(value)) {
    assertTimerValue('timeCycle', value);
    const at = nextCron(value, now, options);
    if (!at) throw new TimerValueError(`The cron expression "${value}" never fires after ${now.toISOString()}`);
    return { expireAt: at, repeat: -1, form: 'cron' };
  }
  assertTimerValue(timerType, value);
  switch (timerType) {
    case 'timeDate':
      return { expireAt: getDate(value), form: 'date' };
    case 'timeDuration':
      return { expireAt: new ISODuration(value).parse().getExpireAt(now), form: 'duration' };
    case 'timeCycle': {
      const interval = new ISOInterval(value).parse();
      const repeat = interval.repeat === undefined || interval.repeat < 0 ? -1 : interval.repeat;
      return { expireAt: interval.getExpireAt(now, now), repeat, form: 'cycle' };
    }
  }
}

/** A scheduled start of a new instance by a timer start event. */
export type TimerStartFire = {
  startEventId: string;
  /** When to start the instance (platform clock). */
  fireAt: Date;
  timerType: TimerType;
  value: string;
  /** For cycles: firings left including this one (-1 unbounded: R/…, cron). */
  repeat?: number;
};

/** A timer start event as the scheduler needs it. */
export type TimerStartDefinition = { startEventId: string; timerType: TimerType; value: string };

/**
 * The firing of one timer start event that follows `previous` (or its first, without one), on or
 * after `after`: dates fire once at the date; durations once, `after` + duration (call with the
 * release time); ISO cycles `R[n]/[start/]P` at start + k·P (without start: from `after` for the
 * first firing, then from the previous firing), skipping missed occurrences; cron at its next
 * match strictly after `after` and after the previous firing.
 * @throws TimerValueError when the value is not schedulable (an expression, an invalid value)
 */
export function nextFireOf(start: TimerStartDefinition, after: Date, previous?: TimerStartFire, options: TimerOptions = {}): TimerStartFire | undefined {
  const { startEventId, timerType } = start;
  const value = start.value.trim();
  const make = (fireAt: Date, repeat?: number): TimerStartFire => ({ startEventId, fireAt, timerType, value, ...(repeat !== undefined ? { repeat } : {}) });
  if (timerType === 'timeDate' || timerType === 'timeDuration') {
    if (previous) return undefined;
    return make(firstExpiry(timerType, value, after, options).expireAt);
  }
  if (isCron(value)) {
    assertTimerValue('timeCycle', value);
    const from = previous && previous.fireAt > after ? previous.fireAt : after;
    const at = nextCron(value, from, options);
    return at ? make(at, -1) : undefined;
  }
  assertTimerValue('timeCycle', value);
  const interval = new ISOInterval(value).parse();
  const total = interval.repeat === undefined || interval.repeat < 0 ? -1 : interval.repeat;
  const left = previous?.repeat ?? total;
  if (previous && left !== -1 && left <= 1) return undefined;
  const duration = interval.duration;
  if (!duration) throw new TimerValueError(`"${value}" has no duration to repeat`);
  if (interval.start) {
    // Occurrences are fixed by the start: start, start + P, start + 2P …
    const startAt = interval.startDate;
    const floor = new Date(Math.max(previous ? previous.fireAt.getTime() : -Infinity, after.getTime() - 1));
    const step = Math.max(1, duration.toMilliseconds(startAt));
    // Jump close to the floor first (a start long ago with a short period), then walk.
    let k = Math.max(0, Math.floor((floor.getTime() - startAt.getTime()) / step) - 2);
    for (let walked = 0; (total === -1 || k < total) && walked < 10_000; k++, walked++) {
      const at = k === 0 ? startAt : duration.getExpireAt(startAt, k);
      if (at > floor) return make(at, total === -1 ? -1 : total - k);
    }
    return undefined;
  }
  if (!previous) return make(duration.getExpireAt(after), total);
  // Without a start: every P after the previous firing; occurrences missed while down are skipped.
  let at = duration.getExpireAt(previous.fireAt);
  let remaining = left === -1 ? -1 : left - 1;
  for (let guard = 0; at <= after && guard < 100_000; guard++) {
    if (remaining !== -1 && remaining <= 1) return undefined;
    at = duration.getExpireAt(at);
    if (remaining !== -1) remaining--;
  }
  return make(at, remaining);
}
