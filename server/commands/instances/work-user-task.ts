import type { UserActor } from '../../auth/actor';
import { isRole } from '../../auth/roles';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../errors/app-error';
import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/hash';
import { presentTaskEvent } from '../../presenters/task.presenter';
import { lockInstanceOfTask, type LockedInstance } from '../../repos/process-instances.repo';
import { findTaskForUpdate, updateTask, type UserTask } from '../../repos/user-tasks.repo';
import { applyEvent, taskAudience, type AppliedEvent } from '../../runtime/apply-event';
import type { EngineRuntime } from '../../runtime/engine-runtime';
import { recordSignature } from '../sign-record';
import type { CommandContext } from '../run-command';

type UserCtx = CommandContext & { actor: UserActor };

/** Whether a user may work a task: its assignee, or — while unassigned — one of its candidates. */
export function mayWork(task: Pick<UserTask, 'assignee' | 'candidateUsers' | 'candidateGroups'>, user: Pick<UserActor, 'username' | 'roles'>): boolean {
  if (task.assignee) return task.assignee === user.username;
  return isCandidate(task, user);
}

export function isCandidate(task: Pick<UserTask, 'candidateUsers' | 'candidateGroups'>, user: Pick<UserActor, 'username' | 'roles'>): boolean {
  return task.candidateUsers.includes(user.username) || task.candidateGroups.some((group) => isRole(group) && user.roles.includes(group));
}

/**
 * Locks the instance, then the task (always in that order, as engine events do), and checks the
 * task is still open.
 */
async function lockTask(ctx: CommandContext, taskId: string, statuses: UserTask['status'][] = ['open']): Promise<{ task: UserTask; instance: LockedInstance }> {
  const instance = await lockInstanceOfTask(ctx.trx, taskId);
  const task = instance ? await findTaskForUpdate(ctx.trx, taskId) : undefined;
  if (!instance || !task) throw new NotFoundError(`No task ${taskId}`);
  if (!statuses.includes(task.status)) throw new ConflictError(`The task is ${task.status.replace('_', ' ')}`);
  return { task, instance };
}

function emitTask(ctx: CommandContext, type: string, task: UserTask, instance: LockedInstance, before: Record<string, unknown>, after: Record<string, unknown>, reason?: string) {
  ctx.emit({
    type,
    entity: { type: 'UserTask', id: task.id },
    before,
    after,
    reason,
    context: { instanceId: instance.id, key: instance.key, activityId: task.activityId },
    audience: taskAudience(task),
    payload: presentTaskEvent(task, instance),
  });
}

/**
 * Claims an open task for the caller, who must be a candidate (W09).
 * @throws ForbiddenError (not a candidate), ConflictError (claimed by someone else, not open).
 */
export async function claimTask(ctx: UserCtx, taskId: string): Promise<UserTask> {
  const { task, instance } = await lockTask(ctx, taskId);
  if (task.assignee === ctx.actor.username) return task;
  if (task.assignee) throw new ConflictError(`The task is claimed by ${task.assignee}`);
  if (!isCandidate(task, ctx.actor)) throw new ForbiddenError('You are not a candidate for this task');
  const after = await updateTask(ctx.trx, taskId, { assignee: ctx.actor.username, claimedAt: ctx.now }, ctx.now);
  emitTask(ctx, 'task.assigned', after, instance, { assignee: null }, { assignee: after.assignee });
  return after;
}

/** Gives a claimed task back to its candidates. Only its assignee may. */
export async function unclaimTask(ctx: UserCtx, taskId: string): Promise<UserTask> {
  const { task, instance } = await lockTask(ctx, taskId);
  if (task.assignee !== ctx.actor.username) throw new ForbiddenError('Only the assignee can give the task back');
  const after = await updateTask(ctx.trx, taskId, { assignee: null, claimedAt: null }, ctx.now);
  emitTask(ctx, 'task.unassigned', after, instance, { assignee: task.assignee }, { assignee: null });
  return after;
}

/** A supervisor (re)assigns a task to someone, or back to its candidates, with a reason. */
export async function assignTask(ctx: UserCtx, taskId: string, input: { assignee: string | null; reason: string }): Promise<UserTask> {
  const { task, instance } = await lockTask(ctx, taskId);
  const after = await updateTask(ctx.trx, taskId, { assignee: input.assignee, claimedAt: input.assignee ? ctx.now : null }, ctx.now);
  emitTask(ctx, 'task.assigned', after, instance, { assignee: task.assignee }, { assignee: after.assignee }, input.reason);
  return after;
}

