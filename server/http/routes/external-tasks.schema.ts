import { z } from 'zod';

// Camunda 7's external task REST API (`/engine-rest/external-task/…`). Unlike Gemba's own bodies,
// these ignore unknown properties instead of refusing them: workers written for newer Camunda
// versions send fields Gemba does not know, and must keep working.

const MAX_ASYNC_RESPONSE_TIMEOUT = 1_800_000;
const MAX_LOCK_MS = 7 * 24 * 3_600_000;

const name = z.string().trim().min(1).max(255);
const workerId = z.string().min(1, 'give the workerId').max(255);

/** A variable in Camunda's typed form: `{ value, type, valueInfo }`. */
export const typedValueSchema = z.looseObject({
  value: z.unknown(),
  type: z.string().max(64).nullable().optional(),
  valueInfo: z.record(z.string(), z.unknown()).nullable().optional(),
});
const typedVariables = z.record(z.string().min(1).max(255), typedValueSchema).nullable().optional();

export const idParams = z.object({ id: z.uuid() });

export const fetchTopicSchema = z.looseObject({
  topicName: name,
  lockDuration: z.number().int().positive('lockDuration must be greater than zero').max(MAX_LOCK_MS),
  variables: z.array(z.string().max(255)).max(500).nullable().optional(),
  localVariables: z.boolean().optional(),
  businessKey: z.string().max(255).nullable().optional(),
  processDefinitionKey: z.string().max(255).nullable().optional(),
  processDefinitionKeyIn: z.array(z.string().max(255)).max(100).nullable().optional(),
  processDefinitionId: z.string().max(255).nullable().optional(),
  processDefinitionIdIn: z.array(z.string().max(255)).max(100).nullable().optional(),
  processDefinitionVersionTag: z.string().max(255).nullable().optional(),
  processVariables: z.record(z.string(), z.unknown()).nullable().optional(),
  tenantIdIn: z.array(z.string().max(255)).nullable().optional(),
  withoutTenantId: z.boolean().optional(),
  includeExtensionProperties: z.boolean().optional(),
  deserializeValues: z.boolean().optional(),
});

export const fetchAndLockBody = z
  .looseObject({
    workerId,
    maxTasks: z.number().int().min(0).max(1000),
    usePriority: z.boolean().nullable().optional(),
    asyncResponseTimeout: z
      .number()
      .int()
      .min(0)
      .max(MAX_ASYNC_RESPONSE_TIMEOUT, `The asynchronous response timeout cannot be set to a value greater than ${MAX_ASYNC_RESPONSE_TIMEOUT} milliseconds`)
      .nullable()
      .optional(),
    topics: z.array(fetchTopicSchema).max(100).nullable().optional().transform((topics) => topics ?? []),
    sorting: z
      .array(z.looseObject({ sortBy: z.literal('createTime'), sortOrder: z.enum(['asc', 'desc']) }))
      .max(1)
      .nullable()
      .optional(),
  })
  .meta({ id: 'FetchExternalTasksDto' });

export const completeBody = z.looseObject({ workerId, variables: typedVariables, localVariables: typedVariables }).meta({ id: 'CompleteExternalTaskDto' });

export const failureBody = z
  .looseObject({
    workerId,
    errorMessage: z.string().max(4000).nullable().optional(),
    errorDetails: z.string().max(100_000).nullable().optional(),
    retries: z.number().int().min(0, 'retries must be >= 0').nullable().optional(),
    retryTimeout: z.number().int().min(0, 'retryTimeout must be >= 0').max(MAX_LOCK_MS).nullable().optional(),
    variables: typedVariables,
    localVariables: typedVariables,
  })
  .meta({ id: 'ExternalTaskFailureDto' });

export const bpmnErrorBody = z
  .looseObject({
    workerId,
    errorCode: z.string().min(1, 'give the errorCode').max(255),
    errorMessage: z.string().max(4000).nullable().optional(),
    variables: typedVariables,
  })
  .meta({ id: 'ExternalTaskBpmnError' });

export const extendLockBody = z
  .looseObject({ workerId, newDuration: z.number().int().positive('the new lock duration must be greater than zero').max(MAX_LOCK_MS) })
  .meta({ id: 'ExtendLockOnExternalTaskDto' });

export const lockBody = z
  .looseObject({ workerId, lockDuration: z.number().int().positive('the lock duration must be greater than zero').max(MAX_LOCK_MS) })
  .meta({ id: 'LockExternalTaskDto' });

/** Unlock takes no input; the JavaScript client sends no body at all. */
export const unlockBody = z.unknown().optional();

const camundaVariable = z.object({ value: z.union([z.string(), z.number(), z.boolean(), z.null()]), type: z.string(), valueInfo: z.object({}) });

export const lockedTaskSchema = z
  .object({
    id: z.uuid(),
    topicName: z.string(),
    workerId: z.string().nullable(),
    lockExpirationTime: z.string().nullable(),
    createTime: z.string().nullable(),
    processInstanceId: z.uuid(),
    processDefinitionId: z.uuid(),
    processDefinitionKey: z.string(),
    processDefinitionVersionTag: z.null(),
    activityId: z.string(),
    activityInstanceId: z.string(),
    executionId: z.string(),
    businessKey: z.string().nullable(),
    retries: z.number().int().nullable(),
    errorMessage: z.string().nullable(),
    errorDetails: z.string().nullable(),
    priority: z.number(),
    tenantId: z.null(),
    variables: z.record(z.string(), camundaVariable),
    extensionProperties: z.record(z.string(), z.string()).optional(),
  })
  .meta({ id: 'LockedExternalTaskDto' });

export const externalTaskSchema = lockedTaskSchema.omit({ variables: true, errorDetails: true, extensionProperties: true }).extend({ suspended: z.boolean() }).meta({ id: 'ExternalTaskDto' });

export const camundaErrorSchema = z.object({ type: z.string(), message: z.string(), requestId: z.string().optional() }).meta({ id: 'CamundaExceptionDto' });
