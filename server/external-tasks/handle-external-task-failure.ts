import type { CommandContext } from '../commands/run-command';
import { insertIncident } from '../repos/incidents.repo';
import { updateInstance } from '../repos/process-instances.repo';
import { ensureLockedBy, loadTaskForReport, taskContext } from './held-task';
import { updateExternalTask } from './external-tasks.repo';

export type ExternalTaskFailureInput = {
  workerId: string;
  errorMessage?: string | null;
  errorDetails?: string | null;
  /** Retries left; Camunda reads a missing value as 0. */
  retries?: number | null;
  /** Milliseconds before the task can be fetched again. */
  retryTimeout?: number | null;
};

export type FailureOutcome = { outcome: 'retry'; fetchableAt: Date } | { outcome: 'incident'; incidentId: string };

/**
 * A worker could not do its external task. With retries left, the task is unlocked and can be
 * fetched again after `retryTimeout`; with none, it fails and an incident (kind `jobFailed`, with
 * the worker's message) holds it until someone retries the incident, as for Gemba's own jobs.
 * @throws NotFoundError; ExternalTaskLockError when the worker does not hold the lock.
 */
export async function handleExternalTaskFailure(ctx: CommandContext, id: string, input: ExternalTaskFailureInput): Promise<FailureOutcome> {
  const { task, instance } = await loadTaskForReport(ctx, id);
  ensureLockedBy(ctx, task, input.workerId, 'failed');
  const retries = input.retries ?? 0;
  const errorMessage = input.errorMessage ?? null;
  const report = { topic: task.topic, workerId: input.workerId, errorMessage, retries, retryTimeout: input.retryTimeout ?? 0 };
  if (retries > 0) {
    const fetchableAt = new Date(ctx.now.getTime() + (input.retryTimeout ?? 0));
    await updateExternalTask(ctx.trx, task.id, { status: 'pending', dueAt: fetchableAt, lock: null, retries, errorMessage, errorDetails: input.errorDetails ?? null }, ctx.now);
    ctx.emit({ type: 'externalTask.failed', entity: { type: 'Job', id: task.id }, before: { status: 'locked' }, after: { ...report, status: 'pending', fetchableAt: fetchableAt.toISOString() }, context: taskContext(task) });
    return { outcome: 'retry', fetchableAt };
  }
  await updateExternalTask(ctx.trx, task.id, { status: 'failed', finishedAt: ctx.now, lock: null, retries: 0, errorMessage, errorDetails: input.errorDetails ?? null }, ctx.now);
  ctx.emit({ type: 'externalTask.failed', entity: { type: 'Job', id: task.id }, before: { status: 'locked' }, after: { ...report, status: 'failed' }, context: taskContext(task) });
  const incident = await insertIncident(ctx.trx, {
    instanceId: instance.id,
    jobId: task.id,
    activityId: task.activityId,
    elementId: task.activityId,
    kind: 'jobFailed',
    message: errorMessage ?? `The external task of topic ${task.topic} failed with no retries left`,
    payload: { jobId: task.id, topic: task.topic, workerId: input.workerId },
    now: ctx.now,
  });
  if (instance.status === 'running') await updateInstance(ctx.trx, instance.id, { status: 'incident' }, ctx.now);
  ctx.emit({
    type: 'incident.created',
    entity: { type: 'Incident', id: incident.id },
    after: { instanceId: instance.id, kind: incident.kind, message: incident.message, activityId: task.activityId, topic: task.topic, workerId: input.workerId },
    context: { instanceId: instance.id, key: instance.key },
    audience: { roles: ['supervisor', 'process_owner', 'admin'], rooms: [`processInstance:${instance.id}`] },
    payload: { id: incident.id, instanceId: instance.id, key: instance.key, kind: incident.kind, message: incident.message, activityId: task.activityId },
  });
  return { outcome: 'incident', incidentId: incident.id };
}
