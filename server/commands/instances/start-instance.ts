import type { Actor } from '../../auth/actor';
import { describeActor } from '../../auth/actor';
import type { ProcessVersion } from '../../repos/process-versions.repo';
import { insertInstance } from '../../repos/process-instances.repo';
import { applyEvent, type AppliedEvent } from '../../runtime/apply-event';
import type { EngineRuntime } from '../../runtime/engine-runtime';
import type { CommandContext } from '../run-command';

export type StartInput = {
  businessKey: string | null;
  variables: Record<string, unknown>;
  /** Start at the message start event catching this message. */
  messageName?: string;
  /** Start at this start event (a timer start event firing). */
  startEventId?: string;
  /** For call activities: the parent's instance and the call activity's execution. */
  parent?: { instanceId: string; executionId: string };
};

/**
 * Starts an instance of a version (pinned to it for life, W03) and runs it to its first wait
 * state, in one transaction with its tasks, jobs, timers, subscriptions, history and audit entries.
 */
export async function startInstance(ctx: CommandContext, engine: EngineRuntime, version: ProcessVersion, input: StartInput): Promise<AppliedEvent & { instanceId: string }> {
  const who = describeActor(ctx.actor as Actor);
  const instance = await insertInstance(ctx.trx, {
    versionId: version.id,
    key: version.key,
    businessKey: input.businessKey,
    variables: input.variables,
    startedBy: who.actorId ?? who.actorName,
    startedByName: who.printedName ?? who.actorName,
    parentInstanceId: input.parent?.instanceId ?? null,
    parentExecutionId: input.parent?.executionId ?? null,
    now: ctx.now,
  });
  ctx.emit({
    type: 'processInstance.started',
    entity: { type: 'ProcessInstance', id: instance.id },
    after: { key: version.key, version: version.version, versionId: version.id, sha256: version.sha256, businessKey: input.businessKey, variables: input.variables, ...(input.messageName ? { messageName: input.messageName } : {}) },
    context: { key: version.key },
    audience: { rooms: ['instances'] },
    broadcastAs: 'instance.updated',
    payload: { id: instance.id, key: version.key, status: 'running' },
  });
  const applied = await applyEvent(
    ctx,
    engine,
    instance,
    { type: 'start', businessKey: input.businessKey ?? undefined, variables: input.variables, ...(input.messageName ? { messageName: input.messageName } : {}), ...(input.startEventId ? { startEventId: input.startEventId } : {}) },
    { actor: who.actorName, fresh: true },
  );
  return { ...applied, instanceId: instance.id };
}
