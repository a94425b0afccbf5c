'use strict';

const { is, isInExecutableProcess, prop, isBlank, label } = require('../lib/helpers');

/**
 * Requirement W07: a script task is custom code (GAMP 5 category 5) and must say so with
 * `gemba:gampCategory="5"`, so that validation treats it as such. A missing or lower category
 * refuses the submit.
 *
 * @type { import('bpmnlint/lib/types.js').RuleFactory }
 */
module.exports = function scriptTaskCategory() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:ScriptTask') || !isInExecutableProcess(node)) return;
    const category = prop(node, 'gemba:gampCategory');
    if (isBlank(category)) {
      reporter.report(node.id, `Script task ${label(node)} is custom code but is not flagged GAMP category 5: set gemba:gampCategory="5"`, ['gemba:gampCategory']);
    } else if (String(category).trim() !== '5') {
      reporter.report(node.id, `Script task ${label(node)} has gemba:gampCategory="${category}", but a script is always custom code: set it to "5"`, ['gemba:gampCategory']);
    }
  }

  return { check };
};
