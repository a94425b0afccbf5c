import type { EngineEvent, RunResult, WaitingCall } from '../engine';
import { ConflictError } from '../errors/app-error';
import type { CommandContext } from '../commands/run-command';
import { cancelInstance } from '../commands/instances/cancel-instance';
import { startInstance } from '../commands/instances/start-instance';
import { systemActor } from '../auth/actor';
import { withLease } from '../jobs/handlers';
import type { JobDeps } from '../jobs/job-context';
import { insertIncident } from '../repos/incidents.repo';
import { insertJob, updateJob, type Job } from '../repos/jobs.repo';
import { findChildInstances, lockInstance, updateInstance, type LockedInstance } from '../repos/process-instances.repo';
import { findProcessVersion, findReleasedVersion, type ProcessVersionWithContent } from '../repos/process-versions.repo';
import { applyEvent } from './apply-event';
import type { EngineRuntime } from './engine-runtime';

// Call activities across instances. Downwards (start a child, cancel a child) happens in the
// parent's transaction, parent row locked first, child second. Upwards (the child ended, failed
// with a BPMN error, escalated) goes through a `call` job row committed with the child's event
// and applied to the parent in a transaction of its own: locks are always taken parent before
// child, so a parent and its child never deadlock, and a node dying in between loses nothing.
//
// A call whose called process has no version the binding allows is refused with the request
// that reached it (409: the user sees why, nothing is stored). Reached by a timer, a job or
// another instance, there is nobody to refuse: the parent keeps waiting at the call, held by a
// failed `call` job with a `jobFailed` incident naming the process; retrying the incident (after
// releasing the called process) runs the job, which starts the child then — or fails once more
// with a new incident. Never a silent retry loop.

/** Job kind that carries a child's end (or escalation) to its parent instance. */
export const CALL_JOB_KIND = 'call' as const;

const ENDED = new Set(['completed', 'cancelled']);
const callActor = systemActor('call-activity');

/**
 * After an event of `instance` was applied: starts a child instance for every waiting call that has
 * none yet, and cancels the running children whose call no longer waits (a boundary event, an
 * event sub-process or a terminate end event interrupted it, or the parent itself ended).
 * @throws ConflictError when the called process has no version the binding allows (the whole
 *   event is refused: nothing of it is stored).
 */
export async function reconcileCalls(ctx: CommandContext, engine: EngineRuntime, instance: LockedInstance, calls: WaitingCall[], result: RunResult): Promise<void> {
  if (calls.length === 0 && !result.closedCalls?.length) return;
  const children = await findChildInstances(ctx.trx, instance.id);
  const byExecution = new Map(children.map((child) => [child.parentExecutionId, child]));
  const waiting = new Set(calls.map((call) => call.executionId));
  for (const child of children) {
    if (ENDED.has(child.status) || (child.parentExecutionId && waiting.has(child.parentExecutionId))) continue;
    await cancelInstance(ctx, engine, child.id, `The calling instance ${instance.id} no longer waits for it (${instance.key}, ${child.parentExecutionId ?? 'call'})`);
  }
  for (const call of calls) {
    if (byExecution.has(call.executionId)) continue;
    if (await heldCallJob(ctx, instance.id, call.executionId)) continue; // its incident's retry starts it
    let version: ProcessVersionWithContent;
    try {
      version = await resolveCalledVersion(ctx, instance, call);
    } catch (error) {
      if (!(error instanceof ConflictError) || ctx.actor.kind !== 'system') throw error;
      const held = await insertJob(ctx.trx, {
        kind: CALL_JOB_KIND,
        instanceId: instance.id,
        executionId: heldExecutionId(call.executionId),
        activityId: call.activityId,
        dueAt: ctx.now,
        payload: { start: call },
        maxAttempts: 1,
        now: ctx.now,
      });
      if (held) await holdCall(ctx, instance, held, call, error.message);
      continue;
    }
    await startChild(ctx, engine, instance, call, version);
  }
}

/** The execution id of the job that holds a call whose child could not be started. */
const heldExecutionId = (callExecutionId: string) => `${callExecutionId}#start`;

async function heldCallJob(ctx: CommandContext, instanceId: string, callExecutionId: string): Promise<boolean> {
  const row = await ctx.trx('jobs').where({ instance_id: instanceId, kind: CALL_JOB_KIND, execution_id: heldExecutionId(callExecutionId) }).whereIn('status', ['pending', 'running', 'failed']).first('id');
  return Boolean(row);
}

async function startChild(ctx: CommandContext, engine: EngineRuntime, instance: LockedInstance, call: WaitingCall, version: ProcessVersionWithContent): Promise<void> {
  const started = await startInstance(ctx, engine, version, {
    businessKey: call.businessKey ?? instance.businessKey,
    variables: call.variables,
    parent: { instanceId: instance.id, executionId: call.executionId },
  });
  ctx.emit({
    type: 'callActivity.started',
    entity: { type: 'ProcessInstance', id: instance.id },
    after: { activityId: call.activityId, executionId: call.executionId, childInstanceId: started.instanceId, calledElement: call.calledElement, version: version.version, versionId: version.id, binding: call.binding },
    context: { key: instance.key },
    audit: false,
  });
}

