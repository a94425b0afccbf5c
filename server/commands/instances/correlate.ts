import { NotFoundError } from '../../errors/app-error';
import { lockInstance } from '../../repos/process-instances.repo';
import type { EventSubscription } from '../../repos/subscriptions.repo';
import { applyEvent, type AppliedEvent } from '../../runtime/apply-event';
import type { EngineRuntime } from '../../runtime/engine-runtime';
import type { CommandContext } from '../run-command';

/**
 * Delivers a message or a signal to one subscribed instance, in that instance's own transaction.
 * Returns undefined when the subscription has gone meanwhile (another event got there first).
 */
export async function deliverToSubscription(
  ctx: CommandContext,
  engine: EngineRuntime,
  subscription: EventSubscription,
  delivery: { name: string; variables: Record<string, unknown>; correlationKey?: string | null },
): Promise<AppliedEvent | undefined> {
  const instance = await lockInstance(ctx.trx, subscription.instanceId);
  if (!instance) throw new NotFoundError(`No instance ${subscription.instanceId}`);
  if (instance.status !== 'running') return undefined;
  const event =
    subscription.kind === 'message'
      ? ({ type: 'message', name: delivery.name, variables: delivery.variables, executionId: subscription.executionId } as const)
      : ({ type: 'signal', name: delivery.name, variables: delivery.variables } as const);
  const actor = ctx.actor.kind === 'user' ? ctx.actor.username : ctx.actor.kind === 'service' ? ctx.actor.name : 'gemba';
  const applied = await applyEvent(ctx, engine, instance, event, { actor });
  if (!applied.result.applied && applied.result.outcome.status !== 'failed') return undefined;
  ctx.emit({
    type: subscription.kind === 'message' ? 'message.correlated' : 'signal.received',
    entity: { type: 'ProcessInstance', id: instance.id },
    after: { name: delivery.name, activityId: subscription.activityId, correlationKey: delivery.correlationKey ?? null, variables: delivery.variables },
    context: { key: instance.key, businessKey: instance.businessKey },
  });
  return applied;
}
