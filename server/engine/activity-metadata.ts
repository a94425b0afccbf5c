// Reads what the runtime needs to know about each flow element from the moddle tree, once per
// process version: assignment, forms, jobs, timers, messages, signals, signatures, IO mappings.

/** A bpmn-moddle element, loosely typed: `$type`, properties, `$attrs` for unknown attributes. */
export type ModdleNode = { $type: string; id?: string; name?: string; $attrs?: Record<string, string>; [property: string]: any };

/** camunda:inputParameter / camunda:outputParameter with a text value (an expression or a constant). */
export type IoParameter = { name: string; value?: string; unsupported?: string };

/** A timer event definition as modelled (the value may still be an expression). */
export type TimerDefinition = { timerType: 'timeDuration' | 'timeDate' | 'timeCycle'; value: string };

/** What the host and the runtime know about one flow element. */
export type ActivityMetadata = {
  id: string;
  type: string;
  name?: string;
  /** The process the element belongs to (through any sub-processes). */
  processId: string;
  /** Direct parent: the process or a sub-process. */
  parentId: string;
  userTask?: {
    assignee?: string;
    candidateUsers?: string;
    candidateGroups?: string;
    dueDate?: string;
    priority?: string;
    formKey?: string;
    formRef?: string;
  };
  job?: {
    topic?: string;
    connector?: string;
    operation?: string;
    equipment?: string;
    equipmentNode?: string;
    retries?: number;
    retryTimeCycle?: string;
    implementation?: string;
  };
  signature?: { required: boolean; meaning?: string; verifierRequired?: boolean };
  timers?: TimerDefinition[];
  messageName?: string;
  signalName?: string;
  errorCode?: string;
  attachedTo?: string;
  interrupting?: boolean;
  inputParameters?: IoParameter[];
  outputParameters?: IoParameter[];
  correlationKey?: string;
  gampCategory?: string;
  /** Multi-instance (or standard loop) settings as modelled. */
  loop?: LoopMetadata;
  /** Call activity: what to start and how variables travel (camunda:in / camunda:out). */
  call?: CallMetadata;
  /** Event sub-process start events: the sub-process started and whether it interrupts its scope. */
  eventSubProcess?: { id: string; interrupting: boolean };
  /** Sub-processes: true when triggered by an event (an event sub-process). */
  triggeredByEvent?: boolean;
  escalationCode?: string;
};

/** Multi-instance settings of an activity. */
export type LoopMetadata = {
  kind: 'multiInstance' | 'standard';
  sequential: boolean;
  cardinality?: string;
  collection?: string;
  elementVariable?: string;
  completionCondition?: string;
};

/** One camunda:in / camunda:out mapping of a call activity. */
export type CallMapping =
  | { kind: 'variable'; source?: string; sourceExpression?: string; target: string; local?: boolean }
  | { kind: 'all'; local?: boolean }
  | { kind: 'businessKey'; expression: string };

/** A call activity: the called process key and version binding, and its variable mappings. */
export type CallMetadata = {
  calledElement: string;
  /** camunda:calledElementBinding: latest (default), deployment, version, versionTag. */
  binding: 'latest' | 'deployment' | 'version' | 'versionTag';
  version?: string;
  versionTag?: string;
  inputs: CallMapping[];
  outputs: CallMapping[];
};

/** A start event of a process (not of an event sub-process). */
export type StartEventMetadata = {
  id: string;
  processId: string;
  kind: 'none' | 'message' | 'signal' | 'timer' | 'other';
  messageName?: string;
  signalName?: string;
};

const JOB_TYPES = new Set(['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask']);
const USER_TYPES = new Set(['bpmn:UserTask', 'bpmn:ManualTask']);

/** Reads a Gemba attribute from the typed property (descriptor loaded) or from `$attrs` by namespace. */
function gembaAttr(element: ModdleNode, name: string, prefixes: string[]): string | undefined {
  const typed = element[name];
  if (typed !== undefined && typed !== null && typeof typed !== 'object') return String(typed);
  const attrs = element.$attrs;
  if (!attrs) return undefined;
  for (const prefix of prefixes) {
    const value = attrs[`${prefix}:${name}`];
    if (value !== undefined) return value;
  }
  return undefined;
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = String(value).trim();
  return s === '' ? undefined : s;
}

function toBool(value: string | undefined): boolean | undefined {
  if (value === undefined) return undefined;
  return value === 'true';
}

function extensionValues(element: ModdleNode): ModdleNode[] {
  return (element.extensionElements?.values ?? []) as ModdleNode[];
}

function ioParameters(list: ModdleNode[] | undefined): IoParameter[] | undefined {
  if (!list?.length) return undefined;
  return list.map((p): IoParameter => {
    const name = String(p.name ?? '');
    if (p.definition) return { name, unsupported: `${p.definition.$type} values are not supported` };
    return typeof p.value === 'string' ? { name, value: p.value } : { name };
  });
}

