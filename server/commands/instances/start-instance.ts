import type { Actor } from '../../auth/actor';
import { describeActor } from '../../auth/actor';
import type { ProcessVersion } from '../../repos/process-versions.repo';
import { insertInstance } from '../../repos/process-instances.repo';
import type { EngineEvent } from '../../engine';
import { instancePatchAfter, persistRun, type AppliedEvent } from '../../runtime/apply-event';
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
  const event: EngineEvent = {
    type: 'start',
    businessKey: input.businessKey ?? undefined,
    variables: input.variables,
    ...(input.messageName ? { messageName: input.messageName } : {}),
    ...(input.startEventId ? { startEventId: input.startEventId } : {}),
  };
  // The run comes first so that the row is written once, with its first state; a run that failed
  // leaves a running row without state, which the incident then marks (a retry starts it again).
  const result = await engine.run(ctx.trx, version.id, undefined, event, ctx.now);
  const ran = result.outcome.status !== 'failed' && result.applied;
  const first = ran ? instancePatchAfter(result, { status: 'running', variables: input.variables }, ctx.now) : undefined;
  const instance = await insertInstance(ctx.trx, {
    versionId: version.id,
    key: version.key,
    businessKey: input.businessKey,
    variables: first?.variables ?? input.variables,
    startedBy: who.actorId ?? who.actorName,
    startedByName: who.printedName ?? who.actorName,
    parentInstanceId: input.parent?.instanceId ?? null,
    parentExecutionId: input.parent?.executionId ?? null,
    now: ctx.now,
    ...(first ? { status: first.status, engineState: first.engineState, endedAt: first.endedAt, endReason: first.endReason } : {}),
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
  // persistRun compares against the row as it was before the run: running, with the start's variables.
  const before = { ...instance, status: 'running' as const, variables: input.variables, engineState: undefined };
  const applied = await persistRun(ctx, engine, before, event, result, { actor: who.actorName, fresh: true, rowWritten: ran });
  return { ...applied, instanceId: instance.id };
}
