import { describeActor } from '../auth/actor';
import type { CommandContext } from '../commands/run-command';
import { applyEvent } from '../runtime/apply-event';
import type { EngineRuntime } from '../runtime/engine-runtime';
import { ensureLockedBy, loadTaskForReport, taskContext } from './held-task';
import { updateExternalTask } from './external-tasks.repo';
import { fromCamundaVariables, type CamundaTypedValue } from './variables';

export type ExternalTaskBpmnErrorInput = {
  workerId: string;
  errorCode: string;
  errorMessage?: string | null;
  variables?: Record<string, CamundaTypedValue> | null;
};

/**
 * A worker reported a business error: in one transaction, the job is done and the engine throws
 * the BPMN error with the reported variables (`jobFailedWithBpmnError`); an error boundary event
 * with that code catches it, and an uncaught one becomes an incident of the instance.
 * @throws ValidationError for variables that cannot be read; NotFoundError; ExternalTaskLockError.
 */
export async function handleExternalTaskBpmnError(ctx: CommandContext, engine: EngineRuntime, id: string, input: ExternalTaskBpmnErrorInput): Promise<void> {
  const variables = fromCamundaVariables(input.variables);
  const { task, instance } = await loadTaskForReport(ctx, id);
  ensureLockedBy(ctx, task, input.workerId, 'reported with a BPMN error');
  await updateExternalTask(ctx.trx, task.id, { status: 'done', finishedAt: ctx.now, lock: null, errorMessage: `${input.errorCode}${input.errorMessage ? `: ${input.errorMessage}` : ''}` }, ctx.now);
  ctx.emit({
    type: 'externalTask.bpmnError',
    entity: { type: 'Job', id: task.id },
    before: { status: 'locked', workerId: task.workerId },
    after: { status: 'bpmnError', topic: task.topic, workerId: input.workerId, errorCode: input.errorCode, errorMessage: input.errorMessage ?? null, variables },
    context: taskContext(task),
  });
  if (instance.status === 'completed' || instance.status === 'cancelled') return;
  await applyEvent(
    ctx,
    engine,
    instance,
    { type: 'jobFailedWithBpmnError', executionId: task.executionId, errorCode: input.errorCode, ...(input.errorMessage ? { message: input.errorMessage } : {}), variables },
    { actor: describeActor(ctx.actor).actorName, jobId: task.id },
  );
}
