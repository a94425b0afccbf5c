/** The controlled list of signature meanings (21 CFR 11.50(a)(3)). */
export declare const SIGNATURE_MEANINGS: readonly [
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
];
/** GAMP 5 software categories a script task may declare in `gemba:gampCategory`. */
export declare const GAMP_CATEGORIES: readonly ['1', '3', '4', '5'];
/** The namespace URI of Gemba's BPMN extension (prefix `gemba`). */
export declare const GEMBA_NS: 'http://gemba.dev/schema/bpmn/1.0';
