// The schedule of a version's timer start events, for the runtime's scheduler: pure functions
// of the compiled definition and the platform time.
import type { CompiledDefinition } from './compile-definition';
import { nextFireOf } from './timer-schedule';
import type { TimerOptions, TimerStartDefinition, TimerStartFire } from './timer-schedule';

/** The timer start events of the version's executable process, with their (literal) values. */
export function timerStartsOf(definition: CompiledDefinition): TimerStartDefinition[] {
  const executable = new Set(definition.executableProcessIds);
  const result: TimerStartDefinition[] = [];
  for (const start of definition.startEvents) {
    if (start.kind !== 'timer' || !executable.has(start.processId)) continue;
    const timer = definition.activities.get(start.id)?.timers?.[0];
    if (timer) result.push({ startEventId: start.id, timerType: timer.timerType, value: timer.value });
  }
  return result;
}

/**
 * When the version's timer start events start their next instance. Call it when the version is
 * released with `after` = the release time and no `previous` (a duration counts from `after`);
 * when a firing was used, call it again with `after` = the platform time it fired at and
 * `previous` = that firing, to get the same start event's next one (`undefined`: its schedule
 * has ended). Without `previous`, the earliest first firing of all the timer start events is
 * returned (see {@link nextTimerStarts} for one per start event). A `Date` as `previous` is the
 * last firing time of every timer start event (dates and durations then never fire again, and
 * bounded ISO cycles without a start date cannot count their repeats: pass the firing instead).
 * @throws TimerValueError when a timer start value is an expression or not a valid timer value
 *   (the submit gate refuses both)
 */
export function nextTimerStart(definition: CompiledDefinition, after: Date, previous?: TimerStartFire | Date, options: TimerOptions = {}): TimerStartFire | undefined {
  const starts = timerStartsOf(definition);
  if (previous && !(previous instanceof Date)) {
    const start = starts.find((s) => s.startEventId === previous.startEventId);
    return start ? nextFireOf(start, after, previous, options) : undefined;
  }
  let earliest: TimerStartFire | undefined;
  for (const start of starts) {
    const prior: TimerStartFire | undefined = previous ? { ...start, fireAt: previous } : undefined;
    const next = nextFireOf(start, after, prior, options);
    if (next && (!earliest || next.fireAt < earliest.fireAt)) earliest = next;
  }
  return earliest;
}

/**
 * The first firing of each timer start event of the version (one schedule per start event), for a
 * scheduler that keeps one job per start event. Same rules as {@link nextTimerStart}.
 * @throws TimerValueError when a timer start value is not schedulable
 */
export function nextTimerStarts(definition: CompiledDefinition, after: Date, options: TimerOptions = {}): TimerStartFire[] {
  return timerStartsOf(definition)
    .map((start) => nextFireOf(start, after, undefined, options))
    .filter((fire): fire is TimerStartFire => fire !== undefined);
}
