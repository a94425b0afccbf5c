import type { CommandContext } from '../commands/run-command';
import { NotFoundError } from '../errors/app-error';
import { lockInstance, type LockedInstance } from '../repos/process-instances.repo';
import { lockHolderOf, mayWorkKey } from './access';
import { ExternalTaskLockError } from './errors';
import { findExternalTask, type ExternalTask } from './external-tasks.repo';

/** Camunda's words for a task that is gone (completed, cancelled by a boundary event, or never was). */
export const notFound = (id: string) => new NotFoundError(`External task with id ${id} does not exist`);

/**
 * Loads an external task for a report, locking its instance first and then its job row (the
 * order every job handler uses, so that two reports never deadlock). A task of a process key the
 * caller may not work is reported as missing, never as forbidden, so that keys are not probed.
 * @throws NotFoundError when the task does not exist, has ended, or is outside the caller's keys.
 */
export async function loadTaskForReport(ctx: CommandContext, id: string): Promise<{ task: ExternalTask; instance: LockedInstance }> {
  const peek = await findExternalTask(ctx.trx, id);
  if (!peek || !mayWorkKey(ctx.actor, peek.key)) throw notFound(id);
  const instance = await lockInstance(ctx.trx, peek.instanceId);
  const task = await findExternalTask(ctx.trx, id, { forUpdate: true });
  if (!instance || !task || task.status === 'done' || task.status === 'cancelled') throw notFound(id);
  return { task, instance };
}

/**
 * Loads an external task for a lock operation (the job row only: no engine event follows).
 * @throws NotFoundError as {@link loadTaskForReport}.
 */
export async function loadTaskForLock(ctx: CommandContext, id: string): Promise<ExternalTask> {
  const task = await findExternalTask(ctx.trx, id, { forUpdate: true });
  if (!task || !mayWorkKey(ctx.actor, task.key) || task.status === 'done' || task.status === 'cancelled') throw notFound(id);
  return task;
}

/**
 * Checks that this worker (and this principal) holds the task's most recent lock. As in Camunda,
 * a lock that has run out still counts until another worker takes the task.
 * @throws ExternalTaskLockError (400) when the task is not locked, or is locked by another worker.
 */
export function ensureLockedBy(ctx: CommandContext, task: ExternalTask, workerId: string, action: string): void {
  if (task.status !== 'running' || !task.workerId) {
    throw new ExternalTaskLockError(`External task ${task.id} cannot be ${action} by worker '${workerId}': it is not locked`);
  }
  if (task.workerId !== workerId || task.lockedBy !== lockHolderOf(ctx.actor)) {
    throw new ExternalTaskLockError(`External task ${task.id} cannot be ${action} by worker '${workerId}'. It is locked by worker '${task.workerId}'.`);
  }
}

/** Where a report happened, for its audit entry. */
export function taskContext(task: ExternalTask) {
  return { instanceId: task.instanceId, key: task.key, businessKey: task.businessKey, activityId: task.activityId };
}
