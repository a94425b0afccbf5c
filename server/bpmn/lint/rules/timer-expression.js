'use strict';

const { is, isInExecutableProcess, prop, isBlank, label } = require('../lib/helpers');
const { checkTimerValue } = require('../lib/timer-expression');

const TIMER_KINDS = ['timeDate', 'timeDuration', 'timeCycle'];
const KIND_WORDS = { timeDate: 'date', timeDuration: 'duration', timeCycle: 'cycle' };

/**
 * Every timer in an executable process sets exactly one of date, duration or cycle, and its
 * value parses: ISO 8601 (dates, durations, R/… cycles), Quartz cron for cycles, or an
 * expression (`${…}`, `=…`) evaluated at run time. User task due and follow-up dates
 * (camunda:dueDate, camunda:followUpDate) take a date, a duration from now, or an expression.
 *
 * @type { import('bpmnlint/lib/types.js').RuleFactory }
 */
module.exports = function timerExpression() {
  function check(node, reporter) {
    if (is(node, 'bpmn:TimerEventDefinition')) return checkTimer(node, reporter);
    if (is(node, 'bpmn:UserTask') && isInExecutableProcess(node)) {
      for (const name of ['camunda:dueDate', 'camunda:followUpDate']) {
        const value = prop(node, name);
        if (isBlank(value) && value !== '') continue;
        const result = checkTimerValue('dueDate', value);
        if (!result.valid) reporter.report(node.id, `${name} of ${label(node)}: ${result.reason}`, [name]);
      }
    }
  }

  function checkTimer(definition, reporter) {
    const event = definition.$parent;
    if (!event || !isInExecutableProcess(event)) return;
    const what = `Timer ${label(event)}`;
    const present = TIMER_KINDS.filter((kind) => definition[kind]);

    if (present.length === 0) {
      reporter.report(event.id, `${what} has no date, duration or cycle: set when it fires`, ['eventDefinitions']);
      return;
    }
    if (present.length > 1) {
      reporter.report(event.id, `${what} sets ${present.map((kind) => KIND_WORDS[kind]).join(' and ')}; set exactly one`, ['eventDefinitions']);
      return;
    }
    const kind = present[0];
    const result = checkTimerValue(kind, definition[kind].body);
    if (!result.valid) {
      reporter.report(event.id, `${what} ${KIND_WORDS[kind]}: ${result.reason}`, ['eventDefinitions', kind]);
    }
  }

  return { check };
};
