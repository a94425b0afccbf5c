'use strict';

const { ISODuration, ISOInterval, getDate } = require('@0dep/piso');

/**
 * Validation of BPMN timer values as Gemba runs them: ISO 8601 dates, durations and repeating
 * intervals (the forms bpmn-engine parses with @0dep/piso), Quartz cron expressions in time
 * cycles (Gemba's own timers), and expressions (`${…}` or FEEL `=…`) that are only known at run
 * time and therefore accepted as they are.
 *
 * Values are checked against a strict grammar *before* piso sees them: piso accepts `R/P`,
 * `R/PT` and `R/PT0S` and then loops forever when asked for the next expiry, which would block
 * the engine's event loop.
 */

const NUM = '\\d+(?:[.,]\\d+)?';
const DURATION_RE = new RegExp(
  `^P(?:(${NUM})Y)?(?:(${NUM})M)?(?:(${NUM})W)?(?:(${NUM})D)?(?:T(?:(${NUM})H)?(?:(${NUM})M)?(?:(${NUM})S)?)?$`,
);
const MAX_LENGTH = 200;

/** True when the value is evaluated at run time: FEEL (`=…`) or contains `${…}`. */
function isExpression(value) {
  return typeof value === 'string' && (/^=/.test(value) || value.includes('${') || value.includes('#{'));
}

function checkExpression(value) {
  if (/^=/.test(value)) {
    return value.slice(1).trim() ? ok('expression') : fail('The FEEL expression after "=" is empty');
  }
  let depth = 0;
  for (let i = 0; i < value.length; i++) {
    if ((value[i] === '$' || value[i] === '#') && value[i + 1] === '{') {
      if (depth > 0) return fail('Expressions cannot be nested: "${" inside "${…}"');
      depth = 1;
      i++;
      const close = value.indexOf('}', i);
      if (close < 0) return fail('The expression "${" is never closed with "}"');
      if (!value.slice(i + 1, close).trim()) return fail('The expression "${}" is empty');
      i = close;
      depth = 0;
    }
  }
  return ok('expression');
}

/**
 * Checks an ISO 8601 duration such as PT15M or P1DT2H.
 * @param {string} value
 * @returns {{ valid: true, form: string, milliseconds: number } | { valid: false, reason: string }}
 */
function checkDuration(value) {
  const match = DURATION_RE.exec(value);
  if (!match || value === 'P' || value.endsWith('T') || match.slice(1).every((part) => part === undefined)) {
    return fail(`"${value}" is not an ISO 8601 duration (examples: PT15M, PT8H, P1D, P1DT12H)`);
  }
  try {
    const parsed = new ISODuration(value).parse();
    const milliseconds = parsed.toMilliseconds(new Date(0));
    return { valid: true, form: 'duration', milliseconds };
  } catch (err) {
    return fail(`"${value}" is not an ISO 8601 duration: ${err.message}`);
  }
}

/**
 * Checks an ISO 8601 date or date-time such as 2025-03-01T08:00:00Z.
 * @param {string} value
 */
function checkDate(value) {
  if (!/^\d{4}/.test(value)) {
    return fail(`"${value}" is not an ISO 8601 date (example: 2025-03-01T08:00:00Z)`);
  }
  try {
    const date = getDate(value);
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new Error('no valid date');
    return ok('date');
  } catch (err) {
    return fail(`"${value}" is not an ISO 8601 date: ${err.message}`);
  }
}

/**
 * Checks a repeating ISO 8601 interval: R[n]/duration, R[n]/start/duration or R[n]/duration/end.
 * @param {string} value
 */
function checkIsoCycle(value) {
  const match = /^R(\d*)\/(.+)$/.exec(value);
  if (!match) {
    return fail(`"${value}" is not a time cycle: use R/<duration> (e.g. R/PT1H, R3/PT10M), R/<start>/<duration> or a cron expression`);
  }
  if (match[1] !== '' && Number(match[1]) === 0) {
    return fail(`"${value}" repeats zero times (R0): the timer would never fire as a cycle`);
  }
  const parts = match[2].split('/');
  let duration;
  if (parts.length === 1) {
    duration = parts[0];
  } else if (parts.length === 2) {
    const [first, second] = parts;
    const durationFirst = first.startsWith('P');
    duration = durationFirst ? first : second;
    const date = durationFirst ? second : first;
    const dateResult = checkDate(date);
    if (!dateResult.valid) return dateResult;
  } else {
    return fail(`"${value}" has too many "/" parts for a time cycle`);
  }
  const durationResult = checkDuration(duration);
  if (!durationResult.valid) return durationResult;
  if (!(durationResult.milliseconds > 0)) {
    return fail(`"${value}" repeats every zero seconds: the timer would fire without pause`);
  }
  try {
    new ISOInterval(value).parse();
  } catch (err) {
    return fail(`"${value}" is not a valid ISO 8601 repeating interval: ${err.message}`);
  }
  return ok('cycle');
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, dayOfMonth: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 1, max: 7, names: DAYS, dayOfWeek: true },
  { name: 'year', min: 1970, max: 2099 },
];

