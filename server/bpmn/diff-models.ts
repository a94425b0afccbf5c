import { diff as bpmnDiff } from 'bpmn-js-differ';
import type { AttributeChange, DiffElement, ModdleElement, ModelDiff } from './model-types';
import { parseModel } from './parse-model';
import type { ParsedModel } from './parse-model';

/** Elements with their own row in a diff (and their own shape or entry on the reviewer's screen). */
const TRACKED_TYPES = ['bpmn:FlowElement', 'bpmn:Participant', 'bpmn:MessageFlow', 'bpmn:Lane', 'bpmn:Artifact', 'bpmn:Collaboration'];

/** Properties that hold tracked children or derived links; their changes show on the children themselves. */
const SKIPPED_PROPERTIES = new Set([
  'id', 'flowElements', 'artifacts', 'laneSets', 'childLaneSet', 'rootElements', 'diagrams', 'incoming', 'outgoing',
  'participants', 'messageFlows', 'lanes', 'conversations', 'conversationLinks', 'choreographyRef',
]);

/**
 * The semantic difference between two versions of a model, by element id: elements added and
 * removed, and for changed elements every attribute that differs — names, types, conditions,
 * timers, assignments, forms, topics, Camunda and Gemba extension attributes, extension elements
 * (input/output mappings, properties, form fields …), documentation and unknown-namespace
 * extensions — plus the ids whose diagram layout moved.
 *
 * bpmn-js-differ is the reference: its added/removed/layout results are used, and its changed set
 * is completed by a full comparison of each element's properties, because bpmn-js-differ 3 misses
 * extension elements, condition and timer bodies and attributes of unknown namespaces, and reports
 * `oldValue`/`newValue` swapped.
 *
 * A process referenced by a pool is reported under the pool's id (attributes prefixed `processRef.`),
 * as bpmn-js-differ does, so every row can be coloured on the diagram.
 *
 * @throws ModelTooLargeError, ModelUnreadableError, ModelRejectedError when given XML that does not parse
 */
export async function diffModels(a: string | ParsedModel, b: string | ParsedModel): Promise<ModelDiff> {
  const [before, after] = await Promise.all([toParsed(a), toParsed(b)]);
  const reference = bpmnDiff(before.definitions, after.definitions);

  const beforeElements = trackedElements(before.definitions);
  const afterElements = trackedElements(after.definitions);

  const added: DiffElement[] = [];
  const removed: DiffElement[] = [];
  const changed: ModelDiff['changed'] = [];

  for (const [id, element] of afterElements) if (!beforeElements.has(id)) added.push(describe(id, element));
  for (const [id, element] of beforeElements) if (!afterElements.has(id)) removed.push(describe(id, element));
  // bpmn-js-differ also tracks a few elements this enumeration does not (data associations with ids).
  for (const [id, element] of Object.entries(reference._added)) {
    if (!beforeElements.has(id) && !added.some((e) => e.id === id)) added.push(describe(id, element as ModdleElement));
  }
  for (const [id, element] of Object.entries(reference._removed)) {
    if (!afterElements.has(id) && !removed.some((e) => e.id === id)) removed.push(describe(id, element as ModdleElement));
  }

  for (const [id, afterElement] of afterElements) {
    const beforeElement = beforeElements.get(id);
    if (!beforeElement) continue;
    const attributes = compare(flatten(beforeElement), flatten(afterElement));
    if (attributes.length) changed.push({ ...describe(id, afterElement), attributes });
  }

  const layoutChanged = Object.keys(reference._layoutChanged).filter((id) => id && id !== 'undefined').sort();
  const byId = (x: DiffElement, y: DiffElement) => x.id.localeCompare(y.id);
  return { added: added.sort(byId), removed: removed.sort(byId), changed: changed.sort(byId), layoutChanged };
}

async function toParsed(model: string | ParsedModel): Promise<ParsedModel> {
  return typeof model === 'string' ? parseModel(model) : model;
}

