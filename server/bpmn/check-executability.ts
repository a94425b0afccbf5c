import type { ExecutabilityFinding, ModdleElement } from './model-types';
import type { ParsedModel } from './parse-model';

/**
 * When a construct fails in bpmn-engine 25: `load` = the engine throws while reading the file
 * (nothing runs), `run` = it fails when the element is reached, `ignored` = it is silently skipped,
 * `gemba` = the engine could run it but Gemba does not (one process per version, recovery by id …).
 */
export type FailurePhase = 'load' | 'run' | 'ignored' | 'gemba';

/** Every code {@link checkExecutability} reports, with the phase in which the engine would fail. */
export const EXECUTABILITY_CODES = {
  'no-executable-process': 'gemba',
  'several-executable-processes': 'gemba',
  'definitions-without-id': 'gemba',
  'element-not-read': 'ignored',
  'unsupported-element': 'load',
  'performer-without-expression': 'load',
  'message-flow-to-empty-pool': 'load',
  'message-flow-to-nested-element': 'load',
  'element-without-id': 'run',
  'flow-not-connected': 'run',
  'boundary-event-not-attached': 'run',
  'condition-language': 'run',
  'condition-not-expression': 'run',
  'script-format': 'run',
  'script-empty': 'run',
  'loop-without-limit': 'run',
  'call-activity-without-target': 'gemba',
  'conditional-event': 'gemba',
  'message-without-name': 'gemba',
  'signal-without-name': 'gemba',
  'camunda-listener': 'ignored',
  'io-unsupported-value': 'run',
  'timer-start-expression': 'gemba',
  'call-activity-java-mapping': 'ignored',
  'call-activity-without-version': 'gemba',
  'compensation-event-sub-process': 'ignored',
  'event-sub-process-start': 'gemba',
} as const satisfies Record<string, FailurePhase>;

/** A finding code of {@link checkExecutability}. */
export type ExecutabilityCode = keyof typeof EXECUTABILITY_CODES;

/**
 * Local type names (after `bpmn:`) that the engine can instantiate: bpmn-elements' exports plus
 * the types moddle-context-serializer and bpmn-engine map themselves. The engine resolves a
 * behaviour for every root element, flow element, artifact, event definition, loop, lane and
 * I/O specification of *every* process in the file, executable or not; any other type makes
 * `engine.execute()` throw "Unknown activity type …". A unit test keeps this list in step with
 * bpmn-elements.
 */
export const ENGINE_TYPES: ReadonlySet<string> = new Set([
  'AdHocSubProcess', 'Association', 'BoundaryEvent', 'BusinessRuleTask', 'CallActivity', 'CancelEventDefinition',
  'Category', 'CompensateEventDefinition', 'ConditionalEventDefinition', 'DataObject', 'DataObjectReference',
  'DataStore', 'DataStoreReference', 'Definitions', 'EndEvent', 'Error', 'ErrorEventDefinition', 'Escalation',
  'EscalationEventDefinition', 'EventBasedGateway', 'ExclusiveGateway', 'Group', 'InclusiveGateway',
  'InputOutputSpecification', 'IntermediateCatchEvent', 'IntermediateThrowEvent', 'Lane', 'LinkEventDefinition',
  'ManualTask', 'Message', 'MessageEventDefinition', 'MessageFlow', 'MultiInstanceLoopCharacteristics',
  'ParallelGateway', 'Process', 'ReceiveTask', 'ScriptTask', 'SendTask', 'SequenceFlow', 'ServiceTask', 'Signal',
  'SignalEventDefinition', 'StandardLoopCharacteristics', 'StartEvent', 'SubProcess', 'Task',
  'TerminateEventDefinition', 'TextAnnotation', 'TimerEventDefinition', 'Transaction', 'UserTask',
]);

