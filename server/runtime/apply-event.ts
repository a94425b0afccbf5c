import type { Knex } from 'knex';
import type { EngineEvent, HistoryEntry, RunResult, WaitSnapshot, WaitingJob, WaitingTimer, WaitingUserTask } from '../engine';
import { ConflictError } from '../errors/app-error';
import type { CommandContext } from '../commands/run-command';
import { recordActivityHistory } from '../repos/activity-history.repo';
import { insertIncident, type Incident } from '../repos/incidents.repo';
import { cancelJobs, insertJob, updateJob, type Job, type JobKind } from '../repos/jobs.repo';
import { findLiveWaits, type LiveWaits } from '../repos/instance-detail.repo';
import { updateInstance, type InstancePatch, type InstanceStatus, type LockedInstance } from '../repos/process-instances.repo';
import { deleteSubscriptions, insertSubscription, type EventSubscription } from '../repos/subscriptions.repo';
import { cancelTasks, insertUserTask, type UserTask } from '../repos/user-tasks.repo';
import { presentTaskEvent } from '../presenters/task.presenter';
import { notifyParent, propagateErrorToParent, reconcileCalls } from './call-activities';
import type { EngineRuntime } from './engine-runtime';
import { classifyServiceTask } from './service-task-target';

/** A new instance has no rows to reconcile. */
const NO_WAITS: LiveWaits = { openTasks: [], liveJobs: [], subscriptions: [] };

/** What applying one event did, for the command that asked for it. */
export type AppliedEvent = {
  result: RunResult;
  status: InstanceStatus;
  createdTasks: UserTask[];
  incident?: Incident;
};

export type ApplyOptions = {
  /** Who caused the event, recorded with the activities it ended (user name or system name). */
  actor: string | null;
  /** The job whose result or timer this is: an incident names it. */
  jobId?: string;
  /** Refuse the event (409) when the engine finds nothing to apply it to, instead of ignoring it. */
  mustApply?: boolean;
  /** The instance was created in this transaction: it has no rows to reconcile yet. */
  fresh?: boolean;
};

/**
 * The heart of the runtime: applies one event to one locked instance and persists everything the
 * engine returns in the caller's transaction — state, variables, status, user tasks, jobs,
 * timers, subscriptions, history, incidents and their audit events. The snapshot is complete, so
 * rows are reconciled against it by execution id: a re-emitted wait never makes a second task or job.
 * A failed run keeps the stored state and opens an incident holding the event, so that a retry
 * applies the same event again.
 * @throws ConflictError when `mustApply` and the engine found nothing to apply the event to.
 */
export async function applyEvent(
  ctx: CommandContext,
  engine: EngineRuntime,
  instance: LockedInstance,
  event: EngineEvent,
  options: ApplyOptions,
): Promise<AppliedEvent> {
  const result = await engine.run(ctx.trx, instance.versionId, instance.engineState, event, ctx.now);
  return persistRun(ctx, engine, instance, event, result, options);
}

/**
 * What the instance row becomes after a run that applied (not for failed runs, which keep the
 * stored state and open an incident).
 */
export function instancePatchAfter(result: RunResult, current: { status: InstanceStatus; variables: Record<string, unknown> }, now: Date): InstancePatch & { status: InstanceStatus; variables: Record<string, unknown> } {
  const ended = result.outcome.status === 'completed' || result.outcome.status === 'cancelled';
  const status: InstanceStatus = ended ? (result.outcome.status as InstanceStatus) : current.status === 'incident' ? 'incident' : 'running';
  return {
    status,
    variables: result.snapshot?.variables ?? current.variables,
    engineState: result.state === undefined ? undefined : result.state,
    ...(ended ? { endedAt: now, endReason: result.outcome.status === 'cancelled' ? (result.outcome.reason ?? 'cancelled') : 'completed' } : {}),
  };
}

/**
 * Persists a run of the engine on `instance` (see applyEvent). `rowWritten`: the instance row
 * already holds what {@link instancePatchAfter} gives (a start inserts it so), no update needed.
 */