/**
 * The call cannot start its child now: its job fails (no automatic retry) and an incident of the
 * parent says why and what to do; the parent keeps waiting at the call.
 */
async function holdCall(ctx: CommandContext, instance: LockedInstance, job: Job, call: WaitingCall, reason: string): Promise<void> {
  const message = `${reason}. Release a version of '${call.calledElement}' that the call allows, then retry this incident.`;
  await updateJob(ctx.trx, job.id, { status: 'failed', finishedAt: ctx.now, lastError: reason, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
  const incident = await insertIncident(ctx.trx, {
    instanceId: instance.id,
    jobId: job.id,
    activityId: call.activityId,
    elementId: call.activityId,
    kind: 'jobFailed',
    message,
    payload: { jobId: job.id, calledElement: call.calledElement },
    now: ctx.now,
  });
  await updateInstance(ctx.trx, instance.id, { status: 'incident' }, ctx.now);
  ctx.emit({
    type: 'incident.created',
    entity: { type: 'Incident', id: incident.id },
    after: { instanceId: instance.id, kind: incident.kind, message, elementId: call.activityId, calledElement: call.calledElement },
    context: { instanceId: instance.id, key: instance.key },
    audience: { roles: ['supervisor', 'process_owner', 'admin'], rooms: [`processInstance:${instance.id}`] },
    payload: { id: incident.id, instanceId: instance.id, key: instance.key, kind: incident.kind, message, elementId: call.activityId },
  });
}

/**
 * A held call's job runs again (its incident was retried): starts the child if the parent still
 * waits at the call and the called process now has a version the binding allows; fails with a new
 * incident if it still has none.
 */
async function startHeldCall(ctx: CommandContext, engine: EngineRuntime, parent: LockedInstance, job: Job, call: WaitingCall): Promise<void> {
  // An event that applies to nothing gives the parent's current waits without changing it.
  const probe = await engine.run(ctx.trx, parent.versionId, parent.engineState, { type: 'timerDue', executionId: heldExecutionId(call.executionId) }, ctx.now);
  const current = probe.snapshot?.calls?.find((c) => c.executionId === call.executionId);
  if (!current) return; // the call was interrupted meanwhile: nothing to start
  if ((await findChildInstances(ctx.trx, parent.id)).some((child) => child.parentExecutionId === call.executionId)) return;
  let version: ProcessVersionWithContent;
  try {
    version = await resolveCalledVersion(ctx, parent, current);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    await holdCall(ctx, parent, job, current, error.message);
    return;
  }
  await startChild(ctx, engine, parent, current, version);
  ctx.emit({
    type: 'callActivity.resumed',
    entity: { type: 'ProcessInstance', id: parent.id },
    after: { activityId: call.activityId, executionId: call.executionId, calledElement: call.calledElement, version: version.version, jobId: job.id },
    context: { key: parent.key },
  });
}

/**
 * The version a call starts: `latest` the released one; `deployment` the one that was released
 * when the caller's version was released; `version` that number; `versionTag` the version whose
 * process carries that camunda:versionTag. Only versions that were released (released or
 * superseded) are ever started; drafts and retired versions never are.
 */
async function resolveCalledVersion(ctx: CommandContext, instance: LockedInstance, call: WaitingCall): Promise<ProcessVersionWithContent> {
  const key = call.calledElement;
  const refuse = (why: string) => new ConflictError(`Call activity '${call.name ?? call.activityId}' calls process '${key}', ${why}`);
  const startable = () => ctx.trx('process_versions').where({ key }).whereIn('status', ['released', 'superseded']);
  if (call.binding === 'latest') {
    const released = await findReleasedVersion(ctx.trx, key);
    if (!released) throw refuse('which has no released version');
    return released;
  }
  let id: string | undefined;
  if (call.binding === 'version') {
    id = (await startable().andWhere({ version: call.version }).first('id'))?.id;
    if (!id) throw refuse(`whose version ${call.version} was never released or is retired`);
  } else if (call.binding === 'deployment') {
    const own = await ctx.trx('process_versions').where({ id: instance.versionId }).first('released_at');
    const at = own?.released_at ?? ctx.now;
    id = (await startable().andWhere('released_at', '<=', at).orderBy('released_at', 'desc').first('id'))?.id;
    if (!id) throw refuse('which had no released version when the calling version was released');
  } else {
    // The tag lives in the model (camunda:versionTag on the process), not in a column: versions
    // of a key are few, and this runs once per call.
    const rows = (await startable().orderBy('version', 'desc').select('id', 'xml')) as Array<{ id: string; xml: string }>;
    id = rows.find((row) => versionTagOf(row.xml) === call.versionTag)?.id;
    if (!id) throw refuse(`which has no released version tagged '${call.versionTag}'`);
  }
  return (await findProcessVersion(ctx.trx, id))!;
}

function versionTagOf(xml: string): string | undefined {
  const process = /<(?:[\w-]+:)?process\b[^>]*\bisExecutable="true"[^>]*>/.exec(xml)?.[0] ?? /<(?:[\w-]+:)?process\b[^>]*>/.exec(xml)?.[0];
  return process ? /\b[\w-]+:versionTag="([^"]*)"/.exec(process)?.[1] : undefined;
}

