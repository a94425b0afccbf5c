import type { CommandContext } from '../commands/run-command';
import { camundaDate } from './external-task.presenter';
import { ExternalTaskLockError } from './errors';
import { updateExternalTask } from './external-tasks.repo';
import { ensureLockedBy, loadTaskForLock, taskContext } from './held-task';
import { lockHolderOf } from './access';

/**
 * Extends the lock a worker holds to `newDuration` ms from now (Camunda: "the new lock duration
 * starting from the current moment"). Not audited: it changes no record, only a lease.
 * @throws NotFoundError; ExternalTaskLockError when the task is not locked by this worker, or
 * its lock has already run out.
 */
export async function extendExternalTaskLock(ctx: CommandContext, id: string, input: { workerId: string; newDuration: number }): Promise<void> {
  const task = await loadTaskForLock(ctx, id);
  ensureLockedBy(ctx, task, input.workerId, 'extended');
  if (!task.lockExpiresAt || task.lockExpiresAt <= ctx.now) {
    throw new ExternalTaskLockError(`The lock of external task ${id} has run out; fetch it again`);
  }
  const until = new Date(ctx.now.getTime() + input.newDuration);
  await updateExternalTask(ctx.trx, id, { lock: { workerId: input.workerId, lockedBy: lockHolderOf(ctx.actor), until } }, ctx.now);
  ctx.emit({
    type: 'externalTask.lockExtended',
    entity: { type: 'Job', id },
    after: { topic: task.topic, workerId: input.workerId, lockExpirationTime: camundaDate(until) },
    context: taskContext(task),
    audit: false,
  });
}

/**
 * Locks one task by id for a worker (Camunda's `POST /external-task/{id}/lock`): a task that is
 * free, whose lock ran out, or that this worker already holds (the lock then starts again now).
 * @throws NotFoundError; ExternalTaskLockError when another worker holds a live lock, or the task
 * failed (an incident holds it).
 */
export async function lockExternalTask(ctx: CommandContext, id: string, input: { workerId: string; lockDuration: number }): Promise<void> {
  const task = await loadTaskForLock(ctx, id);
  if (task.status === 'failed') throw new ExternalTaskLockError(`External task ${id} has no retries left; retry its incident first`);
  const heldByOther = task.status === 'running' && task.lockExpiresAt && task.lockExpiresAt > ctx.now && (task.workerId !== input.workerId || task.lockedBy !== lockHolderOf(ctx.actor));
  if (heldByOther) throw new ExternalTaskLockError(`External task ${id} is already locked by worker '${task.workerId}'`);
  const until = new Date(ctx.now.getTime() + input.lockDuration);
  await updateExternalTask(ctx.trx, id, { status: 'running', lock: { workerId: input.workerId, lockedBy: lockHolderOf(ctx.actor), until } }, ctx.now);
  ctx.emit({
    type: 'externalTask.locked',
    entity: { type: 'Job', id },
    after: { topic: task.topic, workerId: input.workerId, lockExpirationTime: camundaDate(until), activityId: task.activityId },
    context: taskContext(task),
  });
}

/**
 * Releases a task's lock so that any worker can fetch it at once (Camunda's unlock takes no
 * worker id; any principal that may work the task's process may release it). Unlocking a task
 * that is not locked changes nothing.
 * @throws NotFoundError.
 */
export async function unlockExternalTask(ctx: CommandContext, id: string): Promise<void> {
  const task = await loadTaskForLock(ctx, id);
  if (task.status !== 'running') return;
  await updateExternalTask(ctx.trx, id, { status: 'pending', lock: null }, ctx.now);
  ctx.emit({
    type: 'externalTask.unlocked',
    entity: { type: 'Job', id },
    before: { status: 'locked', workerId: task.workerId },
    after: { status: 'pending', topic: task.topic },
    context: taskContext(task),
  });
}
