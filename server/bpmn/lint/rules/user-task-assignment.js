'use strict';

const { is, isInExecutableProcess, prop, isBlank, label } = require('../lib/helpers');

/**
 * A user task in an executable process must name who may work on it: an assignee, candidate
 * users or candidate groups (roles). Otherwise nobody is ever offered the task.
 *
 * @type { import('bpmnlint/lib/types.js').RuleFactory }
 */
module.exports = function userTaskAssignment() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:UserTask') || !isInExecutableProcess(node)) return;

    const assigned = ['camunda:assignee', 'camunda:candidateUsers', 'camunda:candidateGroups'].some((name) => !isBlank(prop(node, name)));
    if (!assigned) {
      reporter.report(
        node.id,
        `User task ${label(node)} is offered to nobody: set candidate groups (the roles that may claim it), candidate users or an assignee`,
        ['camunda:candidateGroups'],
      );
    }
  }

  return { check };
};
