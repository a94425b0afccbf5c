// Instance migration between two versions of a process (W03, W06): a static plan of which
// activity of version A becomes which of version B, and the move of one instance's stored state.
// The move recovers the instance on A, then starts each of its waits afresh on B at the mapped
// activity, under the same execution id, on an engine in which no start event starts anything:
// the result is a state bpmn-elements itself produced for B, never an edited one.
import type { ActivityMetadata } from './activity-metadata';
import type { CompiledDefinition } from './compile-definition';
import { MIGRATION_VARIANT } from './compile-definition';
import type { ElementApi, ElementInstance } from './elements';
import { isMultiInstanceRoot, RunSession } from './run-session';
import { recoverSession } from './run-event';
import { buildSnapshot } from './snapshot';
import { compactEngineState } from './state-codec';
import type { RunOptions, StoredState, EngineSnapshot } from './types';

/** Activity id in version A → activity id in version B. */
export type ActivityMapping = Record<string, string>;

/** Why an activity or an instance cannot move. */
export type MigrationProblemCode =
  | 'unmapped-activity'
  | 'unknown-target'
  | 'type-changed'
  | 'scope-lost'
  | 'join-half-reached'
  | 'multi-instance'
  | 'event-sub-process-running'
  | 'not-migratable'
  | 'state';

/** One reason a migration is refused, for the activity it concerns. */
export type MigrationProblem = { code: MigrationProblemCode; activityId?: string; executionId?: string; message: string };

/** Where an activity of A goes in B (static plan). */
export type PlannedMapping = { from: string; to: string; type: string; byId: boolean };

/** The static comparison of two versions for migration. */
export type MigrationPlan = {
  /** The mapping to use: the given one, completed with equal ids for activities that can wait. */
  mapping: ActivityMapping;
  planned: PlannedMapping[];
  /** Activities of A that can hold a token but cannot move (an instance waiting there is refused). */
  problems: MigrationProblem[];
};

/** What happened to one wait of the instance, for the runtime to re-point its rows. */
export type MigrationMove = {
  kind: 'userTask' | 'job' | 'timer' | 'subscription' | 'call' | 'scope' | 'other';
  /** The execution id in A (rows are keyed by it). */
  executionId: string;
  /** The execution id in B, when it differs (timers of boundary events that were not mapped). */
  newExecutionId?: string;
  fromActivityId: string;
  /** Absent when the wait does not exist in B (a boundary timer or message removed): close the row. */
  toActivityId?: string;
};

/** Result of {@link migrateState}. */
export type MigrationResult =
  | { ok: true; state: StoredState; snapshot: EngineSnapshot; moves: MigrationMove[]; problems: [] }
  | { ok: false; moves: MigrationMove[]; problems: MigrationProblem[] };

// Elements that hold a token while the instance waits.
const WAITING_TYPES = new Set([
  'bpmn:UserTask',
  'bpmn:ManualTask',
  'bpmn:ServiceTask',
  'bpmn:SendTask',
  'bpmn:BusinessRuleTask',
  'bpmn:ReceiveTask',
  'bpmn:CallActivity',
  'bpmn:IntermediateCatchEvent',
  'bpmn:EventBasedGateway',
  'bpmn:SubProcess',
  'bpmn:Transaction',
  'bpmn:AdHocSubProcess',
  'bpmn:BoundaryEvent',
]);
const SCOPES = new Set(['bpmn:SubProcess', 'bpmn:Transaction', 'bpmn:AdHocSubProcess']);
const JOINS = new Set(['bpmn:ParallelGateway', 'bpmn:InclusiveGateway', 'bpmn:ExclusiveGateway', 'bpmn:ComplexGateway']);

function targetOf(defB: CompiledDefinition, mapping: ActivityMapping | undefined, id: string): string | undefined {
  const explicit = mapping?.[id];
  if (explicit !== undefined) return explicit;
  return defB.activities.has(id) ? id : undefined;
}