function describe(id: string, element: ModdleElement): DiffElement {
  const name = typeof element.name === 'string' && element.name.trim() ? element.name.replace(/\s+/g, ' ').trim() : undefined;
  return { id, type: element.$type, ...(name ? { name } : {}) };
}

/**
 * Tracked elements by id. A process drawn as a pool is folded into its participant: the
 * participant carries the process's attributes under `processRef.`.
 */
function trackedElements(definitions: ModdleElement): Map<string, ModdleElement> {
  const result = new Map<string, ModdleElement>();
  const pooled = new Set<ModdleElement>();
  for (const root of (definitions.rootElements ?? []) as ModdleElement[]) {
    if (root.$type === 'bpmn:Collaboration') {
      for (const participant of (root.participants ?? []) as ModdleElement[]) if (participant.processRef) pooled.add(participant.processRef);
    }
  }
  const visit = (element: ModdleElement) => {
    if (element.id && TRACKED_TYPES.some((type) => element.$instanceOf(type))) result.set(element.id, element);
    for (const child of [...(element.flowElements ?? []), ...(element.artifacts ?? [])] as ModdleElement[]) visit(child);
    for (const laneSet of (element.laneSets ?? (element.childLaneSet ? [element.childLaneSet] : [])) as ModdleElement[]) {
      for (const lane of (laneSet.lanes ?? []) as ModdleElement[]) visit(lane);
    }
    for (const participant of (element.participants ?? []) as ModdleElement[]) visit(participant);
    for (const flow of (element.messageFlows ?? []) as ModdleElement[]) visit(flow);
  };
  for (const root of (definitions.rootElements ?? []) as ModdleElement[]) {
    if (root.$type === 'bpmn:Process') {
      if (!pooled.has(root) && root.id) result.set(root.id, root);
      visit(root);
    } else if (root.$type === 'bpmn:Collaboration') {
      visit(root);
    } else if (root.id) {
      // Messages, signals, errors, escalations, data stores …: renaming a message changes correlation.
      result.set(root.id, root);
    }
  }
  return result;
}

/** Every semantic value of an element as `path → text`, including what its pool's process holds. */
function flatten(element: ModdleElement): Map<string, string> {
  const out = new Map<string, string>();
  out.set('type', element.$type);
  collect(element, '', out);
  if (element.$type === 'bpmn:Participant' && element.processRef) {
    const process = element.processRef as ModdleElement;
    out.set('processRef.type', process.$type);
    collect(process, 'processRef.', out);
  }
  return out;
}

function collect(element: ModdleElement, prefix: string, out: Map<string, string>): void {
  const descriptor = element.$descriptor;
  if (descriptor?.isGeneric) {
    collectGeneric(element, prefix, out);
    return;
  }
  for (const property of descriptor?.properties ?? []) {
    if (property.isVirtual || SKIPPED_PROPERTIES.has(property.name)) continue;
    // Inside an extension element its own prefix is implied: camunda:formField[f].label, not .camunda:label.
    const ownPrefix = element.$type.split(':')[0];
    const key = property.ns.prefix === 'bpmn' || property.ns.prefix === ownPrefix ? property.ns.localName : property.ns.name;
    const raw = (element as Record<string, unknown>)[property.name];
    const value = raw === undefined ? (property as { default?: unknown }).default : raw;
    if (value === undefined || value === null) continue;

    if (property.isReference) {
      const ids = (Array.isArray(value) ? value : [value]).map(refId).filter(Boolean);
      if (ids.length) out.set(prefix + key, ids.sort().join(', '));
    } else if (property.isBody) {
      out.set(prefix.replace(/\.$/, '') || 'body', String(value));
    } else if (isPrimitive(value)) {
      out.set(prefix + key, String(value));
    } else if (Array.isArray(value)) {
      // Each contained element names itself (documentation, timerEventDefinition, camunda:inputParameter[x]).
      collectMany(value as ModdleElement[], prefix, out);
    } else if (property.name === 'extensionElements') {
      collectChild(value as ModdleElement, prefix, out);
    } else {
      collectChild(value as ModdleElement, `${prefix}${key}.`, out);
    }
  }
  for (const [name, value] of Object.entries(element.$attrs ?? {})) {
    if (name === 'xmlns' || name.startsWith('xmlns:')) continue;
    out.set(prefix + name, String(value));
  }
}