export async function persistRun(
  ctx: CommandContext,
  engine: EngineRuntime,
  instance: LockedInstance,
  event: EngineEvent,
  result: RunResult,
  options: ApplyOptions & { rowWritten?: boolean },
): Promise<AppliedEvent> {
  if (result.outcome.status === 'failed') {
    const failure = result.outcome;
    // A child instance's uncaught BPMN error belongs to its caller (call activity), not to an incident here.
    if (failure.errorCode && event.type !== 'cancel') {
      const propagated = await propagateErrorToParent(ctx, instance, { errorCode: failure.errorCode, message: failure.message }, (reason) =>
        applyEvent(ctx, engine, instance, { type: 'cancel', reason }, { actor: options.actor }),
      );
      if (propagated) return { result, status: 'cancelled', createdTasks: [] };
    }
    const incident = await openIncident(ctx, instance, result, event, options);
    return { result, status: 'incident', createdTasks: [], incident };
  }
  if (!result.applied) {
    if (options.mustApply) throw new ConflictError(result.reason ?? 'The instance does not wait for this');
    return { result, status: instance.status, createdTasks: [] };
  }

  const ended = result.outcome.status === 'completed' || result.outcome.status === 'cancelled';
  const patch = instancePatchAfter(result, instance, ctx.now);
  const status = patch.status;
  const snapshot: WaitSnapshot = result.snapshot ?? { variables: instance.variables, userTasks: [], jobs: [], timers: [], subscriptions: [], other: [] };
  if (!options.rowWritten) await updateInstance(ctx.trx, instance.id, patch, ctx.now);
  const waits = ended ? { userTasks: [], jobs: [], timers: [], subscriptions: [] } : snapshot;
  const createdTasks = await reconcileAgainst(ctx, instance, waits, options.fresh ? NO_WAITS : await findLiveWaits(ctx.trx, instance.id));
  await recordActivityHistory(ctx.trx, instance.id, result.history.map(toHistory), options.actor);
  await scheduleThrownEvents(ctx, instance, result);
  await reconcileCalls(ctx, engine, instance, ended ? [] : (snapshot.calls ?? []), result);
  await notifyParent(ctx, instance, result, snapshot.variables);

  if (ended) {
    ctx.emit({
      type: result.outcome.status === 'completed' ? 'processInstance.completed' : 'processInstance.cancelled',
      entity: { type: 'ProcessInstance', id: instance.id },
      before: { status: instance.status },
      after: { status, key: instance.key, businessKey: instance.businessKey },
      reason: result.outcome.status === 'cancelled' ? result.outcome.reason : undefined,
      audience: { rooms: [`processInstance:${instance.id}`, 'instances'] },
      broadcastAs: 'instance.updated',
      payload: { id: instance.id, key: instance.key, status },
    });
  } else {
    ctx.emit({
      type: 'processInstance.advanced',
      entity: { type: 'ProcessInstance', id: instance.id },
      after: { event: event.type, waitingAt: [...snapshot.userTasks, ...snapshot.jobs, ...snapshot.timers, ...snapshot.subscriptions, ...(snapshot.calls ?? [])].map((w) => w.activityId) },
      audit: false,
      audience: { rooms: [`processInstance:${instance.id}`, 'instances'] },
      broadcastAs: 'instance.updated',
      payload: { id: instance.id, key: instance.key, status },
    });
  }
  return { result, status, createdTasks };
}

/**
 * Brings an instance's task, job, timer and subscription rows in line with a complete snapshot
 * produced outside of an event (instance migration): inserts what is new, closes what is gone.
 * Returns the tasks it opened.
 */
export async function reconcileWaits(ctx: CommandContext, instance: LockedInstance, snapshot: WaitSnapshot): Promise<UserTask[]> {
  return reconcileAgainst(ctx, instance, snapshot, await findLiveWaits(ctx.trx, instance.id));
}

type Waits = Pick<WaitSnapshot, 'userTasks' | 'jobs' | 'timers' | 'subscriptions'>;

/** Inserts the waits that have no row yet and closes the rows no longer waited for; returns the tasks it opened. */
async function reconcileAgainst(ctx: CommandContext, instance: LockedInstance, waits: Waits, existing: LiveWaits): Promise<UserTask[]> {
  const created = await reconcileUserTasks(ctx, instance, waits.userTasks, existing.openTasks);
  await reconcileJobs(ctx, instance, waits.jobs, waits.timers, existing.liveJobs);
  await reconcileSubscriptions(ctx.trx, instance, waits.subscriptions, ctx.now, existing.subscriptions);
  return created;
}

