import type { ActivityMetadata } from './activity-metadata';
import type { CompiledDefinition } from './compile-definition';
import { variantFor } from './compile-definition';
import { rearmRecoveredTimers } from './durable-timers';
import type { ElementApi } from './elements';
import { DefinitionCompileError } from './errors';
import { JOB_TYPES } from './host-extension';
import type { HostTuning, RunFailure } from './run-session';
import { describeError, isMultiInstanceRoot, RunSession } from './run-session';
import { buildSnapshot, SnapshotError, subscriptionKind } from './snapshot';
import { activeEventStarts, interruptScopes, reconcileEventTimers, startEventSubProcess } from './event-sub-processes';
import { compactEngineState, userVariables } from './state-codec';
import { firstExpiry } from './timer-schedule';
import type { EngineEvent, RunOptions, RunResult, StoredState, Variables, EngineSnapshot } from './types';

const USER_TASK_TYPES = new Set(['bpmn:UserTask', 'bpmn:ManualTask']);

type Applied = { applied: true } | { applied: false; reason: string };
const APPLIED: Applied = { applied: true };
const notApplied = (reason: string): Applied => ({ applied: false, reason });

/**
 * Applies one event to one instance: recovers a new engine from `state` on the compiled
 * definition (or starts one), applies the event, runs to the next wait state, and returns the new
 * state with everything the instance now waits for. Nothing a model does makes it throw or reject:
 * model errors, an exhausted step budget and unreadable states come back as `outcome.failed`.
 *
 * The function takes ownership of `state` (it may be modified): pass an object freshly read from
 * storage. Functions in `options` are never kept in the state; give them again at every event.
 */
export async function runEvent(definition: CompiledDefinition, state: StoredState | undefined | null, event: EngineEvent, options: RunOptions): Promise<RunResult> {
  return runEventSync(definition, state ?? undefined, event, options);
}

/**
 * {@link runEvent} without the promise: the engine run is synchronous; benchmarks and the worker
 * pool call this form. `tuning` switches host optimisations off for comparisons.
 */
export function runEventSync(definition: CompiledDefinition, state: StoredState | undefined, event: EngineEvent, options: RunOptions, tuning?: HostTuning): RunResult {
  const session = new RunSession(definition, options, tuning);
  try {
    if (event.type === 'start') return start(session, state, event);
    if (!state) return { outcome: failedOutcome({ kind: 'state', message: `No state to apply '${event.type}' to: the instance was never started or has ended` }), applied: false, history: [], thrown: [] };
    if (event.type === 'cancel') return cancel(session, state, event.reason);
    return apply(session, state, event);
  } catch (err) {
    return failed(session, classify(err));
  }
}

function start(session: RunSession, state: StoredState | undefined, event: Extract<EngineEvent, { type: 'start' }>): RunResult {
  if (state) return { outcome: { status: 'running' }, applied: false, reason: 'The instance has already started', history: [], thrown: [] };
  let variant: string;
  try {
    variant = variantFor(session.compiled, event);
  } catch (err) {
    if (err instanceof DefinitionCompileError) return failed(session, { kind: 'model', message: err.message });
    throw err;
  }
  const engine = session.build(variant, event.variables);
  engine.run();
  session.settle();
  if (variant !== 'none') {
    // The chosen start event waits for its message, signal or timer like any catch: the runtime
    // starts the instance because it happened, so deliver it now.
    const startApi = session.postponed().find((api) => api.id === variant && subscriptionKind(api));
    const startTimer = session.timers.pending.find((ref) => ref.durable && ref.owner?.id === variant);
    if (startApi) {
      startApi.signal({ ...event.variables });
      session.settle();
    } else if (startTimer) {
      session.timers.fire(startTimer);
      session.settle();
    }
  }
  interruptScopes(session);
  return finish(session, { v: 1, start: variant, timers: {}, dueAt: {}, engine: undefined }, APPLIED);
}

/**
 * Recovers a new engine from a stored state and resumes it to its waits (no event applied).
 * @throws Error (StateError) when the state is not a Gemba engine state
 */
