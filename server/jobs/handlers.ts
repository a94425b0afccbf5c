import { systemActor } from '../auth/actor';
import { classifyConnectorError } from '../adapters/http/connector-port';
import { deliverToSubscription } from '../commands/instances/correlate';
import { runCommand, type CommandContext } from '../commands/run-command';
import { insertIncident } from '../repos/incidents.repo';
import { findJobForUpdate, updateJob, type Job } from '../repos/jobs.repo';
import { lockInstance, updateInstance } from '../repos/process-instances.repo';
import { findMessageSubscribers, findSignalSubscribers } from '../repos/subscriptions.repo';
import { applyEvent } from '../runtime/apply-event';
import { retryDelayMs } from './backoff';
import { BuiltInBpmnError, findBuiltIn } from './built-in-connectors';
import type { JobDeps } from './job-context';

const timerActor = systemActor('timer');
const workerActor = systemActor('job-worker');

/**
 * In a command of its own: locks the job's instance, then the job, and runs `work` only if this
 * node still holds the job's lease (a node that lost it — it was too slow, another node took over —
 * must not apply a result twice). Returns false when the lease was lost.
 */
export async function withLease(deps: JobDeps, job: Job, actor: ReturnType<typeof systemActor>, work: (ctx: CommandContext, current: Job) => Promise<void>): Promise<boolean> {
  return runCommand(deps, actor, { requestId: `job:${job.id}` }, async (ctx) => {
    if (job.instanceId) await lockInstance(ctx.trx, job.instanceId);
    const current = await findJobForUpdate(ctx.trx, job.id);
    if (!current || current.status !== 'running' || current.leaseOwner !== deps.nodeId) return false;
    await work(ctx, current);
    return true;
  });
}

/**
 * A durable timer is due: mark it done and fire it in the instance, in one transaction. Timers of
 * one instance fire in the order they fell due, even after downtime and across nodes: a timer
 * that finds an earlier one still live gives its job back and waits for its turn.
 */