/** Checks one activity of A against its target in B: exists, same type, same (mapped) scope. */
function checkTarget(defA: CompiledDefinition, defB: CompiledDefinition, mapping: ActivityMapping, meta: ActivityMetadata): MigrationProblem | undefined {
  const to = mapping[meta.id];
  const label = `${meta.type.replace('bpmn:', '')} '${meta.name ?? meta.id}' (${meta.id})`;
  if (to === undefined) return { code: 'unmapped-activity', activityId: meta.id, message: `${label} has no mapping, and the new version has no element with its id` };
  const target = defB.activities.get(to);
  if (!target) return { code: 'unknown-target', activityId: meta.id, message: `${label} is mapped to '${to}', which the new version does not have` };
  if (target.type !== meta.type) return { code: 'type-changed', activityId: meta.id, message: `${label} is mapped to '${to}', a ${target.type.replace('bpmn:', '')}: a waiting token cannot change its kind of activity` };
  const parentA = meta.parentId;
  const parentInProcess = defA.processIds.includes(parentA);
  const expectedParent = parentInProcess ? undefined : (mapping[parentA] ?? (defB.activities.has(parentA) ? parentA : undefined));
  const parentB = target.parentId;
  const inProcessB = defB.processIds.includes(parentB);
  if (!parentInProcess && expectedParent === undefined) {
    return { code: 'scope-lost', activityId: meta.id, message: `${label} sits in sub-process '${parentA}', which has no counterpart in the new version: the token would lose its scope` };
  }
  if ((expectedParent === undefined && !inProcessB) || (expectedParent !== undefined && expectedParent !== parentB)) {
    return {
      code: 'scope-lost',
      activityId: meta.id,
      message: `${label} sits ${defA.processIds.includes(parentA) ? 'in the process' : `in sub-process '${parentA}'`}, but its target '${to}' sits ${inProcessB ? 'in the process' : `in sub-process '${parentB}'`}${expectedParent ? `, not in '${expectedParent}' where '${parentA}' goes` : ''}: the token would leave its scope`,
    };
  }
  if (meta.attachedTo && target.attachedTo !== (mapping[meta.attachedTo] ?? meta.attachedTo)) {
    return { code: 'scope-lost', activityId: meta.id, message: `${label} is mapped to '${to}', which is attached to '${target.attachedTo}', not to where '${meta.attachedTo}' goes` };
  }
  if (meta.loop?.kind === 'multiInstance' && target.loop?.kind !== 'multiInstance') {
    return { code: 'type-changed', activityId: meta.id, message: `${label} is multi-instance, its target '${to}' is not` };
  }
  return undefined;
}

/**
 * Compares two compiled versions: which activity of A goes where in B (the given mapping, then
 * equal ids), and which activities that can hold a waiting token cannot move (no counterpart, a
 * changed type, another scope). Pure; the runtime previews it before migrating any instance.
 */
export function planMigration(defA: CompiledDefinition, defB: CompiledDefinition, mapping: ActivityMapping = {}): MigrationPlan {
  const result: ActivityMapping = {};
  const planned: PlannedMapping[] = [];
  for (const meta of defA.activities.values()) {
    const to = targetOf(defB, mapping, meta.id);
    if (to === undefined) continue;
    result[meta.id] = to;
    planned.push({ from: meta.id, to, type: meta.type, byId: mapping[meta.id] === undefined });
  }
  const problems: MigrationProblem[] = [];
  for (const meta of defA.activities.values()) {
    if (!WAITING_TYPES.has(meta.type) || meta.triggeredByEvent) continue;
    if (meta.type === 'bpmn:BoundaryEvent' && result[meta.id] === undefined) continue; // dropped with its task: not a token
    const problem = checkTarget(defA, defB, result, meta);
    if (problem) problems.push(problem);
  }
  return { mapping: result, planned, problems };
}

const kExec = Symbol.for('exec');

type ScopeRunner = { getActivityById(id: string): ElementInstance | undefined };
type SubProcessInstance = ElementInstance & { execution?: { source?: { executions?: Array<ScopeRunner & { executionId?: string }> } } };

