import BpmnModdle from 'bpmn-moddle';
import camundaDescriptor from 'camunda-bpmn-moddle/resources/camunda.json';
import { GAMP_CATEGORIES, GEMBA_NS, SIGNATURE_MEANINGS } from 'bpmnlint-plugin-gemba/lib/vocabulary';
import gembaDescriptor from './gemba-moddle.json';

export { GAMP_CATEGORIES, GEMBA_NS, SIGNATURE_MEANINGS };

/** A meaning from the controlled list of signature meanings. */
export type SignatureMeaning = (typeof SIGNATURE_MEANINGS)[number];

/**
 * Gemba's moddle descriptor (prefix `gemba`, URI http://gemba.dev/schema/bpmn/1.0), plain JSON so
 * bpmn-js can load it as `moddleExtensions: { gemba: gembaModdleDescriptor }`.
 */
export const gembaModdleDescriptor = gembaDescriptor;

/** The Camunda 7 moddle descriptor Gemba reads models with. */
export const camundaModdleDescriptor = camundaDescriptor;

/** The moddle extensions every Gemba component reads BPMN with (server, engine cache, modeler). */
export const MODDLE_EXTENSIONS = Object.freeze({ camunda: camundaDescriptor, gemba: gembaDescriptor });

/**
 * A bpmn-moddle 9 instance that knows the Camunda and Gemba extensions. Instances are reusable
 * and safe for concurrent `fromXML` calls.
 */
export function createBpmnModdle(): InstanceType<typeof BpmnModdle> {
  return new BpmnModdle({ ...MODDLE_EXTENSIONS });
}
