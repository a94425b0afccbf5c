// Builds small executable BPMN models with diagram layout for tests, so that each scenario can
// say what it needs in a few lines and still pass the submit gate (labels, DI, bindings).

export type NodeSpec = {
  id: string;
  type: string; // bpmn local name: startEvent, userTask, serviceTask, exclusiveGateway, …
  name: string;
  attrs?: Record<string, string>;
  /** Inner XML (event definitions, extension elements). */
  body?: string;
};

export type FlowSpec = { from: string; to: string; name?: string; condition?: string; default?: boolean };

export type BoundarySpec = { id: string; attachedTo: string; name: string; interrupting?: boolean; body: string };

export type ProcessSpec = {
  id: string;
  name: string;
  nodes: NodeSpec[];
  flows: FlowSpec[];
  boundaries?: BoundarySpec[];
  /** Root elements besides the process: messages, signals, errors. */
  roots?: string;
};

const SIZE: Record<string, [number, number]> = { task: [100, 80], event: [36, 36], gateway: [50, 50] };
const sizeOf = (type: string) => (/Event$/.test(type) ? SIZE.event : /Gateway$/.test(type) ? SIZE.gateway : SIZE.task);
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The BPMN 2.0 XML of the process, laid out left to right by distance from the start. */
export function buildProcess(spec: ProcessSpec): string {
  const flows = spec.flows.map((f, i) => ({ ...f, id: `Flow_${i + 1}` }));
  const boundaries = spec.boundaries ?? [];
  const rank = new Map<string, number>();
  const starts = spec.nodes.filter((n) => n.type === 'startEvent').map((n) => n.id);
  const queue = starts.map((id) => [id, 0] as [string, number]);
  while (queue.length) {
    const [id, r] = queue.shift()!;
    if ((rank.get(id) ?? -1) >= r || r > spec.nodes.length + boundaries.length) continue;
    rank.set(id, r);
    for (const f of flows.filter((f) => f.from === id)) queue.push([f.to, r + 1]);
    for (const b of boundaries.filter((b) => b.attachedTo === id)) queue.push([b.id, r]);
  }
  const row = new Map<number, number>();
  const position = new Map<string, { x: number; y: number; w: number; h: number }>();
  for (const node of spec.nodes) {
    const r = rank.get(node.id) ?? 0;
    const index = row.get(r) ?? 0;
    row.set(r, index + 1);
    const [w, h] = sizeOf(node.type);
    position.set(node.id, { x: 150 + r * 180 + (100 - w) / 2, y: 100 + index * 160 + (80 - h) / 2, w, h });
  }
  for (const b of boundaries) {
    const host = position.get(b.attachedTo)!;
    position.set(b.id, { x: host.x + host.w - 30, y: host.y + host.h - 18, w: 36, h: 36 });
  }
  const incoming = (id: string) => flows.filter((f) => f.to === id).map((f) => `<bpmn:incoming>${f.id}</bpmn:incoming>`).join('');
  const outgoing = (id: string) => flows.filter((f) => f.from === id).map((f) => `<bpmn:outgoing>${f.id}</bpmn:outgoing>`).join('');
  const attrs = (a: Record<string, string> = {}) => Object.entries(a).map(([k, v]) => ` ${k}="${escape(v)}"`).join('');
  const defaultFlow = (id: string) => {
    const f = flows.find((f) => f.from === id && f.default);
    return f ? ` default="${f.id}"` : '';
  };
  const nodes = spec.nodes
    .map((n) => `<bpmn:${n.type} id="${n.id}" name="${escape(n.name)}"${attrs(n.attrs)}${defaultFlow(n.id)}>${n.body ?? ''}${incoming(n.id)}${outgoing(n.id)}</bpmn:${n.type}>`)
    .join('\n    ');
  const boundaryXml = boundaries
    .map((b) => `<bpmn:boundaryEvent id="${b.id}" name="${escape(b.name)}" attachedToRef="${b.attachedTo}" cancelActivity="${b.interrupting === false ? 'false' : 'true'}">${outgoing(b.id)}${b.body}</bpmn:boundaryEvent>`)
    .join('\n    ');
  const flowXml = flows
    .map((f) =>
      f.condition
        ? `<bpmn:sequenceFlow id="${f.id}"${f.name ? ` name="${escape(f.name)}"` : ''} sourceRef="${f.from}" targetRef="${f.to}"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${escape(f.condition)}</bpmn:conditionExpression></bpmn:sequenceFlow>`
        : `<bpmn:sequenceFlow id="${f.id}"${f.name ? ` name="${escape(f.name)}"` : ''} sourceRef="${f.from}" targetRef="${f.to}" />`,
    )
    .join('\n    ');
  const shapes = [...spec.nodes.map((n) => n.id), ...boundaries.map((b) => b.id)]
    .map((id) => {
      const p = position.get(id)!;
      return `<bpmndi:BPMNShape id="${id}_di" bpmnElement="${id}"><dc:Bounds x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" /></bpmndi:BPMNShape>`;
    })
    .join('\n      ');
  const edges = flows
    .map((f) => {
      const a = position.get(f.from)!;
      const b = position.get(f.to)!;
      return `<bpmndi:BPMNEdge id="${f.id}_di" bpmnElement="${f.id}"><di:waypoint x="${a.x + a.w}" y="${a.y + a.h / 2}" /><di:waypoint x="${b.x}" y="${b.y + b.h / 2}" /></bpmndi:BPMNEdge>`;
    })
    .join('\n      ');
  return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:gemba="http://gemba.dev/schema/bpmn/1.0" id="Definitions_${spec.id.replace(/[^\w]/g, '_')}" targetNamespace="http://gemba.dev/test">
  ${spec.roots ?? ''}
  <bpmn:process id="${spec.id}" name="${escape(spec.name)}" isExecutable="true">
    ${nodes}
    ${boundaryXml}
    ${flowXml}
  </bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_1">
    <bpmndi:BPMNPlane id="Plane_1" bpmnElement="${spec.id}">
      ${shapes}
      ${edges}
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;
}

/** A timer event definition. */
export const timer = (kind: 'timeDuration' | 'timeDate' | 'timeCycle', value: string) =>
  `<bpmn:timerEventDefinition id="Timer_${Math.random().toString(36).slice(2, 8)}"><bpmn:${kind} xsi:type="bpmn:tFormalExpression">${escape(value)}</bpmn:${kind}></bpmn:timerEventDefinition>`;

export const messageRef = (messageId: string) => `<bpmn:messageEventDefinition id="Def_${messageId}_${Math.random().toString(36).slice(2, 6)}" messageRef="${messageId}" />`;
export const errorRef = (errorId: string) => `<bpmn:errorEventDefinition id="Def_${errorId}_${Math.random().toString(36).slice(2, 6)}" errorRef="${errorId}" />`;
export const signalRef = (signalId: string) => `<bpmn:signalEventDefinition id="Def_${signalId}_${Math.random().toString(36).slice(2, 6)}" signalRef="${signalId}" />`;
