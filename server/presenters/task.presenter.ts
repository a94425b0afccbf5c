import type { UserTask } from '../repos/user-tasks.repo';

type InstanceRef = { key: string; businessKey: string | null };

/** The JSON of a user task as the task list shows it (HTTP and socket.io alike). */
export function presentTask(task: UserTask, instance: InstanceRef, now: Date, form?: unknown) {
  return {
    id: task.id,
    name: task.name,
    instanceId: task.instanceId,
    activityId: task.activityId,
    key: instance.key,
    businessKey: instance.businessKey,
    candidateGroups: task.candidateGroups,
    candidateUsers: task.candidateUsers,
    assignee: task.assignee,
    dueAt: task.dueAt?.toISOString() ?? null,
    overdue: Boolean(task.dueAt && task.status === 'open' && task.dueAt < now),
    priority: task.priority,
    status: task.status,
    formRef: task.formRef,
    signature: task.signatureMeaning ? { required: true, meaning: task.signatureMeaning, verifierRequired: task.verifierRequired } : null,
    createdAt: task.createdAt.toISOString(),
    claimedAt: task.claimedAt?.toISOString() ?? null,
    completedBy: task.completedBy,
    completedAt: task.completedAt?.toISOString() ?? null,
    verifiedBy: task.verifiedBy,
    verifiedAt: task.verifiedAt?.toISOString() ?? null,
    ...(form !== undefined ? { form } : {}),
  };
}

/** The payload of live task events (`task.created`, `task.assigned`, `task.completed`). */
export function presentTaskEvent(task: UserTask, instance: InstanceRef) {
  return presentTask(task, instance, task.updatedAt);
}
