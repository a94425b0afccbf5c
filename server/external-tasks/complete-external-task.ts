import { describeActor } from '../auth/actor';
import type { CommandContext } from '../commands/run-command';
import { applyEvent } from '../runtime/apply-event';
import type { EngineRuntime } from '../runtime/engine-runtime';
import { ensureLockedBy, loadTaskForReport, taskContext } from './held-task';
import { updateExternalTask } from './external-tasks.repo';
import { fromCamundaVariables, type CamundaTypedValue } from './variables';

export type CompleteExternalTaskInput = {
  workerId: string;
  variables?: Record<string, CamundaTypedValue> | null;
  localVariables?: Record<string, CamundaTypedValue> | null;
};

/**
 * A worker completed its external task: in one transaction, the job is done and the engine
 * continues the instance with the reported variables (`jobCompleted`, mapped by the task's
 * camunda:outputParameters when it has any). Local variables are visible to those mappings only
 * in name: without mappings they are merged like the others (Gemba's variables have one scope).
 * @throws ValidationError for variables that cannot be read; NotFoundError; ExternalTaskLockError.
 */
export async function completeExternalTask(ctx: CommandContext, engine: EngineRuntime, id: string, input: CompleteExternalTaskInput): Promise<void> {
  const output = { ...fromCamundaVariables(input.localVariables, 'localVariables'), ...fromCamundaVariables(input.variables) };
  const { task, instance } = await loadTaskForReport(ctx, id);
  ensureLockedBy(ctx, task, input.workerId, 'completed');
  await updateExternalTask(ctx.trx, task.id, { status: 'done', finishedAt: ctx.now, lock: null, errorMessage: null }, ctx.now);
  ctx.emit({
    type: 'externalTask.completed',
    entity: { type: 'Job', id: task.id },
    before: { status: 'locked', workerId: task.workerId },
    after: { status: 'completed', topic: task.topic, workerId: input.workerId, variables: output },
    context: taskContext(task),
  });
  if (instance.status === 'completed' || instance.status === 'cancelled') return;
  await applyEvent(ctx, engine, instance, { type: 'jobCompleted', executionId: task.executionId, output }, { actor: describeActor(ctx.actor).actorName, jobId: task.id });
}
