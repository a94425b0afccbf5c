import { z } from 'zod';
import { acknowledgeProductionScheduleSchema, identifier, processProductionScheduleSchema } from '../../isa95/b2mml';
import { pagination, reason } from './common.schema';

export { acknowledgeProductionScheduleSchema, processProductionScheduleSchema };

export const outboxQuery = z
  .object({
    status: z.enum(['pending', 'delivering', 'delivered', 'dead']).optional(),
    orderId: z.string().max(128).optional(),
    kind: z.string().max(64).optional(),
    ...pagination,
  })
  .strict();

export const requeueBody = z.object({ reason: reason.optional() }).strict().optional().meta({ id: 'RequeueOutboxMessageRequest' });

export const outboxMessageSchema = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    orderId: z.string().nullable(),
    instanceId: z.uuid().nullable(),
    target: z.object({ connector: z.string(), operation: z.string() }),
    status: z.enum(['pending', 'delivering', 'delivered', 'dead']),
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    nextAttemptAt: z.string().nullable(),
    lastError: z.string().nullable(),
    response: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    deliveredAt: z.string().nullable(),
    deadAt: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'OutboxMessage' });

export const materialParams = z.object({ id: identifier });

export const materialBody = z
  .object({
    description: z.string().trim().max(1000).nullable().optional(),
    unit: z.string().trim().min(1).max(32),
    status: z.enum(['active', 'inactive']).optional(),
    reason: reason.optional(),
  })
  .strict()
  .meta({ id: 'MaterialDefinitionRequest' });

export const materialQuery = z.object({ status: z.enum(['active', 'inactive']).optional(), ...pagination }).strict();

export const materialSchema = z
  .object({ id: z.string(), description: z.string().nullable(), unit: z.string(), status: z.enum(['active', 'inactive']), updatedBy: z.string(), updatedAt: z.string() })
  .meta({ id: 'MaterialDefinition' });