function kindOf(snapshot: EngineSnapshot, executionId: string): MigrationMove['kind'] {
  if (snapshot.userTasks.some((t) => t.executionId === executionId)) return 'userTask';
  if (snapshot.jobs.some((j) => j.executionId === executionId)) return 'job';
  if (snapshot.calls.some((c) => c.executionId === executionId)) return 'call';
  if (snapshot.subscriptions.some((s) => s.executionId === executionId)) return 'subscription';
  return 'other';
}

/** Joining gateways (parallel, inclusive) holding some of their inbound tokens, in any running scope. */
function pendingJoins(session: RunSession): string[] {
  type Holder = { getActivities?(): Array<ElementInstance & { broker: { getQueue(name: string): { messageCount: number } | undefined } }> };
  const holders: Holder[] = [...(session.engine.getRunningProcesses() as unknown as Holder[])];
  for (const api of session.postponed()) {
    const owner = api.owner as SubProcessInstance & { execution?: { source?: { executions?: Holder[] } } };
    if (owner?.isSubProcess && api.type === owner.type) holders.push(...(owner.execution?.source?.executions ?? []));
  }
  const result = new Set<string>();
  for (const holder of holders) {
    for (const activity of holder.getActivities?.() ?? []) {
      if (activity.type !== 'bpmn:ParallelGateway' && activity.type !== 'bpmn:InclusiveGateway') continue;
      if ((activity.broker.getQueue('inbound-q')?.messageCount ?? 0) > 0) result.add(activity.id);
    }
  }
  return [...result];
}

/**
 * Event sub-process timer starts of the process scope, re-keyed to B's process execution (their
 * due times and repeats kept); those without a counterpart in B are reported closed.
 */
function moveEventTimers(
  defA: CompiledDefinition,
  defB: CompiledDefinition,
  mapping: ActivityMapping,
  eventTimers: Record<string, { at: number; repeat?: number }>,
  processExecutionB: string,
  moves: MigrationMove[],
): Record<string, { at: number; repeat?: number }> {
  const result: Record<string, { at: number; repeat?: number }> = {};
  for (const [key, due] of Object.entries(eventTimers)) {
    const startId = key.slice(key.lastIndexOf('/') + 1);
    const esp = defA.activities.get(startId)?.eventSubProcess;
    const inProcess = !!esp && defA.processIds.includes(defA.activities.get(esp.id)?.parentId ?? '');
    const to = mapping[startId] ?? (defB.activities.has(startId) ? startId : undefined);
    if (!to || !inProcess || !defB.activities.get(to)?.eventSubProcess) {
      moves.push({ kind: 'timer', executionId: key, fromActivityId: startId });
      continue;
    }
    const newKey = `${processExecutionB}/${to}`;
    result[newKey] = due;
    moves.push({ kind: 'timer', executionId: key, newExecutionId: newKey, fromActivityId: startId, toActivityId: to });
  }
  return result;
}

/**
 * Moves one instance's stored state from version A to version B along `mapping` (from
 * {@link planMigration}, possibly edited). Every waiting token, its boundary events, timers
 * (with their due times), subscriptions, jobs, calls and user tasks (with their due dates) are
 * started again at the mapped activity of B under the same execution id; variables are kept.
 * Refused, with every reason, when a waiting activity has no valid target, a parallel or
 * inclusive join is half reached, a multi-instance activity or an event sub-process is in
 * progress. Never throws for what a model or state holds.
 */
