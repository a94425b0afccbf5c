// Builds the complete set of what an instance waits for, from the engine's postponed elements
// and the host's registries, after a run has settled.
import { ISOInterval, getDate } from '@0dep/piso';
import { firstExpiry } from './timer-schedule';
import type { ActivityMetadata } from './activity-metadata';
import type { ElementApi } from './elements';
import { JOB_TYPES } from './host-extension';
import type { RunSession } from './run-session';
import { activeEventStarts } from './event-sub-processes';
import type { EventTimerState } from './event-sub-processes';
import { loopVariables } from './host-expressions';
import { isMultiInstanceRoot } from './run-session';
import type { OtherWait, Subscription, Variables, EngineSnapshot, WaitingCall, WaitingJob, WaitingTimer, WaitingUserTask } from './types';

const USER_TASK_TYPES = new Set(['bpmn:UserTask', 'bpmn:ManualTask']);
// Catches that only wait for something inside the instance (an error or escalation thrown by the
// element they are attached to, a link, compensation): nothing the runtime delivers.
const INTERNAL_WAITS = new Set([
  'bpmn:ErrorEventDefinition',
  'bpmn:EscalationEventDefinition',
  'bpmn:CompensateEventDefinition',
  'bpmn:CancelEventDefinition',
  'bpmn:LinkEventDefinition',
  'bpmn:TimerEventDefinition',
  'bpmn:SequenceFlow',
  'bpmn:MessageFlow',
  'bpmn:Association',
]);
const CONTAINERS = new Set(['bpmn:SubProcess', 'bpmn:Transaction', 'bpmn:AdHocSubProcess', 'bpmn:Process']);
// Events and gateways whose waiting is expressed by their timers (or is internal).
const EVENT_HOLDERS = new Set(['bpmn:BoundaryEvent', 'bpmn:IntermediateCatchEvent', 'bpmn:StartEvent', 'bpmn:EventBasedGateway']);

/** Thrown while resolving what a wait needs (an assignee or due date expression): a model error. */
export class SnapshotError extends Error {
  constructor(
    message: string,
    readonly elementId: string,
  ) {
    super(message);
    this.name = 'SnapshotError';
  }
}

function resolve(api: ElementApi, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return api.owner.environment.resolveExpression(text, { fields: {}, content: api.content, properties: {} });
  } catch (err) {
    throw new SnapshotError(`<${api.id}> cannot resolve '${text}': ${(err as Error).message}`, api.id);
  }
}

function list(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return [];
  if (Array.isArray(value)) return value.map(String).filter((s) => s.trim() !== '');
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function optionalString(value: unknown): string | undefined {
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** A resolved camunda:dueDate: a Date, an ISO date-time, epoch ms, or an ISO duration from `openedAt`. */
export function toDueDate(value: unknown, openedAt: Date): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value === 'number') return new Date(value);
  const text = String(value).trim();
  if (/^P/i.test(text)) return new ISOInterval(text).parse().getExpireAt(openedAt, openedAt);
  return getDate(text);
}

function userTask(session: RunSession, api: ElementApi, meta: ActivityMetadata | undefined, dueAt: Record<string, number>): WaitingUserTask {
  const spec = meta?.userTask ?? {};
  const executionId = api.executionId;
  let due: Date | undefined;
  if (dueAt[executionId] !== undefined) {
    due = new Date(dueAt[executionId]);
  } else if (spec.dueDate) {
    const raw = resolve(api, spec.dueDate);
    try {
      due = toDueDate(raw, session.options.now);
    } catch (err) {
      throw new SnapshotError(`<${api.id}> due date '${String(raw)}' is not a date or ISO 8601 duration: ${(err as Error).message}`, api.id);
    }
    if (due && Number.isNaN(due.getTime())) throw new SnapshotError(`<${api.id}> due date '${String(raw)}' is not a date`, api.id);
  }
  if (due) dueAt[executionId] = due.getTime();
  const priority = resolve(api, spec.priority);
  const task: WaitingUserTask = {
    executionId,
    activityId: api.id,
    activityType: api.owner.type,
    ...(meta?.name ? { name: meta.name } : {}),
    candidateUsers: list(resolve(api, spec.candidateUsers)),
    candidateGroups: list(resolve(api, spec.candidateGroups)),
  };
  const assignee = optionalString(resolve(api, spec.assignee));
  if (assignee) task.assignee = assignee;
  if (due) task.dueAt = due;
  if (priority !== undefined && Number.isFinite(Number(priority))) task.priority = Number(priority);
  const formKey = optionalString(resolve(api, spec.formKey));
  if (formKey) task.formKey = formKey;
  if (spec.formRef) task.formRef = spec.formRef;
  if (meta?.signature) task.signature = { ...meta.signature };
  const loop = loopVariables(session.compiled, api.content);
  if (loop) task.loopVariables = loop;
  if (meta?.inputParameters?.length) task.input = jobInput(session, api, meta, loop);
  return task;
}

