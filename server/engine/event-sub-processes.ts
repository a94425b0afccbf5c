// Event sub-processes. bpmn-elements starts one only when an error or escalation is thrown inside
// its scope, never interrupts the scope, and never listens for its message, signal or timer start.
// The host lists those starts as subscriptions and durable timers while their scope runs,
// starts the event sub-process when one is delivered, and interrupts the scope when the start
// event is interrupting (whatever started it).
import type { ActivityMetadata } from './activity-metadata';
import type { ElementApi, ElementInstance } from './elements';
import type { RunSession } from './run-session';
import { subscriptionKind } from './snapshot';
import { firstExpiry } from './timer-schedule';
import type { TimerType } from './timer-schedule';
import type { Variables } from './types';

/** A message, signal or timer start event of an event sub-process whose scope is running. */
export type EventStart = {
  /** Stable id of this start in this scope: `<scope execution id>/<start event id>`. */
  executionId: string;
  scopeExecutionId: string;
  startEventId: string;
  eventSubProcessId: string;
  interrupting: boolean;
  /** The (non-interrupting) event sub-process is running from an earlier start: it cannot start again until it ends. */
  busy: boolean;
  kind: 'message' | 'signal' | 'timer';
  meta: ActivityMetadata;
  /** The event sub-process element in its scope (started on delivery). */
  element(): ElementInstance | undefined;
};

/** Durable state of event sub-process timer starts: due time and firings left (cycles). */
export type EventTimerState = Record<string, { at: number; repeat?: number }>;

type Scope = { executionId: string; id: string; getActivityById(id: string): ElementInstance | undefined; running: ElementApi[] };

type ProcessLike = { id: string; executionId?: string; isRunning?: boolean; getActivityById(id: string): ElementInstance | undefined; getPostponed(): ElementApi[] };

function startKind(meta: ActivityMetadata): EventStart['kind'] | undefined {
  if (meta.timers?.length) return 'timer';
  if (meta.messageName) return 'message';
  if (meta.signalName) return 'signal';
  return undefined;
}

/** The running scopes (processes and embedded sub-processes) that contain event sub-processes. */
function scopes(session: RunSession): Scope[] {
  const withEsp = session.compiled.eventSubProcessScopes;
  if (!withEsp.size) return [];
  const result: Scope[] = [];
  for (const process of session.engine.getRunningProcesses() as unknown as ProcessLike[]) {
    if (!withEsp.has(process.id) || !process.executionId) continue;
    result.push({ executionId: process.executionId, id: process.id, getActivityById: (id) => process.getActivityById(id), running: process.getPostponed() });
  }
  for (const api of session.postponed()) {
    const owner = api.owner as ElementInstance & { execution?: { source?: { executions?: Array<{ executionId?: string; getActivityById(id: string): ElementInstance | undefined; getPostponed(): ElementApi[] }> } } };
    if (!owner?.isSubProcess || api.type !== owner.type || !withEsp.has(api.id)) continue;
    const execution = owner.execution?.source?.executions?.find((e) => e.executionId === api.executionId);
    if (!execution) continue;
    result.push({ executionId: api.executionId, id: api.id, getActivityById: (id) => execution.getActivityById(id), running: execution.getPostponed() });
  }
  return result;
}

/**
 * The message, signal and timer starts of event sub-processes whose scope runs and has not been
 * interrupted by an event sub-process. `busy` ones belong to an event sub-process already running
 * (bpmn-elements runs one instance of an element at a time): their timers keep their schedule,
 * but they are not offered as subscriptions.
 */
export function activeEventStarts(session: RunSession): EventStart[] {
  const result: EventStart[] = [];
  if (session.ended) return result;
  for (const scope of scopes(session)) {
    const runningIds = new Set(scope.running.map((api) => api.id));
    const starts = session.compiled.eventStartsByScope.get(scope.id) ?? [];
    const interrupted = starts.some((s) => s.eventSubProcess?.interrupting && runningIds.has(s.eventSubProcess.id));
    if (interrupted) continue;
    for (const meta of starts) {
      const kind = startKind(meta);
      const esp = meta.eventSubProcess;
      if (!kind || !esp) continue;
      result.push({
        busy: runningIds.has(esp.id),
        executionId: `${scope.executionId}/${meta.id}`,
        scopeExecutionId: scope.executionId,
        startEventId: meta.id,
        eventSubProcessId: esp.id,
        interrupting: esp.interrupting,
        kind,
        meta,
        element: () => scope.getActivityById(esp.id),
      });
    }
  }
  return result;
}

/**
 * Starts an event sub-process as if its start event had caught the event: runs the sub-process,
 * then completes its start event (delivers the message or signal, fires the timer).
 * @returns false when the event sub-process could not be started (it is already running)
 */
export function startEventSubProcess(session: RunSession, start: EventStart, variables: Variables | undefined): boolean {
  const element = start.element() as (ElementInstance & { run(content?: unknown): void; isRunning?: boolean }) | undefined;
  if (!element || element.isRunning) return false;
  element.run();
  session.settle();
  const startApi = session.postponed().find((api) => api.id === start.startEventId && subscriptionKind(api));
  if (startApi) {
    session.assignVariables(startApi, variables);
    startApi.signal({ ...variables });
  } else {
    const timer = session.timers.pending.find((ref) => ref.durable && ref.owner?.id === start.startEventId);
    if (timer) session.timers.fire(timer);
  }
  session.settle();
  return true;
}

/**
 * Interrupts the scopes of interrupting event sub-processes that started in this run (by the
 * host or by a thrown error or escalation): everything else open in the scope is discarded.
 * Activities that already ran in the same synchronous step as the throw are not undone.
 */
export function interruptScopes(session: RunSession): void {
  for (let guard = 0; session.startedEventSubProcesses.length && guard < 100; guard++) {
    const started = session.startedEventSubProcesses.shift() as { id: string; executionId: string; scopeExecutionId?: string };
    const starts = session.compiled.eventStartsByScope;
    let interrupting = false;
    for (const list of starts.values()) for (const meta of list) if (meta.eventSubProcess?.id === started.id && meta.eventSubProcess.interrupting) interrupting = true;
    // Error and escalation starts are listed too (compiled with their sub-process).
    if (!interrupting) continue;
    for (const api of session.postponed()) {
      if (api.executionId === started.executionId || api.type !== api.owner?.type) continue;
      if (started.scopeExecutionId && api.content.parent?.executionId !== started.scopeExecutionId) continue;
      if (api.owner.type === 'bpmn:BoundaryEvent') continue;
      api.discard();
    }
    session.settle();
  }
}

/**
 * Due times of the timer starts that can fire now: kept from the stored state while their scope
 * runs, computed from `now` for scopes that started in this run; entries of scopes that ended
 * are dropped. Mutates and returns `state`.
 */
export function reconcileEventTimers(session: RunSession, state: EventTimerState): EventTimerState {
  const next: EventTimerState = {};
  for (const start of activeEventStarts(session)) {
    if (start.kind !== 'timer') continue;
    const kept = state[start.executionId];
    if (kept) {
      next[start.executionId] = kept;
      continue;
    }
    const timer = start.meta.timers?.[0];
    if (!timer) continue;
    const value = String(session.engine.environment.resolveExpression(timer.value, { fields: {}, content: { id: start.startEventId }, properties: {} }) ?? '');
    const expiry = firstExpiry(timer.timerType as TimerType, value, session.options.now, { timeZone: session.options.timeZone });
    next[start.executionId] = { at: expiry.expireAt.getTime(), ...(expiry.repeat !== undefined ? { repeat: expiry.repeat } : {}) };
  }
  return next;
}
