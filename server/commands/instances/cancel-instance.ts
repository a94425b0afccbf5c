import { ConflictError, NotFoundError } from '../../errors/app-error';
import { findOpenIncidentsOfInstance, resolveIncident } from '../../repos/incidents.repo';
import { lockInstance, updateInstance } from '../../repos/process-instances.repo';
import { applyEvent } from '../../runtime/apply-event';
import type { EngineRuntime } from '../../runtime/engine-runtime';
import type { CommandContext } from '../run-command';

/**
 * Cancels a running instance (or one stuck in an incident) with a reason: open tasks, jobs,
 * timers and subscriptions close; open incidents are resolved as cancelled.
 * @throws NotFoundError; ConflictError when the instance has already ended.
 */
export async function cancelInstance(ctx: CommandContext, engine: EngineRuntime, instanceId: string, reason: string): Promise<void> {
  const instance = await lockInstance(ctx.trx, instanceId);
  if (!instance) throw new NotFoundError(`No instance ${instanceId}`);
  if (instance.status === 'completed' || instance.status === 'cancelled') throw new ConflictError(`The instance has already ${instance.status === 'completed' ? 'completed' : 'been cancelled'}`);
  const actor = ctx.actor.kind === 'user' ? ctx.actor.username : ctx.actor.kind === 'service' ? ctx.actor.name : 'gemba';
  for (const incident of await findOpenIncidentsOfInstance(ctx.trx, instanceId)) {
    await resolveIncident(ctx.trx, incident.id, actor, 'instance cancelled', ctx.now);
  }
  if (instance.engineState === undefined || instance.engineState === null) {
    // Its start failed: there is no engine state to cancel, and nothing waits.
    await updateInstance(ctx.trx, instanceId, { status: 'cancelled', endedAt: ctx.now, endReason: reason }, ctx.now);
    ctx.emit({
      type: 'processInstance.cancelled',
      entity: { type: 'ProcessInstance', id: instanceId },
      before: { status: instance.status },
      after: { status: 'cancelled' },
      reason,
      audience: { rooms: [`processInstance:${instanceId}`, 'instances'] },
      broadcastAs: 'instance.updated',
      payload: { id: instanceId, key: instance.key, status: 'cancelled' },
    });
    return;
  }
  const applied = await applyEvent(ctx, engine, { ...instance, status: 'running' }, { type: 'cancel', reason }, { actor });
  if (applied.result.outcome.status !== 'cancelled') {
    throw new ConflictError(`The instance could not be cancelled: ${'message' in applied.result.outcome ? applied.result.outcome.message : applied.result.reason ?? 'unknown reason'}`);
  }
}
