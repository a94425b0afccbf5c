'use strict';

/**
 * bpmnlint-plugin-gemba: Gemba's modelling rules for bpmnlint. Rules live in ./rules/<name>.js
 * (bpmnlint's rule API: a factory returning `{ check(node, reporter) }`); configs:
 * `plugin:gemba/recommended` (Gemba's rules only) and `plugin:gemba/gate` (the submit gate).
 */
module.exports = {
  configs: {
    recommended: require('./config/recommended'),
    gate: require('./config/gate'),
  },
};
