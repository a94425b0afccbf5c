export type TimerKind = 'timeDate' | 'timeDuration' | 'timeCycle' | 'dueDate';
export type TimerForm = 'expression' | 'date' | 'duration' | 'cycle' | 'cron';
export type TimerCheck = { valid: true; form: TimerForm } | { valid: false; reason: string };

/**
 * Checks one timer value as Gemba runs it: ISO 8601 date, duration or repeating interval,
 * Quartz cron (time cycles only), or an expression (`${…}`, `=…`) accepted as evaluated at run time.
 */
export declare function checkTimerValue(kind: TimerKind, value: unknown): TimerCheck;
/** Checks a Quartz cron expression (6 or 7 fields, `?` in day-of-month or day-of-week). */
export declare function checkCron(value: string): TimerCheck;
/** Checks an ISO 8601 duration; valid results carry its length in milliseconds. */
export declare function checkDuration(value: string): { valid: true; form: 'duration'; milliseconds: number } | { valid: false; reason: string };
/** Checks an ISO 8601 date or date-time. */
export declare function checkDate(value: string): TimerCheck;
/** Checks an ISO 8601 repeating interval (R[n]/…), refusing zero-length periods. */
export declare function checkIsoCycle(value: string): TimerCheck;
/** True when the value is an expression evaluated at run time (`=…`, `${…}`). */
export declare function isExpression(value: unknown): boolean;