function collectChild(child: ModdleElement, prefix: string, out: Map<string, string>): void {
  if (!child || typeof child !== 'object') return;
  // Expressions (conditions, timers, cardinalities) read as their text.
  if (child.$type === 'bpmn:FormalExpression' || child.$type === 'bpmn:Expression') {
    const at = prefix.replace(/\.$/, '');
    if (child.body !== undefined) out.set(at, String(child.body));
    if (child.language) out.set(`${at}.language`, String(child.language));
    collectAttrs(child, `${at}.`, out);
    return;
  }
  collect(child, prefix, out);
}

function collectMany(children: ModdleElement[], prefix: string, out: Map<string, string>): void {
  const counts = new Map<string, number>();
  for (const child of children) if (child && typeof child === 'object') counts.set(segmentType(child), (counts.get(segmentType(child)) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const child of children) {
    if (isPrimitive(child)) {
      out.set(prefix.replace(/\.$/, ''), String(child));
      continue;
    }
    if (!child || typeof child !== 'object') continue;
    const type = segmentType(child);
    const index = seen.get(type) ?? 0;
    seen.set(type, index + 1);
    const several = (counts.get(type) ?? 0) > 1;
    const key = childKey(child, several);
    const segment = key !== undefined ? `${type}[${key}]` : several ? `${type}[${index}]` : type;
    collectChild(child, `${prefix}${segment}.`, out);
  }
}

function collectGeneric(element: ModdleElement, prefix: string, out: Map<string, string>): void {
  for (const [name, value] of Object.entries(element)) {
    if (name.startsWith('$')) continue;
    if (isPrimitive(value)) out.set(prefix + name, String(value));
  }
  if (element.$body !== undefined && String(element.$body).trim()) out.set(prefix.replace(/\.$/, '') || 'body', String(element.$body));
  if (Array.isArray(element.$children)) collectMany(element.$children as ModdleElement[], prefix, out);
}

function collectAttrs(element: ModdleElement, prefix: string, out: Map<string, string>): void {
  for (const [name, value] of Object.entries(element.$attrs ?? {})) {
    if (name === 'xmlns' || name.startsWith('xmlns:') || name === 'xsi:type') continue;
    out.set(prefix + name, String(value));
  }
}

/** A readable path segment for a contained element: `timerEventDefinition`, `camunda:inputParameter`. */
function segmentType(child: ModdleElement): string {
  const [prefix, local] = child.$type.includes(':') ? child.$type.split(':') : ['', child.$type];
  const name = local.charAt(0).toLowerCase() + local.slice(1);
  return prefix === 'bpmn' || !prefix ? name : `${prefix}:${name}`;
}

/**
 * A stable key for a contained element: its name or key (mappings, properties, fields), else its id
 * when the id means something (extension elements such as form fields) or tells several apart.
 */
function childKey(child: ModdleElement, several: boolean): string | undefined {
  const record = child as Record<string, unknown>;
  for (const key of ['name', 'key']) {
    if (typeof record[key] === 'string' && record[key]) return record[key] as string;
  }
  const technicalId = child.$type.startsWith('bpmn:') && !several;
  return typeof record.id === 'string' && record.id && !technicalId ? record.id : undefined;
}

function refId(value: unknown): string {
  if (value && typeof value === 'object' && 'id' in value) return String((value as { id?: unknown }).id ?? '');
  return value === undefined || value === null ? '' : String(value);
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function compare(before: Map<string, string>, after: Map<string, string>): AttributeChange[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  const changes: AttributeChange[] = [];
  for (const name of names) {
    const a = before.get(name) ?? null;
    const b = after.get(name) ?? null;
    if (a !== b) changes.push({ name, before: a, after: b });
  }
  return changes.sort((x, y) => x.name.localeCompare(y.name));
}
