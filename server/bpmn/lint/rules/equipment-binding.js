'use strict';

const { isInExecutableProcess, prop, isBlank, label } = require('../lib/helpers');
const { isExpression } = require('../lib/timer-expression');

// OPC UA NodeId string forms (Part 6, 5.3.1.10): [ns=<index>;|nsu=<uri>;]<i|s|g|b>=<identifier>
const NODE_ID_RE = /^(?:(?:ns=\d+|nsu=[^;]+);)?(?:i=\d+|s=.+|g=[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|b=[A-Za-z0-9+/]+={0,2})$/;

/**
 * Equipment bindings must be complete and well formed: `gemba:equipmentNode` needs the
 * `gemba:equipment` it belongs to and must be an OPC UA NodeId (`ns=2;s=Press.Setpoint`,
 * `nsu=urn:plant;i=1001`) or an expression; equipment is only reached through a connector call.
 *
 * @type { import('bpmnlint/lib/types.js').RuleFactory }
 */
module.exports = function equipmentBinding() {
  function check(node, reporter) {
    if (!isInExecutableProcess(node)) return;
    const equipment = prop(node, 'gemba:equipment');
    const nodeId = prop(node, 'gemba:equipmentNode');
    if (isBlank(equipment) && isBlank(nodeId)) return;
    const what = label(node);

    if (!isBlank(nodeId) && isBlank(equipment)) {
      reporter.report(node.id, `${what} names OPC UA node '${nodeId}' but not the equipment it belongs to: set gemba:equipment`, ['gemba:equipment']);
    }
    if (!isBlank(nodeId) && !isExpression(nodeId) && !NODE_ID_RE.test(String(nodeId).trim())) {
      reporter.report(node.id, `${what} has gemba:equipmentNode='${nodeId}', which is not an OPC UA node id (e.g. ns=2;s=Line1.Press.Setpoint or nsu=urn:plant;i=1001)`, ['gemba:equipmentNode']);
    }
    if (isBlank(prop(node, 'gemba:connector')) || isBlank(prop(node, 'gemba:operation'))) {
      reporter.report(node.id, `${what} names equipment but calls no connector operation: set gemba:connector and gemba:operation`, ['gemba:connector']);
    }
  }

  return { check };
};

module.exports.NODE_ID_RE = NODE_ID_RE;