/** What to tell a process owner about element types the engine cannot load. */
const TYPE_ADVICE: Record<string, string> = {
  ItemDefinition: 'an item definition (a data type declaration). Remove it: Gemba types data in its forms',
  Interface: 'a service interface declaration. Remove it: service tasks are bound with a topic or a Gemba connector operation',
  EndPoint: 'an end point declaration. Remove it',
  PartnerRole: 'a partner role declaration. Remove it',
  PartnerEntity: 'a partner entity declaration. Remove it',
  Resource: 'a resource declaration. Remove it and give user tasks candidate groups instead',
  CorrelationProperty: 'a correlation property. Remove it: Gemba correlates messages by name and business key',
  GlobalTask: 'a global task (a task defined outside any process). Replace the call to it with a task inside the process',
  GlobalUserTask: 'a global user task (a task defined outside any process). Replace the call to it with a user task inside the process',
  GlobalManualTask: 'a global manual task. Replace the call to it with a task inside the process',
  GlobalScriptTask: 'a global script task. Replace the call to it with a task inside the process',
  GlobalBusinessRuleTask: 'a global business rule task. Replace the call to it with a task inside the process',
  ComplexGateway: 'a complex gateway. Use exclusive, inclusive or parallel gateways',
  Choreography: 'a choreography diagram. Gemba runs processes only',
  GlobalConversation: 'a conversation diagram. Gemba runs processes only',
  ChoreographyTask: 'a choreography task. Gemba runs processes only',
  SubChoreography: 'a sub-choreography. Gemba runs processes only',
  CallChoreography: 'a call choreography. Gemba runs processes only',
  ImplicitThrowEvent: 'an implicit throw event. Use an intermediate throw event',
};

const CONTAINERS = new Set(['bpmn:Process', 'bpmn:SubProcess', 'bpmn:Transaction', 'bpmn:AdHocSubProcess']);
const SCRIPT_LANGUAGES = new Set(['javascript', 'js']);

/**
 * Lists every element of a model that bpmn-engine 25 (as Gemba hosts it) cannot run, each with a
 * reason a process owner understands. The checks are static: they encode what probing the engine
 * with the corpus and small models showed (see the README), and never start an engine.
 * An empty list means the engine can load the model and reach every element.
 */
