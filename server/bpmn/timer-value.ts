import { checkTimerValue as check } from 'bpmnlint-plugin-gemba/lib/timer-expression';
import type { TimerCheck, TimerKind } from 'bpmnlint-plugin-gemba/lib/timer-expression';

export type { TimerCheck, TimerForm, TimerKind } from 'bpmnlint-plugin-gemba/lib/timer-expression';

/**
 * Checks one timer value the way the submit gate does (the same code as the lint rule
 * gemba/timer-expression): ISO 8601 dates, durations and `R[n]/…` cycles, Quartz cron in time
 * cycles, and `${…}` / `=…` expressions, which are accepted as evaluated at run time. Gemba's
 * timers should check values that expressions produce with it too: piso, which bpmn-engine uses,
 * loops forever on zero-length cycles such as `R/PT0S`, and this refuses them.
 */
export function checkTimerValue(kind: TimerKind, value: unknown): TimerCheck {
  return check(kind, value);
}
