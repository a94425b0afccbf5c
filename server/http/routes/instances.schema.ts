import { z } from 'zod';
import { pagination, reason } from './common.schema';

/** Process variables: a JSON object (never an array or a scalar). */
export const variables = z.record(z.string().min(1).max(128), z.unknown()).refine((v) => JSON.stringify(v).length <= 256 * 1024, 'variables are at most 256 KB');

export const keyParams = z.object({ key: z.string().regex(/^[A-Za-z_][\w.-]{0,127}$/) });

export const startBody = z
  .object({ businessKey: z.string().trim().min(1).max(200).optional(), variables: variables.optional() })
  .strict()
  .meta({ id: 'StartInstanceRequest' });

export const listInstancesQuery = z
  .object({
    key: z.string().max(128).optional(),
    status: z.enum(['running', 'completed', 'cancelled', 'incident']).optional(),
    businessKey: z.string().max(200).optional(),
    versionId: z.uuid().optional(),
    ...pagination,
  })
  .strict();

export const cancelBody = z.object({ reason }).strict().meta({ id: 'CancelInstanceRequest' });

export const messageBody = z
  .object({ name: z.string().trim().min(1).max(200), correlationKey: z.string().trim().min(1).max(200).optional(), variables: variables.optional() })
  .strict()
  .meta({ id: 'CorrelateMessageRequest' });

export const signalBody = z
  .object({ name: z.string().trim().min(1).max(200), variables: variables.optional() })
  .strict()
  .meta({ id: 'SignalRequest' });

export const instanceSummarySchema = z
  .object({
    id: z.uuid(),
    key: z.string(),
    versionId: z.uuid(),
    businessKey: z.string().nullable(),
    status: z.enum(['running', 'completed', 'cancelled', 'incident']),
    startedBy: z.string(),
    startedAt: z.string(),
    endedAt: z.string().nullable(),
    endReason: z.string().nullable(),
    parentInstanceId: z.uuid().nullable(),
  })
  .meta({ id: 'InstanceSummary' });

export const instanceSchema = instanceSummarySchema
  .extend({
    version: z.number(),
    versionSha256: z.string(),
    variables: z.record(z.string(), z.unknown()),
    stateBytes: z.number(),
    openTasks: z.array(z.record(z.string(), z.unknown())),
    tasks: z.array(z.record(z.string(), z.unknown())),
    timers: z.array(z.object({ id: z.uuid(), activityId: z.string().nullable(), dueAt: z.string(), value: z.string().nullable(), status: z.string() })),
    jobs: z.array(z.record(z.string(), z.unknown())),
    subscriptions: z.array(z.object({ kind: z.string(), name: z.string(), correlationKey: z.string().nullable(), activityId: z.string() })),
    incidents: z.array(z.record(z.string(), z.unknown())),
    history: z.array(z.record(z.string(), z.unknown())),
  })
  .meta({ id: 'Instance' });
