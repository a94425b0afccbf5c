'use strict';

const { is, isAny, isInExecutableProcess, prop, isBlank, extensionsOf, label } = require('../lib/helpers');

const BOUND_TYPES = ['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask'];
const MAX_RETRIES = 100;

/**
 * Service, send and business rule tasks in an executable process must say what Gemba calls:
 * either an external task topic (`camunda:type="external"` + `camunda:topic`, worked by an
 * external worker) or a Gemba connector operation (`gemba:connector` + `gemba:operation`).
 * Camunda's Java delegates, expressions, Connect connectors and DMN references cannot run here.
 * `gemba:retries` must be a whole number from 0 to 100.
 *
 * @type { import('bpmnlint/lib/types.js').RuleFactory }
 */
module.exports = function serviceTaskBinding() {
  function check(node, reporter) {
    if (!isAny(node, BOUND_TYPES) || !isInExecutableProcess(node)) return;
    const what = `${kind(node)} ${label(node)}`;

    const unsupported = [
      ['camunda:class', 'a Java class (camunda:class)'],
      ['camunda:delegateExpression', 'a Java delegate expression (camunda:delegateExpression)'],
      ['camunda:expression', 'a Java expression (camunda:expression)'],
      ['camunda:decisionRef', 'a DMN decision (camunda:decisionRef)'],
    ];
    for (const [name, description] of unsupported) {
      if (!isBlank(prop(node, name))) {
        reporter.report(node.id, `${what} calls ${description}, which Gemba cannot run: bind it to an external task topic or a Gemba connector operation`, [name]);
      }
    }
    if (extensionsOf(node, 'camunda:Connector').length) {
      reporter.report(node.id, `${what} uses a Camunda Connect connector, which Gemba cannot run: use gemba:connector and gemba:operation`, ['extensionElements']);
    }

    const type = prop(node, 'camunda:type');
    const topic = prop(node, 'camunda:topic');
    const connector = prop(node, 'gemba:connector');
    const operation = prop(node, 'gemba:operation');
    const external = !isBlank(type) || !isBlank(topic);
    const gemba = !isBlank(connector) || !isBlank(operation);

    if (!isBlank(type) && type !== 'external') {
      reporter.report(node.id, `${what} has camunda:type="${type}"; Gemba only runs camunda:type="external" with a topic`, ['camunda:type']);
    } else if (type === 'external' && isBlank(topic)) {
      reporter.report(node.id, `${what} is an external task without a topic: set camunda:topic`, ['camunda:topic']);
    } else if (!isBlank(topic) && type !== 'external') {
      reporter.report(node.id, `${what} names topic '${topic}' but is not an external task: set camunda:type="external"`, ['camunda:type']);
    }

    if (gemba && (isBlank(connector) || isBlank(operation))) {
      const missing = isBlank(connector) ? 'gemba:connector' : 'gemba:operation';
      reporter.report(node.id, `${what} names only half of a connector call: set ${missing}`, [missing]);
    }
    if (external && gemba) {
      reporter.report(node.id, `${what} is bound both to an external task topic and to a Gemba connector: keep one`, ['camunda:topic']);
    }
    const hasUnsupported = unsupported.some(([name]) => !isBlank(prop(node, name))) || extensionsOf(node, 'camunda:Connector').length > 0;
    if (!external && !gemba && !hasUnsupported) {
      reporter.report(
        node.id,
        `${what} does not say what to call: set an external task topic (camunda:type="external", camunda:topic) or a connector operation (gemba:connector, gemba:operation)`,
        ['camunda:topic'],
      );
    }

    const retries = prop(node, 'gemba:retries');
    if (retries !== undefined && retries !== null && !(Number.isInteger(retries) && retries >= 0 && retries <= MAX_RETRIES)) {
      reporter.report(node.id, `${what} has gemba:retries="${retries}"; use a whole number from 0 to ${MAX_RETRIES}`, ['gemba:retries']);
    }
  }

  return { check };
};

function kind(node) {
  if (is(node, 'bpmn:SendTask')) return 'Send task';
  if (is(node, 'bpmn:BusinessRuleTask')) return 'Business rule task';
  return 'Service task';
}
