import camundaModdle from 'camunda-bpmn-moddle/resources/camunda.json';
import gembaModdle from '@gemba/moddle';

/** The moddle extensions every diagram is read with: Camunda 7 and Gemba's own (shared with the server). */
export const moddleExtensions = { camunda: camundaModdle, gemba: gembaModdle };

/** A problem met while importing a diagram: a warning (imported anyway) or the error that stopped it. */
export type ImportProblem = { severity: 'error' | 'warning'; message: string; elementId?: string };

type Importer = { importXML(xml: string): Promise<{ warnings: unknown[] }> };
type RawWarning = { message?: string; element?: { id?: string } } | string;

function toWarning(warning: unknown): ImportProblem {
  const w = warning as RawWarning;
  if (typeof w === 'string') return { severity: 'warning', message: w };
  return { severity: 'warning', message: w?.message ?? String(warning), elementId: w?.element?.id };
}

/**
 * Imports XML into a viewer or modeler and returns every problem met (never swallowing one): the
 * warnings of a successful import, or the error (with its warnings) of a failed one.
 */
export async function importDiagram(viewer: Importer, xml: string): Promise<{ ok: boolean; problems: ImportProblem[] }> {
  try {
    const { warnings } = await viewer.importXML(xml);
    return { ok: true, problems: warnings.map(toWarning) };
  } catch (error) {
    const failure = error as Error & { warnings?: unknown[] };
    return {
      ok: false,
      problems: [
        { severity: 'error', message: failure.message || String(error) },
        ...(failure.warnings ?? []).map(toWarning),
      ],
    };
  }
}

/** A new, empty executable process for "New process". */
export function blankDiagram(key: string, name: string): string {
  const esc = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:gemba="http://gemba.dev/schema/bpmn/1.0" id="Definitions_${esc(key)}" targetNamespace="http://gemba.dev/processes">
  <bpmn:process id="${esc(key)}" name="${esc(name)}" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" name="Started" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="${esc(key)}">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1">
        <dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
`;
}
