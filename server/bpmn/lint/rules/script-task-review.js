'use strict';

const { is, isInExecutableProcess, label } = require('../lib/helpers');

/**
 * Flags every script task in an executable process: a script is custom code that a reviewer must
 * read before release (Gemba runs scripts only in reviewed versions). A warning, kept with the version.
 *
 * @type { import('bpmnlint/lib/types.js').RuleFactory }
 */
module.exports = function scriptTaskReview() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:ScriptTask') || !isInExecutableProcess(node)) return;
    reporter.report(node.id, `Script task ${label(node)} runs custom code: it requires review before release`, ['script']);
  }

  return { check };
};