async function openIncident(ctx: CommandContext, instance: LockedInstance, result: RunResult, event: EngineEvent, options: ApplyOptions): Promise<Incident> {
  const failure = result.outcome as Extract<RunResult['outcome'], { status: 'failed' }>;
  const incident = await insertIncident(ctx.trx, {
    instanceId: instance.id,
    jobId: options.jobId ?? null,
    activityId: failure.elementId ?? null,
    elementId: failure.elementId ?? null,
    kind: failure.kind === 'model' ? (failure.errorCode ? 'unhandledBpmnError' : 'modelError') : `engine.${failure.kind}`,
    message: failure.message,
    payload: { event },
    now: ctx.now,
  });
  await updateInstance(ctx.trx, instance.id, { status: 'incident' }, ctx.now);
  ctx.emit({
    type: 'incident.created',
    entity: { type: 'Incident', id: incident.id },
    after: { instanceId: instance.id, kind: incident.kind, message: incident.message, elementId: incident.elementId, event: event.type },
    context: { instanceId: instance.id, key: instance.key },
    audience: { roles: ['supervisor', 'process_owner', 'admin'], rooms: [`processInstance:${instance.id}`] },
    payload: { id: incident.id, instanceId: instance.id, key: instance.key, kind: incident.kind, message: incident.message, elementId: incident.elementId },
  });
  return incident;
}

async function reconcileUserTasks(ctx: CommandContext, instance: LockedInstance, waiting: WaitingUserTask[], open: UserTask[]): Promise<UserTask[]> {
  const openByExecution = new Map(open.map((task) => [task.executionId, task]));
  const waitingIds = new Set(waiting.map((w) => w.executionId));
  const created: UserTask[] = [];
  for (const wait of waiting) {
    if (openByExecution.has(wait.executionId)) continue;
    const task = await insertUserTask(ctx.trx, {
      instanceId: instance.id,
      executionId: wait.executionId,
      activityId: wait.activityId,
      name: wait.name ?? null,
      candidateGroups: wait.candidateGroups,
      candidateUsers: wait.candidateUsers,
      assignee: wait.assignee ?? null,
      dueAt: wait.dueAt ? new Date(wait.dueAt) : null,
      formRef: wait.formRef ?? wait.formKey ?? null,
      signatureMeaning: wait.signature?.required || wait.signature?.meaning ? (wait.signature.meaning ?? null) : null,
      verifierRequired: Boolean(wait.signature?.verifierRequired),
      priority: wait.priority ?? 50,
      now: ctx.now,
    });
    if (!task) continue;
    created.push(task);
    ctx.emit({
      type: 'task.created',
      entity: { type: 'UserTask', id: task.id },
      after: { instanceId: instance.id, activityId: task.activityId, name: task.name, candidateGroups: task.candidateGroups, candidateUsers: task.candidateUsers, assignee: task.assignee, dueAt: task.dueAt?.toISOString() ?? null },
      context: { instanceId: instance.id, key: instance.key },
      audience: taskAudience(task),
      payload: presentTaskEvent(task, instance),
    });
  }
  const gone = open.filter((task) => !waitingIds.has(task.executionId));
  for (const task of await cancelTasks(ctx.trx, gone.map((t) => t.id), ctx.now)) {
    ctx.emit({
      type: 'task.cancelled',
      entity: { type: 'UserTask', id: task.id },
      before: { status: 'open' },
      after: { status: 'cancelled' },
      context: { instanceId: instance.id, key: instance.key },
      audience: taskAudience(task),
      payload: presentTaskEvent(task, instance),
    });
  }
  return created;
}

/** Who sees a task's changes live: its candidate roles, candidate users and assignee. */
export function taskAudience(task: Pick<UserTask, 'candidateGroups' | 'candidateUsers' | 'assignee' | 'instanceId'>) {
  const usernames = [...task.candidateUsers, ...(task.assignee ? [task.assignee] : [])];
  return { roles: task.candidateGroups, rooms: [...usernames.map((u) => `username:${u}`), `processInstance:${task.instanceId}`] };
}

