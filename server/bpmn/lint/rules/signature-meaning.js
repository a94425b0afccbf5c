'use strict';

const { is, isInExecutableProcess, prop, isBlank, label } = require('../lib/helpers');
const { SIGNATURE_MEANINGS } = require('../lib/vocabulary');

/**
 * A task that requires a signature names its meaning from the controlled list (21 CFR 11.50):
 * `gemba:signatureMeaning` must be one of the listed meanings, and `gemba:signatureRequired` or
 * `gemba:verifierRequired` without a meaning is refused. Only user tasks collect signatures.
 *
 * Rule options: `{ meanings?: string[] }` replaces the controlled list.
 *
 * @type { import('bpmnlint/lib/types.js').RuleFactory }
 */
module.exports = function signatureMeaning(options) {
  const meanings = (options && Array.isArray(options.meanings) && options.meanings) || SIGNATURE_MEANINGS;

  function check(node, reporter) {
    if (!is(node, 'bpmn:Task') || !isInExecutableProcess(node)) return;
    const meaning = prop(node, 'gemba:signatureMeaning');
    const required = prop(node, 'gemba:signatureRequired') === true;
    const verifier = prop(node, 'gemba:verifierRequired') === true;
    const what = label(node);

    if (!isBlank(meaning) && !meanings.includes(meaning)) {
      reporter.report(node.id, `${what} has signature meaning '${meaning}', which is not in the controlled list (${meanings.join(', ')})`, ['gemba:signatureMeaning']);
    }
    if (isBlank(meaning) && (required || verifier)) {
      const why = verifier ? 'requires a second-person verification' : 'requires a signature';
      reporter.report(node.id, `${what} ${why} but names no signature meaning: set gemba:signatureMeaning (${meanings.join(', ')})`, ['gemba:signatureMeaning']);
    }
    if ((!isBlank(meaning) || required || verifier) && !is(node, 'bpmn:UserTask')) {
      reporter.report(node.id, `${what} asks for a signature, but only user tasks are signed by a person: make it a user task`, ['gemba:signatureMeaning']);
    }
  }

  return { check };
};