/** The content a task signature binds to: the task and exactly the data submitted (C09). */
export const taskRecordHash = (task: UserTask, data: Record<string, unknown>) =>
  sha256Hex(canonicalJson({ taskId: task.id, instanceId: task.instanceId, activityId: task.activityId, data }));

export type CompleteInput = {
  variables: Record<string, unknown>;
  signature?: { meaning: string; comment?: string | null };
};

/**
 * Completes a task with its submitted data (validated against its form by the caller) and, when
 * the task requires one, the performer's signature. A task that needs a second person's
 * verification (C18) waits for it; otherwise the instance moves on in this transaction.
 * @throws ForbiddenError (not assignee/candidate), ConflictError (not open), ValidationError (signature missing or wrong meaning).
 */
export async function completeUserTask(ctx: UserCtx, engine: EngineRuntime, taskId: string, input: CompleteInput): Promise<{ task: UserTask; applied?: AppliedEvent }> {
  const { task, instance } = await lockTask(ctx, taskId);
  if (!mayWork(task, ctx.actor)) {
    throw new ForbiddenError(task.assignee ? `The task is claimed by ${task.assignee}` : 'You are not a candidate for this task');
  }
  let signatureId: string | null = null;
  if (task.signatureMeaning) {
    if (!input.signature) {
      throw new ValidationError(`This step must be signed ("${task.signatureMeaning}"): give your password and the meaning`, [{ path: 'body.signature', message: 'required' }]);
    }
    const signed = await recordSignature(ctx, { type: 'UserTask', id: task.id, hash: taskRecordHash(task, input.variables) }, input.signature, [task.signatureMeaning as never]);
    signatureId = signed.id;
  }
  if (task.verifierRequired) {
    const after = await updateTask(ctx.trx, taskId, { status: 'awaiting_verification', completedBy: ctx.actor.username, completedAt: ctx.now, submitted: input.variables, signatureId, assignee: null }, ctx.now);
    emitTask(ctx, 'task.performed', after, instance, { status: 'open' }, { status: after.status, performedBy: ctx.actor.username, data: input.variables });
    return { task: after };
  }
  const after = await updateTask(ctx.trx, taskId, { status: 'completed', completedBy: ctx.actor.username, completedAt: ctx.now, submitted: input.variables, signatureId, assignee: task.assignee ?? ctx.actor.username }, ctx.now);
  emitTask(ctx, 'task.completed', after, instance, { status: 'open' }, { status: 'completed', completedBy: ctx.actor.username, data: input.variables });
  const applied = await applyEvent(ctx, engine, instance, { type: 'completeUserTask', executionId: task.executionId, output: input.variables }, { actor: ctx.actor.username });
  return { task: after, applied };
}

/**
 * A second person verifies a performed step with their signature (meaning `verified`); then the
 * instance moves on with the performer's data. The performer can never verify (C10).
 * @throws ForbiddenError (performer, not a candidate), ConflictError (not awaiting verification).
 */
export async function verifyUserTask(ctx: UserCtx, engine: EngineRuntime, taskId: string, signature: { meaning: string; comment?: string | null }): Promise<{ task: UserTask; applied: AppliedEvent }> {
  const { task, instance } = await lockTask(ctx, taskId, ['awaiting_verification']);
  if (task.completedBy === ctx.actor.username) throw new ForbiddenError('The performer of a step cannot verify it (segregation of duties)');
  if (!isCandidate(task, ctx.actor)) throw new ForbiddenError('You are not a candidate for this task');
  const data = task.submitted ?? {};
  const signed = await recordSignature(ctx, { type: 'UserTask', id: task.id, hash: taskRecordHash(task, data) }, signature, ['verified']);
  const after = await updateTask(ctx.trx, taskId, { status: 'completed', verifiedBy: ctx.actor.username, verifiedAt: ctx.now, verificationSignatureId: signed.id }, ctx.now);
  emitTask(ctx, 'task.completed', after, instance, { status: 'awaiting_verification' }, { status: 'completed', verifiedBy: ctx.actor.username });
  const applied = await applyEvent(ctx, engine, instance, { type: 'completeUserTask', executionId: task.executionId, output: data }, { actor: ctx.actor.username });
  return { task: after, applied };
}