function cronValue(field, text) {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  if (field.names) {
    const index = field.names.indexOf(text.toUpperCase());
    if (index >= 0) return index + 1;
  }
  return undefined;
}

function checkCronItem(field, item) {
  if (field.dayOfMonth) {
    // Quartz's offset from the last day (L-3) is not supported by Gemba's scheduler (croner).
    if (item === 'L') return true;
    if (item === 'LW') return true;
    if (/^\d+W$/.test(item)) return cronValue(field, item.slice(0, -1)) !== undefined;
  }
  if (field.dayOfWeek) {
    if (item === 'L') return true;
    if (/^[^#]+L$/.test(item)) return cronValue(field, item.slice(0, -1)) !== undefined;
    const hash = /^([^#]+)#([1-5])$/.exec(item);
    if (hash) return cronValue(field, hash[1]) !== undefined;
  }
  const [range, step, extra] = item.split('/');
  if (extra !== undefined) return false;
  if (step !== undefined && !(/^\d+$/.test(step) && Number(step) >= 1 && Number(step) <= field.max)) return false;
  if (range === '*') return true;
  const bounds = range.split('-');
  if (bounds.length > 2) return false;
  return bounds.every((bound) => cronValue(field, bound) !== undefined);
}

/**
 * Checks a Quartz cron expression (seconds minutes hours day-of-month month day-of-week [year]),
 * the syntax of Camunda 7 time cycles, e.g. `0/5 0/1 * 1/1 * ?` or `0 0 6 ? * MON-FRI`.
 * @param {string} value
 */
function checkCron(value) {
  const parts = value.split(/\s+/);
  if (parts.length < 6 || parts.length > 7) {
    return fail(`"${value}" is not a cron expression: Quartz cron has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year])`);
  }
  for (let i = 0; i < parts.length; i++) {
    const field = CRON_FIELDS[i];
    const text = parts[i];
    if (text === '?') {
      if (!field.dayOfMonth && !field.dayOfWeek) return fail(`"${value}": "?" is only allowed in day-of-month or day-of-week`);
      continue;
    }
    if (!text.split(',').every((item) => item !== '' && checkCronItem(field, item))) {
      return fail(`"${value}": the ${field.name} field "${text}" is not valid (allowed ${field.min}-${field.max}${field.names ? ' or names' : ''})`);
    }
  }
  if ((parts[3] === '?') === (parts[5] === '?')) {
    return fail(`"${value}": Quartz cron needs "?" in exactly one of day-of-month and day-of-week (e.g. "0 0 6 * * ?" or "0 0 6 ? * MON-FRI")`);
  }
  return ok('cron');
}

/**
 * Checks one timer value.
 *
 * @param {'timeDate' | 'timeDuration' | 'timeCycle' | 'dueDate'} kind which timer property holds it;
 *   `dueDate` (camunda:dueDate / camunda:followUpDate) accepts a date or a duration from now
 * @param {unknown} value the text of the timer
 * @returns {{ valid: true, form: 'expression' | 'date' | 'duration' | 'cycle' | 'cron' } | { valid: false, reason: string }}
 */
function checkTimerValue(kind, value) {
  if (typeof value !== 'string' || value.trim() === '') return fail('The timer value is empty');
  if (value.length > MAX_LENGTH) return fail(`The timer value is longer than ${MAX_LENGTH} characters`);
  if (value !== value.trim()) {
    return fail(`"${value.trim()}" has spaces or line breaks around it; the engine does not accept them`);
  }
  if (isExpression(value)) return checkExpression(value);

  switch (kind) {
    case 'timeDate':
      return checkDate(value);
    case 'timeDuration': {
      const result = checkDuration(value);
      return result.valid ? ok('duration') : result;
    }
    case 'timeCycle':
      return value.startsWith('R') ? checkIsoCycle(value) : /\s/.test(value) ? checkCron(value) : checkIsoCycle(value);
    case 'dueDate': {
      if (value.startsWith('P')) {
        const result = checkDuration(value);
        return result.valid ? ok('duration') : result;
      }
      return checkDate(value);
    }
    default:
      return fail(`Unknown timer kind ${kind}`);
  }
}

function ok(form) {
  return { valid: true, form };
}

function fail(reason) {
  return { valid: false, reason };
}

module.exports = { checkTimerValue, checkCron, checkDuration, checkDate, checkIsoCycle, isExpression };