function job(session: RunSession, api: ElementApi, meta: ActivityMetadata | undefined): WaitingJob {
  const pending = session.jobs.pending.get(api.executionId);
  const spec = meta?.job ?? {};
  const loop = loopVariables(session.compiled, api.content);
  return {
    executionId: api.executionId,
    activityId: api.id,
    activityType: api.owner.type,
    ...(meta?.name ? { name: meta.name } : {}),
    ...spec,
    input: pending ? jobInput(session, api, meta, loop) : {},
    ...(loop ? { loopVariables: loop } : {}),
  };
}

/** camunda:inputParameter values resolved now, else every process variable (as Camunda external tasks fetch them). */
function jobInput(session: RunSession, api: ElementApi, meta: ActivityMetadata | undefined, loop: Variables | undefined): Variables {
  const parameters = meta?.inputParameters;
  if (!parameters?.length) return { ...session.variables(), ...loop };
  const input: Variables = {};
  for (const parameter of parameters) {
    if (parameter.unsupported) throw new SnapshotError(`<${api.id}> input '${parameter.name}': ${parameter.unsupported}`, api.id);
    input[parameter.name] = resolve(api, parameter.value);
  }
  return input;
}

function subscription(api: ElementApi, kind: 'message' | 'signal', meta: ActivityMetadata | undefined): Subscription | undefined {
  const reference = kind === 'message' ? api.content.message : api.content.signal;
  const name = optionalString(reference?.name) ?? (kind === 'message' ? meta?.messageName : meta?.signalName);
  if (!name) return undefined;
  const result: Subscription = { kind, name, executionId: api.executionId, activityId: api.id };
  if (meta?.correlationKey) {
    const key = optionalString(resolve(api, meta.correlationKey));
    if (key) result.correlationKey = key;
  }
  if (meta?.attachedTo) {
    result.attachedTo = meta.attachedTo;
    result.interrupting = meta.interrupting ?? true;
  }
  return result;
}

/** What a waiting call activity asks the runtime to start: camunda:in mappings resolved now. */
function call(session: RunSession, api: ElementApi, meta: ActivityMetadata | undefined): WaitingCall {
  const spec = meta?.call;
  const loop = loopVariables(session.compiled, api.content);
  const calledElement = optionalString(resolve(api, spec?.calledElement ?? api.owner.behaviour.calledElement));
  if (!calledElement) throw new SnapshotError(`<${api.id}> the called element resolved to nothing`, api.id);
  const result: WaitingCall = {
    executionId: api.executionId,
    activityId: api.id,
    ...(meta?.name ? { name: meta.name } : {}),
    calledElement,
    binding: spec?.binding ?? 'latest',
    variables: {},
  };
  if (spec?.binding === 'version') {
    const version = Number(resolve(api, spec.version));
    if (!Number.isInteger(version) || version < 1) throw new SnapshotError(`<${api.id}> camunda:calledElementVersion '${spec.version}' is not a version number`, api.id);
    result.version = version;
  }
  if (spec?.binding === 'versionTag') {
    const tag = optionalString(resolve(api, spec.versionTag));
    if (!tag) throw new SnapshotError(`<${api.id}> camunda:calledElementVersionTag is empty`, api.id);
    result.versionTag = tag;
  }
  const variables = session.variables();
  for (const mapping of spec?.inputs ?? []) {
    if (mapping.kind === 'all') Object.assign(result.variables, variables, loop);
    else if (mapping.kind === 'businessKey') {
      const key = optionalString(resolve(api, mapping.expression));
      if (key) result.businessKey = key;
    } else if (mapping.sourceExpression !== undefined) result.variables[mapping.target] = resolve(api, mapping.sourceExpression);
    else {
      const source = mapping.source as string;
      result.variables[mapping.target] = loop && source in loop ? loop[source] : variables[source];
    }
  }
  if (loop) result.loopVariables = loop;
  return result;
}

/** The message or signal a postponed element waits for, if any. */
export function subscriptionKind(api: ElementApi): 'message' | 'signal' | undefined {
  if (api.type === 'bpmn:MessageEventDefinition' || api.owner?.type === 'bpmn:ReceiveTask') return 'message';
  if (api.type === 'bpmn:SignalEventDefinition') return 'signal';
  return undefined;
}

/**
 * Builds the snapshot: user tasks, jobs, timers, message and signal subscriptions, and any other
 * wait the runtime has no handler for. `dueAt` (from and for the stored state) keeps resolved due
 * dates stable across events; entries of tasks no longer open are removed from it.
 */
