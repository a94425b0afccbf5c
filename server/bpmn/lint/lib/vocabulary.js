'use strict';

/**
 * The controlled list of signature meanings (21 CFR 11.50(a)(3)). A task that requires a
 * signature names one of these in `gemba:signatureMeaning`.
 */
const SIGNATURE_MEANINGS = Object.freeze([
  'authored',
  'reviewed',
  'approved',
  'rejected',
  'released',
  'performed',
  'verified',
  'inspected',
  'dispositioned',
  'closed',
]);

/** GAMP 5 software categories a script task may declare in `gemba:gampCategory`. */
const GAMP_CATEGORIES = Object.freeze(['1', '3', '4', '5']);

/** The namespace URI of Gemba's BPMN extension (prefix `gemba`). */
const GEMBA_NS = 'http://gemba.dev/schema/bpmn/1.0';

module.exports = { SIGNATURE_MEANINGS, GAMP_CATEGORIES, GEMBA_NS };