export function checkExecutability(parsed: ParsedModel): ExecutabilityFinding[] {
  const findings: ExecutabilityFinding[] = [];
  const { definitions } = parsed;
  const add = (element: ModdleElement | undefined, code: ExecutabilityCode, reason: string, id?: string) => {
    const elementId = id ?? element?.id ?? '';
    const name = typeof element?.name === 'string' && element.name.trim() ? element.name.replace(/\s+/g, ' ').trim() : undefined;
    const line = elementId ? parsed.locator.locateId(elementId)?.line : undefined;
    findings.push({
      id: elementId,
      type: element?.$type ?? '',
      ...(name ? { name } : {}),
      code,
      reason,
      ...(line !== undefined ? { line } : {}),
    });
  };

  const rootElements: ModdleElement[] = definitions.rootElements ?? [];
  const processes = rootElements.filter((e) => e.$type === 'bpmn:Process');
  const executable = processes.filter((p) => p.isExecutable === true);

  if (executable.length === 0) {
    add(definitions, 'no-executable-process', 'No process in this model is executable (isExecutable="true"): it describes a process but cannot run. Mark the process that Gemba should run as executable');
  }
  for (const extra of executable.slice(1)) {
    add(extra, 'several-executable-processes', `Process ${label(extra)} is executable too, but Gemba runs one process per version (this one is keyed '${executable[0].id}'): mark the others isExecutable="false" or put them in their own files`);
  }
  if (!definitions.id) {
    add(definitions, 'definitions-without-id', 'The <definitions> element has no id: Gemba finds running instances again by it. Give it an id');
  }

  for (const warning of parsed.warnings) {
    const unreadable = /^unparsable content <([^>\s/]+)[^>]*>? detected: (.*)$/.exec(warning.message);
    if (!unreadable) continue;
    findings.push({
      id: warning.elementId ?? '',
      type: unreadable[1],
      code: 'element-not-read',
      reason: `The element <${unreadable[1]}>${warning.line ? ` at line ${warning.line}` : ''} could not be read (${unreadable[2]}): the engine would run the process without it. Fix or remove it`,
      ...(warning.line !== undefined ? { line: warning.line } : {}),
    });
  }

  const checkType = (element: ModdleElement, where: string) => {
    const [prefix, local] = element.$type.split(':');
    if (prefix === 'bpmn' && ENGINE_TYPES.has(local)) return true;
    const advice = TYPE_ADVICE[local];
    add(
      element,
      'unsupported-element',
      `${capitalize(describe(element))}${where} is ${advice ?? `of type ${element.$type}, which the engine has no implementation for. Remove or replace it`}. The engine refuses the whole file while it contains it`,
    );
    return false;
  };

  const walk = (container: ModdleElement, process: ModdleElement) => {
    const runs = process.isExecutable === true;
    const where = runs ? '' : ` (in process ${label(process)}, which is not executable but still loaded)`;
    for (const element of [...(container.flowElements ?? []), ...(container.artifacts ?? [])] as ModdleElement[]) {
      // moddle-context-serializer skips data object references entirely.
      if (element.$type === 'bpmn:DataObjectReference') continue;
      checkType(element, where);
      checkLoadHazards(element, where, add);
      if (runs) checkRunHazards(element, add);
      if (CONTAINERS.has(element.$type)) walk(element, process);
    }
    for (const laneSet of (container.laneSets ?? []) as ModdleElement[]) {
      for (const lane of (laneSet.lanes ?? []) as ModdleElement[]) checkType(lane, where);
    }
  };

  for (const root of rootElements) {
    switch (root.$type) {
      case 'bpmn:Process':
        checkLoadHazards(root, '', add);
        if (root.isExecutable === true) checkRunHazards(root, add);
        walk(root, root);
        break;
      case 'bpmn:Collaboration':
        checkMessageFlows(root, processes, add);
        break;
      default:
        checkType(root, '');
    }
  }

  return findings.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity) || a.code.localeCompare(b.code));
}

type Add = (element: ModdleElement | undefined, code: ExecutabilityCode, reason: string, id?: string) => void;

/** Hazards that make the engine throw while loading, wherever the element sits. */
function checkLoadHazards(element: ModdleElement, where: string, add: Add): void {
  for (const role of (element.resources ?? []) as ModdleElement[]) {
    if (!role.resourceAssignmentExpression) {
      add(
        element,
        'performer-without-expression',
        `${capitalize(describe(element))}${where} names a ${roleName(role)} without an assignment expression; the engine cannot load the file. Remove it and set candidate groups (camunda:candidateGroups) instead`,
      );
    }
  }
  for (const definition of (element.eventDefinitions ?? []) as ModdleElement[]) {
    const local = definition.$type.split(':')[1];
    if (!ENGINE_TYPES.has(local)) add(element, 'unsupported-element', `${capitalize(describe(element))}${where} has a ${definition.$type} the engine cannot load`);
  }
  const loop = element.loopCharacteristics as ModdleElement | undefined;
  if (loop && !ENGINE_TYPES.has(loop.$type.split(':')[1])) {
    add(element, 'unsupported-element', `${capitalize(describe(element))}${where} has a ${loop.$type} the engine cannot load`);
  }
}