export function buildSnapshot(session: RunSession, timersDue: Record<string, number>, dueAt: Record<string, number>, eventTimers: EventTimerState = {}): EngineSnapshot {
  const snapshot: EngineSnapshot = { variables: session.variables(), userTasks: [], jobs: [], timers: [], subscriptions: [], calls: [], other: [] };
  const compiled = session.compiled;
  const openTasks = new Set<string>();
  const seen = new Set<string>();

  for (const api of session.postponed()) {
    const ownerType = api.owner?.type ?? api.type;
    const key = `${api.type}:${api.executionId}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const meta = compiled.activities.get(api.id);
    // A multi-instance activity waits through its iterations, each listed with its own execution id.
    if (api.type === ownerType && isMultiInstanceRoot(api)) continue;
    if (ownerType === 'bpmn:CallActivity' && api.type === ownerType) {
      snapshot.calls.push(call(session, api, meta));
      continue;
    }
    if (USER_TASK_TYPES.has(ownerType) && api.type === ownerType) {
      snapshot.userTasks.push(userTask(session, api, meta, dueAt));
      openTasks.add(api.executionId);
      continue;
    }
    if (JOB_TYPES.has(ownerType) && api.type === ownerType) {
      snapshot.jobs.push(job(session, api, meta));
      continue;
    }
    const kind = subscriptionKind(api);
    if (kind) {
      const sub = subscription(api, kind, meta);
      if (sub) snapshot.subscriptions.push(sub);
      else snapshot.other.push({ executionId: api.executionId, activityId: api.id, activityType: api.type });
      continue;
    }
    if (INTERNAL_WAITS.has(api.type) || CONTAINERS.has(ownerType) || EVENT_HOLDERS.has(api.type)) continue;
    if (api.type === 'bpmn:ParallelGateway' || api.type === 'bpmn:InclusiveGateway' || api.type === 'bpmn:ExclusiveGateway') continue;
    const other: OtherWait = { executionId: api.executionId, activityId: api.id, activityType: api.type };
    snapshot.other.push(other);
  }

  for (const ref of session.timers.pending) {
    if (!ref.durable || !ref.owner) continue;
    const owner = ref.owner;
    const executionId = owner.executionId as string;
    const meta = compiled.activities.get(owner.id);
    const expireAt = timersDue[executionId] ?? timerExpiry(owner, ref.delay, session.options.now, session.options.timeZone);
    timersDue[executionId] = expireAt;
    const timer: WaitingTimer = {
      executionId,
      activityId: owner.id,
      activityExecutionId: owner.parent?.executionId ?? executionId,
      expireAt: new Date(expireAt),
      timerType: owner.timerType,
    };
    const value = owner[owner.timerType];
    if (typeof value === 'string') timer.value = value;
    if (typeof owner.repeat === 'number') timer.repeat = owner.repeat;
    if (meta?.attachedTo) {
      timer.attachedTo = meta.attachedTo;
      timer.interrupting = meta.interrupting ?? true;
    }
    snapshot.timers.push(timer);
  }

  for (const start of activeEventStarts(session)) {
    const common = { executionId: start.executionId, activityId: start.startEventId, interrupting: start.interrupting, eventSubProcess: start.eventSubProcessId };
    if (start.kind === 'timer') {
      const due = eventTimers[start.executionId];
      const timer = start.meta.timers?.[0];
      if (!due || !timer || due.repeat === 0) continue;
      snapshot.timers.push({
        ...common,
        activityExecutionId: start.scopeExecutionId,
        expireAt: new Date(due.at),
        timerType: timer.timerType,
        value: timer.value,
        ...(due.repeat !== undefined ? { repeat: due.repeat } : {}),
      });
      continue;
    }
    const name = start.kind === 'message' ? start.meta.messageName : start.meta.signalName;
    if (!name || start.busy) continue;
    const sub: Subscription = { kind: start.kind, name, ...common };
    if (start.meta.correlationKey) {
      const key = optionalString(session.engine.environment.resolveExpression(start.meta.correlationKey, { fields: {}, content: { id: start.startEventId }, properties: {} }));
      if (key) sub.correlationKey = key;
    }
    snapshot.subscriptions.push(sub);
  }

  for (const id of Object.keys(dueAt)) if (!openTasks.has(id)) delete dueAt[id];
  return snapshot;
}

/**
 * When a newly registered timer is due on the platform clock. The engine computed its delay
 * against the system clock, so the resolved value is read again from `now` (the host's timer
 * definitions did the same): a timeDate is absolute, durations, ISO cycles and cron expressions
 * give their next expiry after `now`. Falls back to `now` + the engine's delay if the value
 * cannot be read here.
 */
function timerExpiry(owner: Record<string, any>, delay: number, now: Date, timeZone: string | undefined): number {
  const value = owner[owner.timerType];
  try {
    if (typeof value === 'string' && value.trim()) return firstExpiry(owner.timerType, value, now, { timeZone }).expireAt.getTime();
  } catch {
    // keep the engine's view below
  }
  return now.getTime() + Math.max(0, delay);
}
