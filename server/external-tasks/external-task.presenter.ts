import type { ExternalTask } from './external-tasks.repo';
import { toCamundaVariables, type CamundaVariable } from './variables';

/** Camunda's REST date format: `2026-01-31T12:00:00.000+0000` (what its clients parse). */
export function camundaDate(date: Date | null): string | null {
  return date ? date.toISOString().replace(/Z$/, '+0000') : null;
}

/** Which variables a locked task carries: Camunda's `variables` and `localVariables` options. */
export type VariableSelection = { names?: string[] | null; localOnly?: boolean; includeExtensionProperties?: boolean };

/**
 * The variables visible to the task: its input (camunda:inputParameter values, which shadow
 * process variables of the same name, as local variables do in Camunda) over the instance's
 * current variables. With `localOnly`, the input alone.
 */
export function visibleVariables(task: ExternalTask, localOnly = false): Record<string, unknown> {
  return localOnly ? { ...task.input } : { ...task.variables, ...task.input };
}

/** Camunda 7's LockedExternalTaskDto, as fetchAndLock answers it. */
export function presentLockedTask(task: ExternalTask, selection: VariableSelection = {}) {
  return {
    activityId: task.activityId,
    activityInstanceId: task.executionId,
    errorMessage: task.errorMessage,
    errorDetails: task.errorDetails,
    executionId: task.executionId,
    id: task.id,
    lockExpirationTime: camundaDate(task.lockExpiresAt),
    createTime: camundaDate(task.createdAt),
    processDefinitionId: task.versionId,
    processDefinitionKey: task.key,
    processDefinitionVersionTag: null,
    processInstanceId: task.instanceId,
    tenantId: null,
    retries: presentRetries(task),
    workerId: task.workerId,
    priority: task.priority,
    topicName: task.topic,
    businessKey: task.businessKey,
    variables: toCamundaVariables(visibleVariables(task, selection.localOnly), selection.names) as Record<string, CamundaVariable>,
    ...(selection.includeExtensionProperties ? { extensionProperties: {} } : {}),
  };
}

/** Camunda 7's ExternalTaskDto (GET /external-task/{id}). */
export function presentExternalTask(task: ExternalTask) {
  return {
    activityId: task.activityId,
    activityInstanceId: task.executionId,
    errorMessage: task.errorMessage,
    executionId: task.executionId,
    id: task.id,
    lockExpirationTime: camundaDate(task.lockExpiresAt),
    createTime: camundaDate(task.createdAt),
    processDefinitionId: task.versionId,
    processDefinitionKey: task.key,
    processDefinitionVersionTag: null,
    processInstanceId: task.instanceId,
    tenantId: null,
    retries: presentRetries(task),
    suspended: false,
    workerId: task.workerId,
    priority: task.priority,
    topicName: task.topic,
    businessKey: task.businessKey,
  };
}

// A task whose retries ran out and whose incident was retried is live again: show it as fresh
// (Camunda's `null`) rather than as a task with no retries left, which workers treat as final.
function presentRetries(task: ExternalTask): number | null {
  return task.retries === 0 && (task.status === 'pending' || task.status === 'running') ? null : task.retries;
}