export function recoverSession(session: RunSession, state: StoredState) {
  return recover(session, state);
}

function recover(session: RunSession, state: StoredState) {
  if (!state || state.v !== 1 || typeof state.start !== 'string' || !state.engine) {
    throw new StateError('The stored state is not a Gemba engine state (v1)');
  }
  const engine = session.build(state.start);
  session.eventTimers = { ...state.eventTimers };
  rearmRecoveredTimers(state.engine, state.timers ?? {}, session.options.now);
  engine.recover(state.engine);
  engine.resume();
  session.settle();
  for (const api of session.postponed()) {
    session.resumedOpen.add(api.executionId);
    if (api.owner?.type === 'bpmn:CallActivity' && api.type === api.owner.type && !isMultiInstanceRoot(api)) session.openCalls.set(api.executionId, api.id);
  }
  return engine;
}

function apply(session: RunSession, state: StoredState, event: Exclude<EngineEvent, { type: 'start' | 'cancel' }>): RunResult {
  recover(session, state);
  if (session.failure) return failed(session, session.failure);
  const result = deliver(session, event);
  session.settle();
  interruptScopes(session);
  // The child of a call that completed or failed has ended by itself: it is not to be cancelled.
  if (event.type === 'callCompleted' || event.type === 'callFailedWithBpmnError') session.openCalls.delete(event.executionId);
  return finish(session, state, result);
}

function findOpen(session: RunSession, executionId: string): ElementApi | undefined {
  return session.postponed().find((api) => api.executionId === executionId && api.type === api.owner?.type && !isMultiInstanceRoot(api));
}

function findCall(session: RunSession, executionId: string): ElementApi | undefined {
  const api = findOpen(session, executionId);
  return api?.owner.type === 'bpmn:CallActivity' ? api : undefined;
}