async function reconcileJobs(ctx: CommandContext, instance: LockedInstance, jobs: WaitingJob[], timers: WaitingTimer[], live: Job[]): Promise<void> {
  const liveByKey = new Map<string, Job>(live.map((job) => [`${job.kind === 'timer' ? 'timer' : 'work'}:${job.executionId}`, job]));
  const keep = new Set<string>();
  let scheduled = false;

  for (const wait of jobs) {
    const key = `work:${wait.executionId}`;
    keep.add(key);
    if (liveByKey.has(key)) continue;
    const target = await classifyServiceTask(ctx.trx, wait);
    const job = await insertJob(ctx.trx, {
      kind: target.kind,
      instanceId: instance.id,
      executionId: wait.executionId,
      activityId: wait.activityId,
      dueAt: ctx.now,
      payload: { ...target.payload, activityName: wait.name ?? null, activityType: wait.activityType, input: wait.input, key: instance.key, businessKey: instance.businessKey },
      maxAttempts: wait.retries ?? 3,
      now: ctx.now,
    });
    if (job) {
      scheduled = true;
      ctx.emit({
        type: target.kind === 'external' ? 'externalTask.created' : 'job.created',
        entity: { type: 'Job', id: job.id },
        after: { instanceId: instance.id, activityId: wait.activityId, kind: job.kind, ...target.payload },
        context: { instanceId: instance.id, key: instance.key },
      });
    }
  }
  for (const timer of timers) {
    const key = `timer:${timer.executionId}`;
    keep.add(key);
    const existing = liveByKey.get(key);
    if (existing) {
      // A cycle re-arms its timer under the same execution id with the next due time.
      if (existing.dueAt.getTime() !== new Date(timer.expireAt).getTime() && existing.status === 'pending') {
        await updateJob(ctx.trx, existing.id, { dueAt: new Date(timer.expireAt) }, ctx.now);
        scheduled = true;
      }
      continue;
    }
    const job = await insertJob(ctx.trx, {
      kind: 'timer',
      instanceId: instance.id,
      executionId: timer.executionId,
      activityId: timer.activityId,
      dueAt: new Date(timer.expireAt),
      payload: { timerType: timer.timerType, value: timer.value ?? null, repeat: timer.repeat ?? null, attachedTo: timer.attachedTo ?? null, interrupting: timer.interrupting ?? null },
      maxAttempts: 3,
      now: ctx.now,
    });
    if (job) {
      scheduled = true;
      ctx.emit({
        type: 'timer.scheduled',
        entity: { type: 'Job', id: job.id },
        after: { instanceId: instance.id, activityId: timer.activityId, dueAt: job.dueAt.toISOString(), value: timer.value ?? null },
        context: { instanceId: instance.id, key: instance.key },
        audit: false,
      });
    }
  }
  const gone = live.filter((job) => !keep.has(`${job.kind === 'timer' ? 'timer' : 'work'}:${job.executionId}`) && (job.kind === 'timer' || job.kind === 'service' || job.kind === 'external'));
  await cancelJobs(ctx.trx, gone.map((job) => job.id), ctx.now);
  if (scheduled) ctx.afterCommit(() => ctx.wakeJobs?.());
}

async function reconcileSubscriptions(trx: Knex.Transaction, instance: LockedInstance, waiting: WaitSnapshot['subscriptions'], now: Date, existing: EventSubscription[]): Promise<void> {
  if (waiting.length === 0 && existing.length === 0) return;
  const key = (s: { executionId: string; kind: string; name: string }) => `${s.kind}:${s.name}:${s.executionId}`;
  const wanted = new Set(waiting.map(key));
  const have = new Set(existing.map(key));
  for (const sub of waiting) {
    if (have.has(key(sub))) continue;
    await insertSubscription(trx, {
      instanceId: instance.id,
      kind: sub.kind,
      name: sub.name,
      correlationKey: sub.correlationKey ?? null,
      executionId: sub.executionId,
      activityId: sub.activityId,
      now,
    });
  }
  await deleteSubscriptions(trx, existing.filter((sub) => !wanted.has(key(sub))).map((sub) => sub.id));
}

/**
 * Signals and messages the instance threw reach other instances each in a transaction of their
 * own: a job row, committed with this event, makes sure of it even if this node dies now.
 */
async function scheduleThrownEvents(ctx: CommandContext, instance: LockedInstance, result: RunResult): Promise<void> {
  for (const thrown of result.thrown) {
    await insertJob(ctx.trx, {
      kind: thrown.kind as JobKind,
      instanceId: null,
      executionId: null,
      activityId: thrown.activityId,
      dueAt: ctx.now,
      payload: { name: thrown.name, variables: thrown.variables ?? {}, sourceInstanceId: instance.id, businessKey: instance.businessKey },
      now: ctx.now,
    });
    ctx.afterCommit(() => ctx.wakeJobs?.());
  }
}

function toHistory(entry: HistoryEntry) {
  return { event: entry.event, executionId: entry.executionId, activityId: entry.activityId, activityType: entry.activityType, name: entry.name, at: new Date(entry.at) };
}
