'use strict';

/**
 * The submit gate: bpmnlint's recommended rules plus Gemba's, with the categories chosen for a
 * regulated plant (see server/bpmn/README.md). The modeler uses the same config
 * (`.bpmnlintrc`: `{ "extends": "plugin:gemba/gate" }`).
 */
module.exports = {
  extends: ['bpmnlint:recommended', 'plugin:gemba/recommended'],
  rules: {
    // A gateway that both joins and forks is well defined and runs correctly; it is a readability issue.
    'bpmnlint/no-gateway-join-fork': 'warn',
  },
};