function deliver(session: RunSession, event: Exclude<EngineEvent, { type: 'start' | 'cancel' }>): Applied {
  switch (event.type) {
    case 'completeUserTask': {
      const api = findOpen(session, event.executionId);
      if (!api || !USER_TASK_TYPES.has(api.owner.type)) return notApplied(`No user task is waiting with execution id ${event.executionId}`);
      session.assignVariables(api, mapOutput(api, session.compiled.activities.get(api.id), event.output));
      api.signal({ ...event.output });
      return APPLIED;
    }
    case 'jobCompleted': {
      const job = session.jobs.pending.get(event.executionId);
      const api = findOpen(session, event.executionId);
      if (!job || !api || !JOB_TYPES.has(api.owner.type)) return notApplied(`No job is waiting with execution id ${event.executionId}`);
      session.assignVariables(api, mapOutput(api, session.compiled.activities.get(api.id), event.output));
      job.complete(null, { ...event.output });
      return APPLIED;
    }
    case 'jobFailedWithBpmnError': {
      const job = session.jobs.pending.get(event.executionId);
      const api = findOpen(session, event.executionId);
      if (!job || !api) return notApplied(`No job is waiting with execution id ${event.executionId}`);
      session.assignVariables(api, event.variables);
      const error = Object.assign(new Error(event.message || `BPMN error ${event.errorCode}`), { name: 'BpmnError', code: event.errorCode });
      job.complete(error);
      return APPLIED;
    }
    case 'timerDue': {
      const ref = session.timers.find(event.executionId);
      if (ref) {
        session.timers.fire(ref);
        return APPLIED;
      }
      return fireEventTimer(session, event.executionId);
    }
    case 'message': {
      const target = session
        .postponed()
        .find((api) => subscriptionKind(api) === 'message' && (!event.executionId || api.executionId === event.executionId) && messageName(session, api) === event.name);
      if (!target) {
        const start = activeEventStarts(session).find((s) => s.kind === 'message' && !s.busy && s.meta.messageName === event.name && (!event.executionId || s.executionId === event.executionId));
        if (start && startEventSubProcess(session, start, event.variables)) return APPLIED;
        return notApplied(`No subscription waits for message '${event.name}'${event.executionId ? ` at ${event.executionId}` : ''}`);
      }
      session.assignVariables(target, mapOutput(target, session.compiled.activities.get(target.id), event.variables));
      target.signal({ ...event.variables });
      return APPLIED;
    }
    case 'callCompleted': {
      const api = findCall(session, event.executionId);
      if (!api) return notApplied(`No call activity is waiting with execution id ${event.executionId}`);
      const output = mapCallOutput(api, session.compiled.activities.get(api.id), event.variables ?? {});
      session.assignVariables(api, output);
      api.signal({ ...output });
      return APPLIED;
    }
    case 'callFailedWithBpmnError': {
      const api = findCall(session, event.executionId);
      if (!api) return notApplied(`No call activity is waiting with execution id ${event.executionId}`);
      // bpmn-elements' call activity fails with the api message as the error's inner: its code is what catches match.
      api.sendApiMessage('error', { message: event.message || `BPMN error ${event.errorCode} in the called process`, code: event.errorCode, name: 'BpmnError' });
      return APPLIED;
    }
    case 'callEscalated': {
      const api = findCall(session, event.executionId);
      if (!api) return notApplied(`No call activity is waiting with execution id ${event.executionId}`);
      const escalation = session.compiled.escalations.find((e) => e.code === event.escalationCode);
      session.assignVariables(api, event.variables);
      // Boundary escalation catches match by the escalation element: without one with this code nothing can catch it.
      if (escalation) {
        session.engine.getApi().sendApiMessage('escalate', { message: { id: escalation.id, type: 'bpmn:Escalation', messageType: 'escalation', ...(escalation.name ? { name: escalation.name } : {}) } }, { delegate: true });
      }
      return APPLIED;
    }
    case 'signal': {
      const targets = session.postponed().filter((api) => subscriptionKind(api) === 'signal' && signalName(session, api) === event.name);
      const starts = activeEventStarts(session).filter((s) => s.kind === 'signal' && !s.busy && s.meta.signalName === event.name);
      if (!targets.length && !starts.length) return notApplied(`No subscription waits for signal '${event.name}'`);
      for (const start of starts) startEventSubProcess(session, start, event.variables);
      if (!targets.length) return APPLIED;
      session.assignVariables(targets[0], mapOutput(targets[0], session.compiled.activities.get(targets[0].id), event.variables));
      const delivered = new Set<string>();
      for (const target of targets) {
        // Catching one signal can close another (an event-based gateway): deliver only to what is still open.
        const open = session.postponed().find((api) => api.executionId === target.executionId && subscriptionKind(api) === 'signal');
        if (!open || delivered.has(open.executionId)) continue;
        delivered.add(open.executionId);
        open.signal({ ...event.variables });
      }
      return APPLIED;
    }
  }
}

/**
 * Fires the timer start of an event sub-process: starts the sub-process and schedules the next
 * firing of a cycle (non-interrupting starts only: an interrupting one ends its scope's waiting).
 */
function fireEventTimer(session: RunSession, executionId: string): Applied {
  const due = session.eventTimers[executionId];
  const start = due && due.repeat !== 0 ? activeEventStarts(session).find((s) => s.kind === 'timer' && s.executionId === executionId) : undefined;
  if (!due || !start) return notApplied(`No timer is waiting with execution id ${executionId}`);
  const timer = start.meta.timers?.[0];
  // Spent (repeat 0) while its scope runs, so that it is not armed again.
  session.eventTimers[executionId] = { at: due.at, repeat: 0 };
  if (!start.interrupting && timer && due.repeat !== undefined && (due.repeat === -1 || due.repeat > 1)) {
    const value = String(session.engine.environment.resolveExpression(timer.value, { fields: {}, content: { id: start.startEventId }, properties: {} }) ?? '');
    const next = firstExpiry(timer.timerType, value, session.options.now, { timeZone: session.options.timeZone });
    session.eventTimers[executionId] = { at: next.expireAt.getTime(), repeat: due.repeat === -1 ? -1 : due.repeat - 1 };
  }
  // A non-interrupting event sub-process still running from an earlier firing cannot start again (bpmn-elements runs one at a time).
  startEventSubProcess(session, start, undefined);
  return APPLIED;
}