export async function fireTimer(deps: JobDeps, job: Job): Promise<void> {
  await withLease(deps, job, timerActor, async (ctx, current) => {
    const earlier = await ctx.trx('jobs')
      .where({ instance_id: current.instanceId, kind: 'timer' })
      .whereIn('status', ['pending', 'running'])
      .where('due_at', '<', current.dueAt)
      .first('id');
    if (earlier) {
      await updateJob(ctx.trx, current.id, { status: 'pending', leaseOwner: null, leaseExpiresAt: null, attempts: Math.max(0, current.attempts - 1) }, ctx.now);
      ctx.afterCommit(() => ctx.wakeJobs?.());
      return;
    }
    await updateJob(ctx.trx, current.id, { status: 'done', finishedAt: ctx.now, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
    const instance = await lockInstance(ctx.trx, current.instanceId!);
    if (!instance || instance.status === 'completed' || instance.status === 'cancelled') return;
    const applied = await applyEvent(ctx, deps.engine, instance, { type: 'timerDue', executionId: current.executionId! }, { actor: 'timer', jobId: current.id });
    ctx.emit({
      type: 'timer.fired',
      entity: { type: 'Job', id: current.id },
      after: { instanceId: instance.id, activityId: current.activityId, dueAt: current.dueAt.toISOString(), applied: applied.result.applied },
      context: { instanceId: instance.id, key: instance.key, node: deps.nodeId },
    });
  });
}

/**
 * A service task's job: calls the connector outside any transaction with the job id as the
 * idempotency key, then reports the outcome as a new event. Retryable failures back off
 * exponentially; exhausted or final failures become an incident.
 */
export async function runServiceJob(deps: JobDeps, job: Job): Promise<void> {
  const payload = job.payload as { connector?: string; operation?: string; input?: Record<string, unknown>; bindingError?: string };
  type Outcome = { kind: 'ok'; output: Record<string, unknown> } | { kind: 'bpmnError'; code: string; message: string } | { kind: 'retry'; message: string; retryAfterMs?: number } | { kind: 'fail'; message: string };
  let outcome: Outcome | undefined;
  const builtIn = payload.connector && payload.operation ? findBuiltIn(deps.builtIns, payload.connector, payload.operation) : undefined;
  if (payload.bindingError || !payload.connector || !payload.operation) {
    outcome = { kind: 'fail', message: payload.bindingError ?? 'The task names no connector operation' };
  } else if (builtIn === null) {
    outcome = { kind: 'fail', message: `${payload.connector}.${payload.operation}: no such built-in operation` };
  } else if (builtIn === undefined) {
    try {
      const variables = payload.input ?? {};
      const output = (await deps.invoker.invoke({ target: { connector: payload.connector, operation: payload.operation }, variables, idempotencyKey: job.id })).output;
      outcome = { kind: 'ok', output };
    } catch (error) {
      const classified = classifyConnectorError(error);
      const message = error instanceof Error ? error.message : String(error);
      outcome =
        classified.outcome === 'bpmnError'
          ? { kind: 'bpmnError', code: classified.code, message: classified.message }
          : classified.outcome === 'retry'
            ? { kind: 'retry', message, retryAfterMs: classified.retryAfterMs }
            : { kind: 'fail', message };
    }
  }

  await withLease(deps, job, workerActor, async (ctx, current) => {
    const instance = await lockInstance(ctx.trx, current.instanceId!);
    if (!instance || instance.status === 'completed' || instance.status === 'cancelled') {
      await updateJob(ctx.trx, current.id, { status: 'cancelled', finishedAt: ctx.now, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
      return;
    }
    const where = { instanceId: instance.id, key: instance.key, activityId: current.activityId, connector: payload.connector ?? null, operation: payload.operation ?? null, attempt: current.attempts, node: deps.nodeId };
    if (!outcome && builtIn) {
      // A built-in runs here, in the transaction that reports it: its writes and the engine event commit together.
      try {
        // A savepoint: a built-in that fails leaves the reporting transaction usable for the incident.
        const output = await ctx.trx.transaction((savepoint) =>
          builtIn({ ...ctx, trx: savepoint }, { variables: payload.input ?? {}, jobId: current.id, instanceId: instance.id, key: instance.key, businessKey: instance.businessKey, engine: deps.engine }),
        );
        outcome = { kind: 'ok', output };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (error instanceof BuiltInBpmnError) outcome = { kind: 'bpmnError', code: error.code, message: error.message };
        else if (code && /^(08|40|57)/.test(code)) throw error; // connection loss, conflict: the whole report is retried
        else outcome = { kind: 'fail', message: error instanceof Error ? error.message : String(error) };
      }
    }
    if (!outcome) throw new Error('a service job ended without an outcome');
    if (outcome.kind === 'ok' || outcome.kind === 'bpmnError') {
      await updateJob(ctx.trx, current.id, { status: 'done', finishedAt: ctx.now, leaseOwner: null, leaseExpiresAt: null, lastError: outcome.kind === 'bpmnError' ? `${outcome.code}: ${outcome.message}` : null }, ctx.now);
      ctx.emit({ type: outcome.kind === 'ok' ? 'job.completed' : 'job.bpmnError', entity: { type: 'Job', id: current.id }, after: { ...where, ...(outcome.kind === 'ok' ? { output: outcome.output } : { errorCode: outcome.code, message: outcome.message }) } });
      const event =
        outcome.kind === 'ok'
          ? ({ type: 'jobCompleted', executionId: current.executionId!, output: outcome.output } as const)
          : ({ type: 'jobFailedWithBpmnError', executionId: current.executionId!, errorCode: outcome.code, message: outcome.message } as const);
      await applyEvent(ctx, deps.engine, instance, event, { actor: 'job-worker', jobId: current.id });
      return;
    }
    const exhausted = outcome.kind === 'fail' || current.attempts >= current.maxAttempts;
    if (!exhausted) {
      const delay = retryDelayMs(current.attempts, deps.config.jobs.backoffMs, outcome.kind === 'retry' ? outcome.retryAfterMs : undefined);
      await updateJob(ctx.trx, current.id, { status: 'pending', dueAt: new Date(ctx.now.getTime() + delay), lastError: outcome.message, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
      ctx.emit({ type: 'job.failed', entity: { type: 'Job', id: current.id }, after: { ...where, error: outcome.message, retryInMs: delay, attemptsLeft: current.maxAttempts - current.attempts }, audit: false });
      return;
    }
    await updateJob(ctx.trx, current.id, { status: 'failed', finishedAt: ctx.now, lastError: outcome.message, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
    const incident = await insertIncident(ctx.trx, {
      instanceId: instance.id,
      jobId: current.id,
      activityId: current.activityId,
      elementId: current.activityId,
      kind: 'jobFailed',
      message: `${payload.connector ?? 'service'}${payload.operation ? `.${payload.operation}` : ''} failed after ${current.attempts} attempt(s): ${outcome.message}`,
      payload: { jobId: current.id },
      now: ctx.now,
    });
    await updateInstance(ctx.trx, instance.id, { status: 'incident' }, ctx.now);
    ctx.emit({
      type: 'incident.created',
      entity: { type: 'Incident', id: incident.id },
      after: { ...where, kind: incident.kind, message: incident.message },
      context: { instanceId: instance.id, key: instance.key },
      audience: { roles: ['supervisor', 'process_owner', 'admin'], rooms: [`processInstance:${instance.id}`] },
      payload: { id: incident.id, instanceId: instance.id, key: instance.key, kind: incident.kind, message: incident.message, activityId: current.activityId },
    });
  });
}

/**
 * A signal thrown by an instance reaches every other subscribed instance, each in its own
 * transaction; the job is done when all have been tried.
 */
export async function broadcastSignal(deps: JobDeps, job: Job): Promise<void> {
  const payload = job.payload as { name: string; variables?: Record<string, unknown>; sourceInstanceId?: string };
  const subscribers = (await findSignalSubscribers(deps.db, payload.name)).filter((s) => s.instanceId !== payload.sourceInstanceId);
  for (const subscription of subscribers) {
    await runCommand(deps, workerActor, { requestId: `job:${job.id}` }, (ctx) => deliverToSubscription(ctx, deps.engine, subscription, { name: payload.name, variables: payload.variables ?? {} }));
  }
  await finish(deps, job);
}

/** A message thrown by an instance goes to the instance waiting for it under the same business key. */
export async function sendThrownMessage(deps: JobDeps, job: Job): Promise<void> {
  const payload = job.payload as { name: string; variables?: Record<string, unknown>; sourceInstanceId?: string; businessKey?: string | null };
  const [subscription] = (await findMessageSubscribers(deps.db, payload.name, payload.businessKey ?? null)).filter((s) => s.instanceId !== payload.sourceInstanceId);
  if (subscription) {
    await runCommand(deps, workerActor, { requestId: `job:${job.id}` }, (ctx) =>
      deliverToSubscription(ctx, deps.engine, subscription, { name: payload.name, variables: payload.variables ?? {}, correlationKey: payload.businessKey ?? null }),
    );
  } else {
    deps.logger.warn({ message: payload.name, businessKey: payload.businessKey }, 'a thrown message found no receiver');
  }
  await finish(deps, job);
}

async function finish(deps: JobDeps, job: Job): Promise<void> {
  await withLease(deps, job, workerActor, async (ctx, current) => {
    await updateJob(ctx.trx, current.id, { status: 'done', finishedAt: ctx.now, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
  });
}