export function migrateState(defA: CompiledDefinition, defB: CompiledDefinition, state: StoredState, mapping: ActivityMapping, options: RunOptions): MigrationResult {
  const moves: MigrationMove[] = [];
  const problems: MigrationProblem[] = [];
  const sessionA = new RunSession(defA, options);
  let waits: ElementApi[];
  let snapshotA: EngineSnapshot;
  try {
    recoverSession(sessionA, JSON.parse(JSON.stringify(state)) as StoredState);
    waits = sessionA.postponed();
    snapshotA = buildSnapshot(sessionA, { ...state.timers }, { ...state.dueAt }, state.eventTimers ?? {});
  } catch (err) {
    return { ok: false, moves, problems: [{ code: 'state', message: `The stored state cannot be read on the old version: ${(err as Error).message}` }] };
  }

  for (const join of pendingJoins(sessionA)) {
    const meta = defA.activities.get(join);
    problems.push({ code: 'join-half-reached', activityId: join, message: `Gateway '${meta?.name ?? join}' has been reached by some of its incoming paths and waits for the others: migrate after it joins` });
  }

  // The tokens: open activities (not their event definitions, not flows), outer scopes first.
  const tokens = waits.filter((api) => api.type === api.owner?.type && api.type !== 'bpmn:SequenceFlow');
  const timerOwners = new Map(snapshotA.timers.map((t) => [t.activityExecutionId, t]));
  for (const api of tokens) {
    const meta = defA.activities.get(api.id);
    if (!meta) continue;
    if (meta.triggeredByEvent) {
      problems.push({ code: 'event-sub-process-running', activityId: api.id, executionId: api.executionId, message: `Event sub-process '${meta.name ?? api.id}' is in progress: migrate after it ends` });
      continue;
    }
    if (isMultiInstanceRoot(api) || api.content.isMultiInstance) {
      if (isMultiInstanceRoot(api)) problems.push({ code: 'multi-instance', activityId: api.id, executionId: api.executionId, message: `Multi-instance activity '${meta.name ?? api.id}' is in progress: migrate after all its instances end` });
      continue;
    }
    if (JOINS.has(meta.type)) {
      problems.push({ code: 'join-half-reached', activityId: api.id, executionId: api.executionId, message: `Gateway '${meta.name ?? api.id}' has been reached by some of its incoming paths and waits for the others: migrate after it joins` });
      continue;
    }
    if (!WAITING_TYPES.has(meta.type)) {
      problems.push({ code: 'not-migratable', activityId: api.id, executionId: api.executionId, message: `A token is at ${meta.type.replace('bpmn:', '')} '${meta.name ?? api.id}', which is not a wait state` });
      continue;
    }
    const problem = checkTarget(defA, defB, mapping, meta);
    if (problem && !(meta.type === 'bpmn:BoundaryEvent' && problem.code === 'unmapped-activity')) {
      problems.push({ ...problem, executionId: api.executionId });
      continue;
    }
    const timer = timerOwners.get(api.executionId);
    if (meta.type === 'bpmn:BoundaryEvent') {
      if (!mapping[meta.id] && !defB.activities.has(meta.id)) {
        // The boundary event does not exist in B: its timer or subscription closes.
        if (timer) moves.push({ kind: 'timer', executionId: timer.executionId, fromActivityId: meta.id });
        for (const sub of snapshotA.subscriptions.filter((s) => s.executionId === api.executionId)) moves.push({ kind: 'subscription', executionId: sub.executionId, fromActivityId: meta.id });
        continue;
      }
    }
    const to = mapping[meta.id] ?? meta.id;
    moves.push({ kind: SCOPES.has(meta.type) ? 'scope' : timer ? 'timer' : kindOf(snapshotA, api.executionId), executionId: timer?.executionId ?? api.executionId, fromActivityId: meta.id, toActivityId: to });
  }
  if (problems.length) return { ok: false, moves, problems };

  // Start every wait again on B, outer scopes first, under its execution id.
  const sessionB = new RunSession(defB, options);
  try {
    const engine = sessionB.build(MIGRATION_VARIANT, sessionA.variables());
    engine.run();
    sessionB.settle();
    const processB = engine.getProcesses().find((p) => defB.executableProcessIds.includes(p.id)) as unknown as ScopeRunner | undefined;
    if (!processB) throw new Error('The new version has no executable process');
    const scopes = new Map<string, ScopeRunner>();
    const byExecution = new Map(tokens.map((api) => [api.executionId, api]));
    const scopeOf = (api: ElementApi): ScopeRunner | undefined => {
      const parentExecution = api.content.parent?.executionId as string | undefined;
      const parent = parentExecution ? byExecution.get(parentExecution) : undefined;
      return parent && SCOPES.has(parent.type) ? scopes.get(parentExecution as string) : processB;
    };
    // Boundary events start with their task: give them their old execution ids first.
    for (const api of tokens) {
      const meta = defA.activities.get(api.id);
      if (meta?.type !== 'bpmn:BoundaryEvent') continue;
      const to = mapping[api.id] ?? (defB.activities.has(api.id) ? api.id : undefined);
      const element = to ? scopeOf(api)?.getActivityById(to) : undefined;
      if (element) (element as unknown as Record<symbol, Map<string, string>>)[kExec].set('initExecutionId', api.executionId);
    }
    for (const api of tokens) {
      const meta = defA.activities.get(api.id);
      if (!meta || meta.type === 'bpmn:BoundaryEvent') continue;
      const to = mapping[api.id] ?? api.id;
      const element = scopeOf(api)?.getActivityById(to) as (ElementInstance & { run(content?: unknown): void }) | undefined;
      if (!element) throw new Error(`'${to}' cannot be found in its scope in the new version`);
      (element as unknown as Record<symbol, Map<string, string>>)[kExec].set('initExecutionId', api.executionId);
      element.run();
      sessionB.settle();
      if (SCOPES.has(meta.type)) {
        const execution = (element as SubProcessInstance).execution?.source?.executions?.find((e) => e.executionId === api.executionId);
        if (execution) scopes.set(api.executionId, execution);
      }
    }
    if (sessionB.failure || sessionB.budgetFailure) throw new Error((sessionB.failure ?? sessionB.budgetFailure)?.message);

    // Timers keep their due times where the timer (by execution id) or its event (by mapping) survived.
    const dueByTimer = { ...state.timers };
    const dueByOwner = new Map(snapshotA.timers.filter((t) => !t.eventSubProcess).map((t) => [mapping[t.activityId] ?? t.activityId, t]));
    const previewTimers: Record<string, number> = {};
    for (const ref of sessionB.timers.pending) {
      if (!ref.durable || !ref.owner) continue;
      const executionId = ref.owner.executionId as string;
      if (dueByTimer[executionId] !== undefined) previewTimers[executionId] = dueByTimer[executionId];
      else {
        const old = dueByOwner.get(ref.owner.id as string);
        if (old && old.timerType === ref.owner.timerType) {
          previewTimers[executionId] = old.expireAt.getTime();
          const move = moves.find((m) => m.kind === 'timer' && m.executionId === old.executionId);
          if (move) move.newExecutionId = executionId;
        }
      }
    }
    const processExecutionB = (processB as unknown as { executionId?: string }).executionId ?? '';
    const eventTimers = moveEventTimers(defA, defB, mapping, state.eventTimers ?? {}, processExecutionB, moves);
    for (const sub of snapshotA.subscriptions.filter((s) => s.eventSubProcess)) {
      const to = mapping[sub.activityId] ?? (defB.activities.get(sub.activityId)?.eventSubProcess ? sub.activityId : undefined);
      moves.push({ kind: 'subscription', executionId: sub.executionId, fromActivityId: sub.activityId, ...(to ? { toActivityId: to, newExecutionId: `${processExecutionB}/${to}` } : {}) });
    }
    const dueAt = { ...state.dueAt };
    const snapshot = buildSnapshot(sessionB, previewTimers, dueAt, eventTimers);
    const timers: Record<string, number> = {};
    for (const timer of snapshot.timers) if (!timer.eventSubProcess) timers[timer.executionId] = timer.expireAt.getTime();
    // Timers of A whose event has no timer in B (or became another timer) close.
    const liveTimers = new Set(snapshot.timers.map((t) => t.executionId));
    for (const move of moves) if (move.kind === 'timer' && move.toActivityId && !liveTimers.has(move.newExecutionId ?? move.executionId)) delete move.toActivityId;
    const start = state.start === 'none' || defB.startEvents.some((s) => s.id === state.start) ? state.start : 'none';
    const migrated: StoredState = {
      v: 1,
      start,
      timers,
      dueAt,
      engine: compactEngineState(engine.getState()),
      ...(Object.keys(eventTimers).length ? { eventTimers } : {}),
    };
    return { ok: true, state: migrated, snapshot, moves, problems: [] };
  } catch (err) {
    return { ok: false, moves, problems: [{ code: 'state', message: `The waits could not be started on the new version: ${(err as Error).message}` }] };
  }
}
