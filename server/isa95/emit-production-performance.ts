import { BuiltInFailure, type BuiltInOperation } from '../jobs/built-in-connectors';
import { enqueuePerformance, type EnqueueOptions } from './enqueue-performance';
import { performanceReportSchema } from './production-performance';

export const BUILT_IN_CONNECTOR = 'gemba';
export const EMIT_PERFORMANCE_OPERATION = 'emitProductionPerformance';

/**
 * The built-in connector operation `gemba.emitProductionPerformance`: a service task calls it on
 * operation or order completion (I02) with the report as its input (`orderId`, `operation`,
 * `status`, `startTime`, `endTime`, `produced[]`, `consumed[]`, `scrapQuantity`, `equipment`,
 * `personnel`; optional `targetConnector` + `targetOperation`). The message is written to the
 * outbox in the transaction that reports the job, keyed by the job id, so that a job reported
 * again can never enqueue a second message. Answers `{ performanceMessageId }`.
 * @throws BuiltInFailure (an incident) when the input is not a valid report.
 */
export function emitProductionPerformanceOperation(defaults: Pick<EnqueueOptions, 'target' | 'maxAttempts'> = {}): BuiltInOperation {
  return async (ctx, { variables, jobId, instanceId }) => {
    const parsed = performanceReportSchema.safeParse(variables);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new BuiltInFailure(
        `${BUILT_IN_CONNECTOR}.${EMIT_PERFORMANCE_OPERATION}: the input is not a production performance report (${issue.path.join('.') || 'input'}: ${issue.message})`,
      );
    }
    const target =
      typeof variables.targetConnector === 'string' && typeof variables.targetOperation === 'string'
        ? { connector: variables.targetConnector, operation: variables.targetOperation }
        : defaults.target;
    const { message } = await enqueuePerformance(ctx, parsed.data, { ...defaults, ...(target ? { target } : {}), idempotencyKey: `job:${jobId}`, instanceId });
    return { performanceMessageId: message.id };
  };
}