/** Hazards that fail, or are silently skipped, when an executable process runs. */
function checkRunHazards(element: ModdleElement, add: Add): void {
  const what = describe(element);
  const type = element.$type;

  if (!element.id && type !== 'bpmn:Process') {
    add(element, 'element-without-id', `A ${friendlyType(type)} has no id: the engine tracks every element and flow by its id (two flows without ids crash it). Give it an id`, '');
  }

  if (type === 'bpmn:SequenceFlow') {
    if (!element.sourceRef || !element.targetRef) {
      add(element, 'flow-not-connected', `Sequence flow ${label(element)} is not connected at its ${!element.sourceRef ? 'start' : 'end'}: connect it to two elements`);
    }
    const condition = element.conditionExpression as ModdleElement | undefined;
    if (condition) checkCondition(element, condition, add);
  }

  if (type === 'bpmn:BoundaryEvent' && !element.attachedToRef) {
    add(element, 'boundary-event-not-attached', `Boundary event ${label(element)} is not attached to a task: attach it or use an intermediate event`);
  }

  if (type === 'bpmn:ScriptTask') {
    const format = String(element.scriptFormat ?? '').trim();
    if (!SCRIPT_LANGUAGES.has(format.toLowerCase())) {
      add(element, 'script-format', `Script task ${label(element)} is written in ${format ? `'${format}'` : 'no declared language'}; the engine runs JavaScript only (scriptFormat="javascript")`);
    }
    if (element.get('camunda:resource')) {
      add(element, 'script-format', `Script task ${label(element)} loads its script from '${element.get('camunda:resource')}': Gemba only runs scripts written in the model, where reviewers can read them`);
    } else if (!String(element.script ?? '').trim()) {
      add(element, 'script-empty', `Script task ${label(element)} has no script: write it in the model or use another kind of task`);
    }
  }

  const loop = element.loopCharacteristics as ModdleElement | undefined;
  if (loop?.$type === 'bpmn:MultiInstanceLoopCharacteristics') {
    if (!loop.loopCardinality?.body?.trim?.() && !loop.get('camunda:collection')) {
      add(element, 'loop-without-limit', `${capitalize(what)} repeats for each item, but says neither how many times (loop cardinality) nor over which collection (camunda:collection); the engine stops with an error there`);
    }
  } else if (loop?.$type === 'bpmn:StandardLoopCharacteristics') {
    if (!loop.loopCondition?.body?.trim?.() && loop.loopMaximum === undefined) {
      add(element, 'loop-without-limit', `${capitalize(what)} loops without a loop condition or maximum; the engine stops with an error there`);
    }
  }

  if (type === 'bpmn:CallActivity') checkCallActivity(element, add);

  if (type === 'bpmn:StartEvent' && element.$parent?.$type === 'bpmn:Process') {
    for (const definition of (element.eventDefinitions ?? []) as ModdleElement[]) {
      if (definition.$type !== 'bpmn:TimerEventDefinition') continue;
      for (const kind of ['timeDate', 'timeDuration', 'timeCycle']) {
        const value = String(definition[kind]?.body ?? '').trim();
        if (value.startsWith('=') || value.includes('${') || value.includes('#{')) {
          add(element, 'timer-start-expression', `Timer start event ${label(element)} is scheduled with the expression '${truncate(value)}', but a timer start is scheduled when the version is released, before any instance (and its variables) exists: write a date, duration, cycle or cron expression`);
        }
      }
    }
  }

  if ((type === 'bpmn:SubProcess' || type === 'bpmn:Transaction' || type === 'bpmn:AdHocSubProcess') && element.triggeredByEvent === true) checkEventSubProcess(element, add);

  for (const value of (element.extensionElements?.values ?? []) as ModdleElement[]) {
    if (value.$type !== 'camunda:InputOutput') continue;
    for (const parameter of [...(value.inputParameters ?? []), ...(value.outputParameters ?? [])] as ModdleElement[]) {
      const definition = parameter.definition as ModdleElement | undefined;
      if (!definition) continue;
      const kind = definition.$type === 'camunda:Script' ? 'a script' : definition.$type === 'camunda:List' ? 'a list' : definition.$type === 'camunda:Map' ? 'a map' : definition.$type;
      add(
        element,
        'io-unsupported-value',
        `The ${parameter.$type === 'camunda:InputParameter' ? 'input' : 'output'} parameter '${parameter.name}' of ${what} is ${kind}; Gemba evaluates parameters written as text or one expression (\${…} or FEEL =…): write it as an expression`,
      );
    }
  }

  const catches = ['bpmn:StartEvent', 'bpmn:IntermediateCatchEvent', 'bpmn:BoundaryEvent'].includes(type);
  for (const definition of (element.eventDefinitions ?? []) as ModdleElement[]) {
    if (definition.$type === 'bpmn:ConditionalEventDefinition') {
      add(element, 'conditional-event', `${capitalize(what)} waits for a condition; Gemba does not re-evaluate conditions when data changes, so it would wait forever. Use a message or signal event instead`);
    }
    if (catches && definition.$type === 'bpmn:MessageEventDefinition') checkMessageRef(element, definition.messageRef, add);
    if (catches && definition.$type === 'bpmn:SignalEventDefinition' && !String(definition.signalRef?.name ?? '').trim()) {
      add(element, 'signal-without-name', `${capitalize(what)} waits for a signal but names none (or the signal has no name): Gemba delivers signals by name`);
    }
  }
  if (type === 'bpmn:ReceiveTask') checkMessageRef(element, element.messageRef, add);

  const listeners = ((element.extensionElements?.values ?? []) as ModdleElement[]).filter((v) =>
    ['camunda:ExecutionListener', 'camunda:TaskListener'].includes(v.$type),
  );
  if (listeners.length) {
    add(element, 'camunda-listener', `${capitalize(what)} has ${listeners.length} Camunda ${listeners.length === 1 ? 'listener' : 'listeners'} (Java classes, expressions or scripts run on events); Gemba does not run them. Model the work as tasks instead`);
  }
}

