'use strict';

/** Gemba's own rules with their categories. Rule names resolve to bpmnlint-plugin-gemba/rules/<name>. */
module.exports = {
  rules: {
    'user-task-assignment': 'error',
    'service-task-binding': 'error',
    'equipment-binding': 'error',
    'timer-expression': 'error',
    'signature-meaning': 'error',
    'script-task-category': 'error',
    'script-task-review': 'warn',
  },
};