function messageName(session: RunSession, api: ElementApi): string | undefined {
  return api.content.message?.name ?? session.compiled.activities.get(api.id)?.messageName;
}

function signalName(session: RunSession, api: ElementApi): string | undefined {
  return api.content.signal?.name ?? session.compiled.activities.get(api.id)?.signalName;
}

/**
 * Output of a job, a user task, a message or a signal into variables: with camunda:outputParameter
 * mappings only the mapped names (each expression sees the process variables overlaid with the
 * output, as Camunda's local scope does), else the whole output.
 */
function mapOutput(api: ElementApi, meta: ActivityMetadata | undefined, output: Variables | undefined): Variables | undefined {
  const parameters = meta?.outputParameters;
  if (!parameters?.length) return output;
  const environment = api.owner.environment;
  const view = Object.create(environment) as typeof environment;
  Object.defineProperty(view, 'variables', { value: { ...environment.variables, ...output } });
  const result: Variables = {};
  for (const parameter of parameters) {
    if (parameter.unsupported) throw new SnapshotError(`<${api.id}> output '${parameter.name}': ${parameter.unsupported}`, api.id);
    result[parameter.name] = view.resolveExpression.call(view, parameter.value ?? '', { fields: {}, content: { ...api.content, output }, properties: {} });
  }
  return result;
}

/**
 * The child's variables into the parent, by the call activity's camunda:out mappings: `all` copies
 * every variable, a source copies one (under its target name), a source expression is evaluated
 * on the child's variables. Without mappings nothing is copied (Camunda).
 */
function mapCallOutput(api: ElementApi, meta: ActivityMetadata | undefined, child: Variables): Variables {
  const result: Variables = {};
  for (const mapping of meta?.call?.outputs ?? []) {
    if (mapping.kind === 'all') Object.assign(result, userVariables(child));
    else if (mapping.kind === 'variable' && mapping.sourceExpression !== undefined) {
      const environment = api.owner.environment;
      const view = Object.create(environment) as typeof environment;
      Object.defineProperty(view, 'variables', { value: { ...child } });
      result[mapping.target] = view.resolveExpression.call(view, mapping.sourceExpression, { fields: {}, content: { ...api.content }, properties: {} });
    } else if (mapping.kind === 'variable' && mapping.source !== undefined) {
      result[mapping.target] = child[mapping.source];
    }
  }
  return result;
}

function cancel(session: RunSession, state: StoredState, reason: string | undefined): RunResult {
  let variables: Variables = {};
  let history = session.history;
  try {
    recover(session, state);
    variables = session.variables();
    history = [];
    for (const api of session.postponed()) {
      if (api.type !== api.owner?.type || !api.owner || api.owner.isSubProcess) continue;
      if (api.owner.type === 'bpmn:BoundaryEvent' || api.type === 'bpmn:SequenceFlow') continue;
      history.push({ event: 'cancelled', activityId: api.id, activityType: api.type, ...(api.name ? { name: api.name } : {}), executionId: api.executionId, at: session.options.now });
    }
  } catch {
    // An instance whose state cannot be recovered can still be cancelled: there is just nothing to list.
    history = [];
  }
  const closedCalls = [...session.openCalls].map(([executionId, activityId]) => ({ executionId, activityId }));
  return {
    outcome: { status: 'cancelled', ...(reason ? { reason } : {}) },
    applied: true,
    state: null,
    snapshot: emptySnapshot(variables),
    history,
    thrown: [],
    ...(closedCalls.length ? { closedCalls } : {}),
  };
}

function emptySnapshot(variables: Variables): EngineSnapshot {
  return { variables, userTasks: [], jobs: [], timers: [], subscriptions: [], calls: [], other: [] };
}

