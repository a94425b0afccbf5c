import BpmnModdle from 'bpmn-moddle';
import camundaDescriptor from 'camunda-bpmn-moddle/resources/camunda.json';
import serializeContext, { TypeResolver, deserialize } from 'moddle-context-serializer';
import type { SerializableContext } from 'moddle-context-serializer';
import gembaDescriptor from '../bpmn/gemba-moddle.json';
import { readActivityMetadata } from './activity-metadata';
import type { ActivityMetadata, ModdleNode, StartEventMetadata } from './activity-metadata';
import { Elements } from './elements';
import { HostInclusiveGateway, HostTimerEventDefinition } from './host-elements';
import { DefinitionCompileError } from './errors';
import { indexContext } from './indexed-context';

/** Options of {@link compileDefinition}. */
export type CompileOptions = {
  /** More moddle descriptors by prefix, on top of `camunda` and `gemba`. */
  moddleExtensions?: Record<string, object>;
};

/** Internal parts of a compiled definition; only the host reads them. */
export const COMPILED = Symbol('gemba.engine.compiled');

type CompiledInternals = {
  full: SerializableContext;
  variants: Map<string, SerializableContext>;
};

/**
 * A process version parsed once: the serialized moddle context the engine runs (never stored in
 * instance state) and what the runtime needs about each element. Immutable and shareable by any
 * number of concurrent runs.
 */
export type CompiledDefinition = {
  /** `<definitions id>`: state is recovered against it. */
  readonly id: string;
  readonly processIds: readonly string[];
  readonly executableProcessIds: readonly string[];
  /** Every flow node by id (user tasks, jobs, events, gateways …). */
  readonly activities: ReadonlyMap<string, ActivityMetadata>;
  /** Start events of the processes (not of event sub-processes). */
  readonly startEvents: readonly StartEventMetadata[];
  /** Message names caught anywhere (catch events, receive tasks, boundaries, starts). */
  readonly messageNames: readonly string[];
  /** Signal names caught anywhere. */
  readonly signalNames: readonly string[];
  /** Escalation elements (escalation codes are what crosses a call activity). */
  readonly escalations: readonly { id: string; code: string; name?: string }[];
  /** Error elements by code. */
  readonly errors: readonly { id: string; code: string; name?: string }[];
  /** Start events of event sub-processes, by the scope (process or sub-process) the event sub-process sits in. */
  readonly eventStartsByScope: ReadonlyMap<string, readonly ActivityMetadata[]>;
  /** Scopes that contain event sub-processes. */
  readonly eventSubProcessScopes: ReadonlySet<string>;
  /** Moddle import warnings (unknown attributes, unresolved references). */
  readonly warnings: readonly string[];
  /** Size of the serialized context in bytes of JSON (what a cache entry costs, roughly). */
  readonly contextBytes: number;
  readonly [COMPILED]: CompiledInternals;
};

// The host's own behaviours for timers (platform clock, cron) and inclusive gateways (they join).
const typeResolver = TypeResolver(Elements as Record<string, any>, (mapper: Record<string, unknown>) => {
  mapper['bpmn:TimerEventDefinition'] = HostTimerEventDefinition;
  mapper['bpmn:InclusiveGateway'] = HostInclusiveGateway;
});
const GEMBA_URI = gembaDescriptor.uri;

/**
 * Parses a process version once: bpmn-moddle 9 with the Camunda and Gemba descriptors (plus
 * `options.moddleExtensions`), serializes the moddle context for bpmn-elements, and reads the
 * per-element metadata (user task assignment and forms, jobs, timers, messages, signals,
 * signatures, IO mappings).
 * @throws DefinitionCompileError (422) when the XML cannot be read, `<definitions>` has no id,
 *   no process is executable, or an element type is unknown to the engine.
 */
