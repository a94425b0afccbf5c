import type { EngineEvent } from '../../engine';
import { ConflictError, NotFoundError } from '../../errors/app-error';
import { findIncidentForUpdate, findOpenIncidentsOfInstance, resolveIncident } from '../../repos/incidents.repo';
import { findJobForUpdate, updateJob } from '../../repos/jobs.repo';
import { lockInstance, updateInstance } from '../../repos/process-instances.repo';
import { applyEvent } from '../../runtime/apply-event';
import type { EngineRuntime } from '../../runtime/engine-runtime';
import type { CommandContext } from '../run-command';

export type RetryOutcome = { incidentId: string; outcome: 'resolved' | 'failedAgain' | 'jobRescheduled'; message?: string; newIncidentId?: string };

/**
 * Retries what an incident holds: a job out of retries gets fresh attempts (its worker runs it
 * again after commit); a failed engine event is applied again. The incident is resolved either
 * way; a failure on retry opens a new incident, so each attempt stays on record.
 * @throws NotFoundError; ConflictError when the incident is already resolved.
 */
export async function retryIncident(ctx: CommandContext, engine: EngineRuntime, incidentId: string): Promise<RetryOutcome> {
  const peek = await findIncidentForUpdate(ctx.trx, incidentId);
  if (!peek) throw new NotFoundError(`No incident ${incidentId}`);
  const instance = await lockInstance(ctx.trx, peek.instanceId);
  const incident = await findIncidentForUpdate(ctx.trx, incidentId);
  if (!instance || !incident) throw new NotFoundError(`No incident ${incidentId}`);
  if (incident.status !== 'open') throw new ConflictError('The incident is already resolved');
  const actor = ctx.actor.kind === 'user' ? ctx.actor.username : 'gemba';
  await resolveIncident(ctx.trx, incident.id, actor, 'retried', ctx.now);
  const stillOpen = (await findOpenIncidentsOfInstance(ctx.trx, instance.id)).length;
  const statusAfter = stillOpen ? 'incident' : 'running';
  ctx.emit({ type: 'incident.retried', entity: { type: 'Incident', id: incident.id }, before: { status: 'open' }, after: { status: 'resolved', resolution: 'retried' }, context: { instanceId: instance.id } });

  if (incident.jobId && incident.kind === 'jobFailed') {
    const job = await findJobForUpdate(ctx.trx, incident.jobId);
    if (!job) throw new NotFoundError(`The incident's job ${incident.jobId} no longer exists`);
    await updateJob(ctx.trx, job.id, { status: 'pending', attempts: 0, dueAt: ctx.now, lastError: null, leaseOwner: null, leaseExpiresAt: null, finishedAt: null }, ctx.now);
    await updateInstance(ctx.trx, instance.id, { status: statusAfter }, ctx.now);
    ctx.afterCommit(() => ctx.wakeJobs?.());
    return { incidentId, outcome: 'jobRescheduled' };
  }

  const event = incident.payload.event as EngineEvent | undefined;
  if (!event) throw new ConflictError('The incident holds nothing to retry; cancel the instance instead');
  const applied = await applyEvent(ctx, engine, { ...instance, status: statusAfter }, event, { actor });
  if (applied.incident) return { incidentId, outcome: 'failedAgain', message: applied.incident.message, newIncidentId: applied.incident.id };
  if (applied.status === 'running' && statusAfter === 'incident') await updateInstance(ctx.trx, instance.id, { status: 'incident' }, ctx.now);
  return { incidentId, outcome: 'resolved' };
}