/** Count of an ISO repeating interval (`R3/PT5M` → 3); undefined when unbounded or not a cycle. */
export function repeatCount(cycle: string | undefined): number | undefined {
  const match = cycle ? /^R(\d+)\//.exec(cycle.trim()) : null;
  return match ? Number(match[1]) : undefined;
}

function timerDefinitions(eventDefinitions: ModdleNode[]): TimerDefinition[] | undefined {
  const result: TimerDefinition[] = [];
  for (const ed of eventDefinitions) {
    if (ed.$type !== 'bpmn:TimerEventDefinition') continue;
    for (const timerType of ['timeDuration', 'timeDate', 'timeCycle'] as const) {
      const body = text(ed[timerType]?.body);
      if (body !== undefined) result.push({ timerType, value: body });
    }
  }
  return result.length ? result : undefined;
}

function describe(element: ModdleNode, processId: string, parentId: string, gembaPrefixes: string[]): ActivityMetadata {
  const meta: ActivityMetadata = { id: element.id as string, type: element.$type, processId, parentId };
  if (text(element.name)) meta.name = text(element.name);
  const eventDefinitions = (element.eventDefinitions ?? []) as ModdleNode[];

  if (USER_TYPES.has(element.$type)) {
    const userTask = {
      assignee: text(element.assignee),
      candidateUsers: text(element.candidateUsers),
      candidateGroups: text(element.candidateGroups),
      dueDate: text(element.dueDate),
      priority: text(element.priority),
      formKey: text(element.formKey),
      formRef: text(element.formRef),
    };
    meta.userTask = Object.fromEntries(Object.entries(userTask).filter(([, v]) => v !== undefined));
    const required = toBool(gembaAttr(element, 'signatureRequired', gembaPrefixes));
    const meaning = gembaAttr(element, 'signatureMeaning', gembaPrefixes);
    if (required || meaning) {
      meta.signature = { required: required ?? true, ...(meaning ? { meaning } : {}) };
      const verifier = toBool(gembaAttr(element, 'verifierRequired', gembaPrefixes));
      if (verifier !== undefined) meta.signature.verifierRequired = verifier;
    }
  }

  if (JOB_TYPES.has(element.$type)) {
    const retryCycle = extensionValues(element).find((v) => v.$type === 'camunda:FailedJobRetryTimeCycle');
    const retriesAttr = gembaAttr(element, 'retries', gembaPrefixes);
    const retryTimeCycle = text(retryCycle?.body);
    const retries = retriesAttr !== undefined && /^\d+$/.test(retriesAttr) ? Number(retriesAttr) : repeatCount(retryTimeCycle);
    const job = {
      topic: element.type === 'external' ? text(element.topic) : undefined,
      connector: gembaAttr(element, 'connector', gembaPrefixes),
      operation: gembaAttr(element, 'operation', gembaPrefixes),
      equipment: gembaAttr(element, 'equipment', gembaPrefixes),
      equipmentNode: gembaAttr(element, 'equipmentNode', gembaPrefixes),
      retries,
      retryTimeCycle,
      implementation: text(element.implementation) ?? text(element.class) ?? text(element.expression) ?? text(element.delegateExpression),
    };
    meta.job = Object.fromEntries(Object.entries(job).filter(([, v]) => v !== undefined));
  }

  const io = extensionValues(element).find((v) => v.$type === 'camunda:InputOutput');
  if (io) {
    const input = ioParameters(io.inputParameters);
    const output = ioParameters(io.outputParameters);
    if (input) meta.inputParameters = input;
    if (output) meta.outputParameters = output;
  }

  const timers = timerDefinitions(eventDefinitions);
  if (timers) meta.timers = timers;
  for (const ed of eventDefinitions) {
    if (ed.$type === 'bpmn:MessageEventDefinition' && ed.messageRef) meta.messageName = text(ed.messageRef.name) ?? ed.messageRef.id;
    if (ed.$type === 'bpmn:SignalEventDefinition' && ed.signalRef) meta.signalName = text(ed.signalRef.name) ?? ed.signalRef.id;
    if (ed.$type === 'bpmn:ErrorEventDefinition' && ed.errorRef) meta.errorCode = text(ed.errorRef.errorCode) ?? ed.errorRef.id;
  }
  if (element.$type === 'bpmn:ReceiveTask' && element.messageRef) meta.messageName = text(element.messageRef.name) ?? element.messageRef.id;

  if (element.$type === 'bpmn:BoundaryEvent' && element.attachedToRef) {
    meta.attachedTo = element.attachedToRef.id;
    meta.interrupting = element.cancelActivity !== false;
  }

  const loop = element.loopCharacteristics as ModdleNode | undefined;
  if (loop) {
    meta.loop = {
      kind: loop.$type === 'bpmn:StandardLoopCharacteristics' ? 'standard' : 'multiInstance',
      sequential: loop.isSequential === true,
      ...(text(loop.loopCardinality?.body) ? { cardinality: text(loop.loopCardinality?.body) } : {}),
      ...(text(loop.collection) ? { collection: text(loop.collection) } : {}),
      ...(text(loop.elementVariable) ? { elementVariable: text(loop.elementVariable) } : {}),
      ...(text(loop.completionCondition?.body) ? { completionCondition: text(loop.completionCondition?.body) } : {}),
    };
  }

  if (element.$type === 'bpmn:CallActivity') meta.call = callMetadata(element);
  if (element.triggeredByEvent === true) meta.triggeredByEvent = true;
  for (const ed of eventDefinitions) {
    if (ed.$type === 'bpmn:EscalationEventDefinition' && ed.escalationRef) meta.escalationCode = text(ed.escalationRef.escalationCode) ?? ed.escalationRef.id;
  }

  const correlationKey = gembaAttr(element, 'correlationKey', gembaPrefixes);
  if (correlationKey) meta.correlationKey = correlationKey;
  const gamp = gembaAttr(element, 'gampCategory', gembaPrefixes);
  if (gamp) meta.gampCategory = gamp;
  return meta;
}