export async function compileDefinition(xml: string, options: CompileOptions = {}): Promise<CompiledDefinition> {
  const moddle = new BpmnModdle({ camunda: camundaDescriptor, gemba: gembaDescriptor, ...options.moddleExtensions });
  let moddleContext: Awaited<ReturnType<typeof moddle.fromXML>>;
  try {
    moddleContext = await moddle.fromXML(xml.replace(/^\uFEFF/, '').trim(), 'bpmn:Definitions');
  } catch (err) {
    throw new DefinitionCompileError(`The model could not be read: ${(err as Error).message.split('\n')[0]}`);
  }
  const definitions = moddleContext.rootElement as ModdleNode;
  if (!definitions.id) {
    throw new DefinitionCompileError('<definitions> has no id; instances are recovered by it', [{ path: 'definitions', message: 'id is required' }]);
  }

  const processes = ((definitions.rootElements ?? []) as ModdleNode[]).filter((e) => e.$type === 'bpmn:Process');
  const executableProcessIds = processes.filter((p) => p.isExecutable === true).map((p) => p.id as string);
  if (!executableProcessIds.length) {
    throw new DefinitionCompileError('The model has no executable process (isExecutable="true")');
  }

  let full: SerializableContext;
  try {
    full = serializeContext(moddleContext as any, typeResolver);
  } catch (err) {
    throw new DefinitionCompileError(`The engine cannot run this model: ${(err as Error).message}`);
  }

  const gembaPrefixes = Object.entries(definitions.$attrs ?? {})
    .filter(([key, value]) => key.startsWith('xmlns:') && value === GEMBA_URI)
    .map(([key]) => key.slice('xmlns:'.length));
  const { activities, startEvents } = readActivityMetadata(definitions, gembaPrefixes.length ? gembaPrefixes : ['gemba']);

  const messageNames = new Set<string>();
  const signalNames = new Set<string>();
  for (const meta of activities.values()) {
    if (meta.messageName && meta.type !== 'bpmn:IntermediateThrowEvent' && meta.type !== 'bpmn:EndEvent') messageNames.add(meta.messageName);
    if (meta.signalName && meta.type !== 'bpmn:IntermediateThrowEvent' && meta.type !== 'bpmn:EndEvent') signalNames.add(meta.signalName);
  }

  const escalations: Array<{ id: string; code: string; name?: string }> = [];
  const errors: Array<{ id: string; code: string; name?: string }> = [];
  for (const root of (definitions.rootElements ?? []) as ModdleNode[]) {
    if (root.$type === 'bpmn:Escalation' && root.id) escalations.push({ id: root.id, code: String(root.escalationCode ?? root.id), ...(root.name ? { name: root.name } : {}) });
    if (root.$type === 'bpmn:Error' && root.id) errors.push({ id: root.id, code: String(root.errorCode ?? root.id), ...(root.name ? { name: root.name } : {}) });
  }

  const eventStartsByScope = new Map<string, ActivityMetadata[]>();
  for (const meta of activities.values()) {
    if (!meta.eventSubProcess) continue;
    const scope = activities.get(meta.eventSubProcess.id)?.parentId;
    if (!scope) continue;
    if (!eventStartsByScope.has(scope)) eventStartsByScope.set(scope, []);
    eventStartsByScope.get(scope)?.push(meta);
  }

  const serialized = full.serialize();
  return Object.freeze({
    id: definitions.id as string,
    processIds: processes.map((p) => p.id as string),
    executableProcessIds,
    activities,
    startEvents,
    messageNames: [...messageNames],
    signalNames: [...signalNames],
    escalations,
    errors,
    eventStartsByScope,
    eventSubProcessScopes: new Set(eventStartsByScope.keys()),
    warnings: moddleContext.warnings.map((w) => w.message),
    contextBytes: Buffer.byteLength(serialized),
    [COMPILED]: { full: indexContext(full), variants: new Map() },
  });
}

/**
 * Picks the start variant for a start: `'none'` runs the none start events (message, signal and
 * timer start events are flagged out when the process also has another start event, so they do
 * not wait as subscriptions or timers); a start event id runs only that start event of its process.
 * @throws DefinitionCompileError when the start event id is not a process start event.
 */
export function variantFor(definition: CompiledDefinition, start: { messageName?: string; startEventId?: string }): string {
  if (start.startEventId) {
    if (!definition.startEvents.some((s) => s.id === start.startEventId)) {
      throw new DefinitionCompileError(`No start event '${start.startEventId}' in the model`);
    }
    return start.startEventId;
  }
  if (start.messageName) {
    const matches = definition.startEvents.filter((s) => s.kind === 'message' && s.messageName === start.messageName);
    if (!matches.length) throw new DefinitionCompileError(`No message start event for message '${start.messageName}'`);
    return matches[0].id;
  }
  return 'none';
}

/** The variant a migration builds the target state on: no start event starts anything; the host starts the migrated waits itself. */
export const MIGRATION_VARIANT = '#migration';

/**
 * The serialized context an instance of the given start variant runs on; variants are built on
 * first use and kept with the definition.
 */
export function contextFor(definition: CompiledDefinition, variant: string): SerializableContext {
  const internals = definition[COMPILED];
  if (variant === 'none' && !needsNoneVariant(definition)) return internals.full;
  const cached = internals.variants.get(variant);
  if (cached) return cached;

  const drop = new Set<string>();
  const elements = JSON.parse(internals.full.serialize());
  if (variant === MIGRATION_VARIANT) {
    for (const activity of elements.activities as Array<{ id: string; type: string }>) if (activity.type === 'bpmn:StartEvent') drop.add(activity.id);
  } else if (variant === 'none') {
    for (const processId of definition.executableProcessIds) {
      for (const s of startsDroppedByNone(definition, processId)) drop.add(s);
    }
  } else {
    const chosen = definition.startEvents.find((s) => s.id === variant);
    for (const s of definition.startEvents) if (chosen && s.processId === chosen.processId && s.id !== variant) drop.add(s.id);
  }
  // Removing a start event would leave its targets without inbound flows, and bpmn-elements starts
  // every element without inbound flows. Flagged like an event sub-process start instead, it is
  // simply never a start activity (Activity.js: isStart = no inbound && !behaviour.triggeredByEvent).
  for (const activity of elements.activities as Array<{ id: string; behaviour?: Record<string, unknown> }>) {
    if (drop.has(activity.id) && activity.behaviour) activity.behaviour.triggeredByEvent = true;
  }
  const context = indexContext(deserialize(elements, typeResolver));
  internals.variants.set(variant, context);
  return context;
}

// Event starts (message, signal, timer) that the runtime triggers itself: a plain start does not
// run them when the process has another start event, so they do not wait as subscriptions or timers.
const TRIGGERED_STARTS = new Set<StartEventMetadata['kind']>(['message', 'signal', 'timer']);

function startsDroppedByNone(definition: CompiledDefinition, processId: string): string[] {
  const starts = definition.startEvents.filter((s) => s.processId === processId);
  if (!starts.some((s) => !TRIGGERED_STARTS.has(s.kind))) return [];
  return starts.filter((s) => TRIGGERED_STARTS.has(s.kind)).map((s) => s.id);
}

function needsNoneVariant(definition: CompiledDefinition): boolean {
  return definition.executableProcessIds.some((processId) => startsDroppedByNone(definition, processId).length > 0);
}