function checkCallActivity(element: ModdleElement, add: Add): void {
  if (!String(element.calledElement ?? '').trim()) {
    add(element, 'call-activity-without-target', `Call activity ${label(element)} does not say which process it calls: set the called element (a process key)`);
  }
  const binding = String(element.get('camunda:calledElementBinding') ?? '').trim();
  if (binding === 'version' && !String(element.get('camunda:calledElementVersion') ?? '').trim()) {
    add(element, 'call-activity-without-version', `Call activity ${label(element)} is bound to a version but does not say which (camunda:calledElementVersion)`);
  }
  if (binding === 'versionTag' && !String(element.get('camunda:calledElementVersionTag') ?? '').trim()) {
    add(element, 'call-activity-without-version', `Call activity ${label(element)} is bound to a version tag but does not say which (camunda:calledElementVersionTag)`);
  }
  if (element.get('camunda:variableMappingClass') || element.get('camunda:variableMappingDelegateExpression')) {
    add(element, 'call-activity-java-mapping', `Call activity ${label(element)} maps variables with Java code (camunda:variableMappingClass / DelegateExpression), which Gemba does not run: use camunda:in and camunda:out mappings`);
  }
  if (element.get('camunda:caseRef')) {
    add(element, 'call-activity-without-target', `Call activity ${label(element)} calls a CMMN case (camunda:caseRef); Gemba calls BPMN processes only`);
  }
}

/** Event sub-processes: the start event kinds Gemba starts them with. */
function checkEventSubProcess(element: ModdleElement, add: Add): void {
  const starts = ((element.flowElements ?? []) as ModdleElement[]).filter((e) => e.$type === 'bpmn:StartEvent');
  for (const start of starts) {
    const types = ((start.eventDefinitions ?? []) as ModdleElement[]).map((d) => d.$type);
    if (types.includes('bpmn:CompensateEventDefinition')) {
      add(start, 'compensation-event-sub-process', `Event sub-process ${label(element)} starts on compensation, which the engine never triggers: model the compensation with a compensation boundary event and handler`);
    } else if (!types.length) {
      add(start, 'event-sub-process-start', `Event sub-process ${label(element)} has a start event without a trigger: give it a timer, message, signal, error or escalation`);
    }
  }
}