/**
 * After an event of a child instance: its completion and its uncaught escalations reach the
 * parent as `call` jobs (applied in the parent's own transaction).
 */
export async function notifyParent(ctx: CommandContext, instance: LockedInstance, result: RunResult, variables: Record<string, unknown>): Promise<void> {
  if (!instance.parentInstanceId || !instance.parentExecutionId) return;
  if (result.outcome.status === 'completed') {
    await scheduleCallEvent(ctx, instance, instance.parentExecutionId, { type: 'callCompleted', executionId: instance.parentExecutionId, variables });
  }
  for (const escalation of result.escalations ?? []) {
    await scheduleCallEvent(ctx, instance, `${instance.parentExecutionId}#escalation:${escalation.executionId}`, {
      type: 'callEscalated',
      executionId: instance.parentExecutionId,
      escalationCode: escalation.escalationCode,
      variables,
    });
  }
}

/**
 * A child's run failed with a BPMN error nothing in it caught: the child ends (cancelled, no
 * incident) and the error is handed to the parent's call activity, where error boundary events
 * catch it; uncaught, the parent fails with it. Returns false when the instance is no child.
 */
export async function propagateErrorToParent(
  ctx: CommandContext,
  instance: LockedInstance,
  failure: { errorCode: string; message: string },
  cancelChild: (reason: string) => Promise<unknown>,
): Promise<boolean> {
  if (!instance.parentInstanceId || !instance.parentExecutionId) return false;
  const reason = `BPMN error ${failure.errorCode} propagated to the caller`;
  if (instance.engineState === undefined || instance.engineState === null) {
    // It failed while starting: nothing waits yet, there is no state to cancel.
    await updateInstance(ctx.trx, instance.id, { status: 'cancelled', endedAt: ctx.now, endReason: reason }, ctx.now);
    ctx.emit({
      type: 'processInstance.cancelled',
      entity: { type: 'ProcessInstance', id: instance.id },
      before: { status: instance.status },
      after: { status: 'cancelled', key: instance.key, businessKey: instance.businessKey },
      reason,
      audience: { rooms: [`processInstance:${instance.id}`, 'instances'] },
      broadcastAs: 'instance.updated',
      payload: { id: instance.id, key: instance.key, status: 'cancelled' },
    });
  } else {
    await cancelChild(reason);
  }
  await scheduleCallEvent(ctx, instance, instance.parentExecutionId, {
    type: 'callFailedWithBpmnError',
    executionId: instance.parentExecutionId,
    errorCode: failure.errorCode,
    message: failure.message,
  });
  return true;
}

async function scheduleCallEvent(ctx: CommandContext, child: LockedInstance, jobExecutionId: string, event: EngineEvent): Promise<void> {
  await insertJob(ctx.trx, {
    kind: CALL_JOB_KIND,
    instanceId: child.parentInstanceId,
    executionId: jobExecutionId,
    activityId: null,
    dueAt: ctx.now,
    payload: { event, childInstanceId: child.id, childKey: child.key },
    now: ctx.now,
  });
  ctx.afterCommit(() => ctx.wakeJobs?.());
}

/**
 * The `call` job handler: applies a child's end or escalation to its parent under the job's lease,
 * in one transaction (the parent row locked). A parent that has ended meanwhile ignores it; a
 * parent run that fails opens an incident holding the event, so that a retry applies it again.
 * A held call's job (see holdCall) starts the child instead.
 */
export async function deliverCallJob(deps: JobDeps, job: Job): Promise<void> {
  await withLease(deps, job, callActor, async (ctx, current) => {
    await updateJob(ctx.trx, current.id, { status: 'done', finishedAt: ctx.now, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
    const parent = await lockInstance(ctx.trx, current.instanceId!);
    if (!parent || ENDED.has(parent.status)) return;
    const held = current.payload as { start?: WaitingCall };
    if (held.start) {
      await startHeldCall(ctx, deps.engine, parent, current, held.start);
      return;
    }
    const payload = current.payload as { event: EngineEvent; childInstanceId: string };
    await applyEvent(ctx, deps.engine, parent, payload.event, { actor: 'call-activity', jobId: current.id });
    emitReturned(ctx, parent, payload);
  });
}

function emitReturned(ctx: CommandContext, parent: LockedInstance, payload: { event: EngineEvent; childInstanceId: string }): void {
  ctx.emit({
    type: 'callActivity.returned',
    entity: { type: 'ProcessInstance', id: parent.id },
    after: { childInstanceId: payload.childInstanceId, event: payload.event.type, executionId: (payload.event as { executionId?: string }).executionId },
    context: { key: parent.key },
  });
}
