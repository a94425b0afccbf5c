import type { Knex } from 'knex';
import type { z } from 'zod';
import type { CommandContext } from '../commands/run-command';
import type { DomainEvent } from '../events/domain-event';
import { BuiltInFailure, type BuiltInOperation } from '../jobs/built-in-connectors';
import { findCallOriginFacts, findCallResult, insertCallResult } from '../repos/platform-call-results.repo';
import type { GenealogyOrigin } from '../traceability/record-genealogy-event';

/** The arguments every built-in operation receives (see server/jobs/built-in-connectors.ts). */
export type PlatformCall = Parameters<BuiltInOperation>[1];

/** Where a built-in call comes from: its instance, version, activity, the person behind it. */
export type CallOrigin = GenealogyOrigin & {
  businessKey: string | null;
  /** The instance's variables when the job ran (for values the call does not pass, e.g. the part number). */
  variables: Record<string, unknown>;
};

/**
 * Loads the origin of a call: the instance and the SHA-256 of the version it is pinned to, the
 * service task's activity, and the person — whoever completed the instance's latest user task
 * (its performer), or else whoever started the instance.
 */
export async function loadCallOrigin(trx: Knex.Transaction, call: PlatformCall): Promise<CallOrigin> {
  const { instance, job, lastTask } = await findCallOriginFacts(trx, call.instanceId, call.jobId);
  return {
    instanceId: instance?.id ?? call.instanceId,
    processKey: instance?.key ?? call.key,
    versionId: instance?.version_id ?? null,
    versionSha256: instance?.sha256 ?? null,
    activityId: job?.activity_id ?? null,
    taskId: lastTask?.id ?? null,
    jobId: call.jobId,
    performedBy: lastTask?.completed_by ?? instance?.started_by ?? null,
    performedByName: lastTask ? (lastTask.printed_name ?? lastTask.completed_by) : (instance?.started_by_name ?? null),
    businessKey: instance?.business_key ?? call.businessKey,
    variables: (instance?.variables as Record<string, unknown>) ?? {},
    idempotencyKey: `job:${call.jobId}`,
  };
}

/**
 * A context whose events and after-commit tasks are held back until `flush()`: an operation that
 * fails rolls back its savepoint, and nothing it emitted may reach the audit trail.
 */
function bufferedContext(ctx: CommandContext): { ctx: CommandContext; flush(): void } {
  const events: DomainEvent[] = [];
  const tasks: Array<() => void | Promise<void>> = [];
  return {
    ctx: { ...ctx, emit: (event) => events.push(event), afterCommit: (task) => tasks.push(task) },
    flush() {
      for (const event of events) ctx.emit(event);
      for (const task of tasks) ctx.afterCommit(task);
    },
  };
}

/**
 * Wraps one built-in operation: validates its input (a bad input is an incident), answers a
 * repeated job with the stored output, returns every output field of the contract (null when
 * there is none), and records the output under the job id.
 * @throws BuiltInFailure for an invalid input; whatever the operation throws (BuiltInBpmnError…).
 */
export function platformOperation<S extends z.ZodType>(
  name: string,
  schema: S,
  outputs: readonly string[],
  run: (ctx: CommandContext, input: z.output<S>, origin: CallOrigin, call: PlatformCall) => Promise<Record<string, unknown>>,
): BuiltInOperation {
  return async (ctx, call) => {
    const stored = await findCallResult(ctx.trx, call.jobId, name);
    if (stored) return stored;
    const parsed = schema.safeParse(call.variables);
    if (!parsed.success) {
      throw new BuiltInFailure(`gemba.${name}: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'} ${i.message}`).join('; ')}`);
    }
    const buffered = bufferedContext(ctx);
    const origin = await loadCallOrigin(ctx.trx, call);
    const result = await run(buffered.ctx, parsed.data, origin, call);
    const output = { ...Object.fromEntries(outputs.map((field) => [field, null])), ...result };
    for (const field of outputs) if (output[field] === undefined) output[field] = null;
    await insertCallResult(ctx.trx, { jobId: call.jobId, operation: name, instanceId: call.instanceId, output, now: ctx.now });
    buffered.flush();
    return output;
  };
}