function finish(session: RunSession, previous: StoredState, applied: Applied): RunResult {
  const failure = session.budgetFailure ?? session.failure ?? uncaughtError(session);
  if (failure) return failed(session, failure);
  if (!applied.applied) {
    const snapshot = buildSnapshot(session, { ...previous.timers }, { ...previous.dueAt }, previous.eventTimers ?? {});
    return { outcome: { status: 'running' }, applied: false, reason: applied.reason, snapshot, history: [], thrown: [] };
  }
  const dueAt = { ...previous.dueAt };
  const eventTimers = session.ended ? {} : reconcileEventTimers(session, session.eventTimers);
  const snapshot = buildSnapshot(session, { ...previous.timers }, dueAt, eventTimers);
  const extras = runExtras(session, snapshot);
  if (session.ended) {
    return { outcome: { status: 'completed' }, applied: true, state: null, snapshot, history: session.history, thrown: session.thrown, ...extras };
  }
  const timers: Record<string, number> = {};
  for (const timer of snapshot.timers) if (!timer.eventSubProcess) timers[timer.executionId] = timer.expireAt.getTime();
  const engine = compactEngineState(session.engine.getState());
  return {
    outcome: { status: 'running' },
    applied: true,
    state: { v: 1, start: previous.start, timers, dueAt, engine, ...(Object.keys(eventTimers).length ? { eventTimers } : {}) },
    snapshot,
    history: session.history,
    thrown: session.thrown,
    ...extras,
  };
}

/**
 * An error end event whose error nothing caught fails the run with its code, as a worker's
 * uncaught BPMN error does (bpmn-elements would end the path silently). For a child instance the
 * runtime forwards it to the parent's call activity (callFailedWithBpmnError).
 */
function uncaughtError(session: RunSession): RunFailure | undefined {
  const error = session.thrownErrors.find((e) => !e.errorId || !session.caught.has(e.errorId));
  if (!error) return undefined;
  return { kind: 'model', message: `BPMN error '${error.errorCode}' thrown by <${error.activityId}> was not caught`, elementId: error.activityId, errorCode: error.errorCode };
}

/** Uncaught escalations and the calls this event closed (their children must be cancelled). */
function runExtras(session: RunSession, snapshot: EngineSnapshot): Pick<RunResult, 'escalations' | 'closedCalls'> {
  const extras: Pick<RunResult, 'escalations' | 'closedCalls'> = {};
  const escalations = session.escalated.filter((e) => !e.escalationId || !session.caught.has(e.escalationId)).map(({ escalationId: _id, ...e }) => e);
  if (escalations.length) extras.escalations = escalations;
  const open = new Set(snapshot.calls.map((c) => c.executionId));
  const closed = [...session.openCalls].filter(([executionId]) => !open.has(executionId)).map(([executionId, activityId]) => ({ executionId, activityId }));
  if (closed.length) extras.closedCalls = closed;
  return extras;
}

class StateError extends Error {}

function classify(err: unknown): RunFailure {
  if (err instanceof StateError) return { kind: 'state', message: err.message };
  if (err instanceof SnapshotError) return { kind: 'model', message: err.message, elementId: err.elementId };
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { kind: 'budget', message: 'The run recursed too deeply without reaching a wait state (an endless loop?)' };
  }
  const failure = describeError(err, 'model');
  if (failure.elementId) return failure;
  // bpmn-elements' own errors and expression errors are the model's; anything else is a host defect.
  const type = (err as { type?: unknown; name?: unknown } | null)?.type ?? (err as { name?: unknown } | null)?.name;
  return { ...failure, kind: typeof type === 'string' && /ActivityError|RunError|BpmnError|ExpressionError/.test(type) ? 'model' : 'internal' };
}

function failedOutcome(failure: RunFailure): RunResult['outcome'] {
  return { status: 'failed', ...failure };
}

function failed(session: RunSession, failure: RunFailure): RunResult {
  const sticky = session.budgetFailure ?? failure;
  return { outcome: failedOutcome(sticky), applied: false, history: [], thrown: [] };
}