function callMetadata(element: ModdleNode): CallMetadata {
  const binding = text(element.calledElementBinding);
  const mapping = (value: ModdleNode): CallMapping | undefined => {
    const local = value.local === true ? { local: true } : {};
    if (text(value.businessKey)) return { kind: 'businessKey', expression: text(value.businessKey) as string };
    if (value.variables === 'all') return { kind: 'all', ...local };
    const target = text(value.target) ?? text(value.source);
    if (!target) return undefined;
    return { kind: 'variable', ...(text(value.source) ? { source: text(value.source) } : {}), ...(text(value.sourceExpression) ? { sourceExpression: text(value.sourceExpression) } : {}), target, ...local };
  };
  const values = extensionValues(element);
  return {
    calledElement: text(element.calledElement) ?? '',
    binding: binding === 'deployment' || binding === 'version' || binding === 'versionTag' ? binding : 'latest',
    ...(text(element.calledElementVersion) ? { version: text(element.calledElementVersion) } : {}),
    ...(text(element.calledElementVersionTag) ? { versionTag: text(element.calledElementVersionTag) } : {}),
    inputs: values.filter((v) => v.$type === 'camunda:In').map(mapping).filter((m): m is CallMapping => m !== undefined),
    outputs: values.filter((v) => v.$type === 'camunda:Out').map(mapping).filter((m): m is CallMapping => m !== undefined),
  };
}

function startKind(element: ModdleNode): StartEventMetadata['kind'] {
  const eds = (element.eventDefinitions ?? []) as ModdleNode[];
  if (!eds.length) return 'none';
  switch (eds[0].$type) {
    case 'bpmn:MessageEventDefinition':
      return 'message';
    case 'bpmn:SignalEventDefinition':
      return 'signal';
    case 'bpmn:TimerEventDefinition':
      return 'timer';
    default:
      return 'other';
  }
}

/**
 * Walks every process (and its sub-processes) of a `bpmn:Definitions` root and describes each flow
 * node. Sequence flows are left out. `gembaPrefixes` are the XML prefixes bound to Gemba's
 * namespace, for models read without its descriptor.
 */
export function readActivityMetadata(
  definitions: ModdleNode,
  gembaPrefixes: string[],
): { activities: Map<string, ActivityMetadata>; startEvents: StartEventMetadata[] } {
  const activities = new Map<string, ActivityMetadata>();
  const startEvents: StartEventMetadata[] = [];

  const visit = (container: ModdleNode, processId: string) => {
    for (const element of (container.flowElements ?? []) as ModdleNode[]) {
      if (!element.id || element.$type === 'bpmn:SequenceFlow') continue;
      const meta = describe(element, processId, container.id as string, gembaPrefixes);
      // A message start event's name is also what correlation looks for when it is a subscription.
      if (element.$type === 'bpmn:StartEvent' && container.triggeredByEvent === true) {
        meta.eventSubProcess = { id: container.id as string, interrupting: element.isInterrupting !== false };
      }
      activities.set(element.id, meta);
      if (element.$type === 'bpmn:StartEvent' && container.$type === 'bpmn:Process') {
        const kind = startKind(element);
        startEvents.push({
          id: element.id,
          processId,
          kind,
          ...(meta.messageName ? { messageName: meta.messageName } : {}),
          ...(meta.signalName ? { signalName: meta.signalName } : {}),
        });
      }
      if (Array.isArray(element.flowElements)) visit(element, processId);
    }
  };

  for (const root of (definitions.rootElements ?? []) as ModdleNode[]) {
    if (root.$type === 'bpmn:Process' && root.id) visit(root, root.id);
  }
  return { activities, startEvents };
}
