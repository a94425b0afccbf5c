import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/hash';

/**
 * The identity of a version's content (W01). A version without forms is identified by the
 * SHA-256 of its exact BPMN text (what `sha256sum file.bpmn` prints); with forms, by the SHA-256 of
 * the canonical JSON of `{ bpmn, forms }`, so a changed form is a changed version.
 */
export function contentHash(xml: string, forms: Record<string, unknown>): string {
  return Object.keys(forms).length === 0 ? sha256Hex(xml) : sha256Hex(canonicalJson({ bpmn: xml, forms }));
}