function checkCondition(flow: ModdleElement, condition: ModdleElement, add: Add): void {
  const language = String(condition.language ?? '').trim();
  const body = String(condition.body ?? '').trim();
  if (language) {
    if (!SCRIPT_LANGUAGES.has(language.toLowerCase())) {
      add(
        flow,
        'condition-language',
        `The condition of sequence flow ${label(flow)} is written in '${language}', which the engine does not evaluate (it would take the text as always true): write it as \${…} or as FEEL =… without a language`,
      );
    } else if (!body) {
      add(flow, 'condition-not-expression', `The condition of sequence flow ${label(flow)} is an empty script`);
    }
    return;
  }
  if (!body) {
    add(flow, 'condition-not-expression', `The condition of sequence flow ${label(flow)} is empty; the engine stops with an error there. Write a condition such as \${approved} or =approved`);
  } else if (!body.startsWith('=') && !isSingleExpression(body)) {
    add(
      flow,
      'condition-not-expression',
      `The condition of sequence flow ${label(flow)} is '${truncate(body)}', which is text${body.includes('${') ? ' around an expression' : ''} and would always count as true: write one expression such as \${amount > 1000} or =amount > 1000`,
    );
  }
}

function checkMessageRef(element: ModdleElement, message: ModdleElement | undefined, add: Add): void {
  if (!String(message?.name ?? '').trim()) {
    add(element, 'message-without-name', `${capitalize(describe(element))} waits for a message but names none (or the message has no name): Gemba correlates messages by name`);
  }
}

/** Message flows whose ends the engine's serializer cannot resolve (it throws "reading 'id'"). */
function checkMessageFlows(collaboration: ModdleElement, processes: ModdleElement[], add: Add): void {
  for (const flow of (collaboration.messageFlows ?? []) as ModdleElement[]) {
    for (const end of [flow.sourceRef, flow.targetRef] as Array<ModdleElement | undefined>) {
      if (!end) continue;
      if (end.$type === 'bpmn:Participant') {
        if (!end.processRef) {
          add(
            flow,
            'message-flow-to-empty-pool',
            `Message flow ${label(flow)} connects to pool ${label(end)}, which has no process (an empty "black box" pool); the engine cannot load that. Remove the message flow (document the exchange in a text annotation) or model the pool's process`,
          );
        }
        continue;
      }
      if (end.$type === 'bpmn:Process') continue;
      const topLevel = processes.some((p) => ((p.flowElements ?? []) as ModdleElement[]).includes(end));
      if (!topLevel) {
        add(
          flow,
          'message-flow-to-nested-element',
          `Message flow ${label(flow)} connects to ${describe(end)}, which sits inside a sub-process (or outside any process); the engine can only load message flows that end at a pool or at an element directly in a process. Connect it to the sub-process or the pool instead`,
        );
      }
    }
  }
}

function isSingleExpression(text: string): boolean {
  if (!text.startsWith('${') || !text.endsWith('}')) return false;
  return text.indexOf('${', 2) < 0;
}

function roleName(role: ModdleElement): string {
  const local = role.$type.split(':')[1];
  return local === 'PotentialOwner' ? 'potential owner' : local === 'HumanPerformer' ? 'human performer' : 'performer';
}

function friendlyType(type: string): string {
  const local = type.split(':')[1] ?? type;
  return local.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function describe(element: ModdleElement): string {
  return `${friendlyType(element.$type)} ${label(element)}`;
}

function label(element: ModdleElement): string {
  const name = typeof element.name === 'string' ? element.name.replace(/\s+/g, ' ').trim() : '';
  return name ? `'${name}'` : `<${element.id ?? 'without id'}>`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function truncate(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}…` : flat;
}
