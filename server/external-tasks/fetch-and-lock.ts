import type { Actor, RequestContext } from '../auth/actor';
import { runCommand, type CommandContext, type CommandDeps } from '../commands/run-command';
import { camundaDate } from './external-task.presenter';
import { claimExternalTasks, type ExternalTask } from './external-tasks.repo';
import { lockHolderOf, workableKeys } from './access';
import type { TaskWaiters } from './task-waiters';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One topic of a fetch-and-lock request (Camunda's FetchExternalTaskTopicDto). */
export type FetchTopic = {
  topicName: string;
  lockDuration: number;
  variables?: string[] | null;
  localVariables?: boolean;
  businessKey?: string | null;
  processDefinitionKey?: string | null;
  processDefinitionKeyIn?: string[] | null;
  processDefinitionId?: string | null;
  processDefinitionIdIn?: string[] | null;
  processDefinitionVersionTag?: string | null;
  processVariables?: Record<string, unknown> | null;
  tenantIdIn?: string[] | null;
  withoutTenantId?: boolean;
  includeExtensionProperties?: boolean;
};

/** A fetch-and-lock request (Camunda's FetchExternalTasksDto). */
export type FetchAndLockInput = {
  workerId: string;
  maxTasks: number;
  usePriority?: boolean;
  asyncResponseTimeout?: number | null;
  topics: FetchTopic[];
  sorting?: Array<{ sortBy: string; sortOrder: 'asc' | 'desc' }> | null;
};

/** A task this fetch locked, with the topic options that shape its variables. */
export type LockedTask = { task: ExternalTask; topic: FetchTopic };

/**
 * Locks fetchable external tasks of the requested topics for one worker, in one short
 * transaction, and records each lock in the audit trail (who took which work until when). Topics
 * are served in the order given, each up to the tasks still wanted.
 */
export async function lockExternalTasks(ctx: CommandContext, input: FetchAndLockInput): Promise<LockedTask[]> {
  const keys = workableKeys(ctx.actor);
  const lockedBy = lockHolderOf(ctx.actor);
  const newestFirst = input.sorting?.[0]?.sortOrder === 'desc';
  const locked: LockedTask[] = [];
  for (const topic of input.topics) {
    const wanted = input.maxTasks - locked.length;
    if (wanted <= 0) break;
    const filter = topicFilter(topic);
    if (!filter) continue;
    const tasks = await claimExternalTasks(ctx.trx, {
      topic: topic.topicName,
      workerId: input.workerId,
      lockedBy,
      now: ctx.now,
      lockMs: topic.lockDuration,
      limit: wanted,
      keys,
      usePriority: input.usePriority ?? false,
      newestFirst,
      ...filter,
    });
    for (const task of tasks) {
      locked.push({ task, topic });
      ctx.emit({
        type: 'externalTask.locked',
        entity: { type: 'Job', id: task.id },
        after: { topic: task.topic, workerId: input.workerId, lockExpirationTime: camundaDate(task.lockExpiresAt), activityId: task.activityId },
        context: { instanceId: task.instanceId, key: task.key, businessKey: task.businessKey },
      });
    }
  }
  return locked;
}

/**
 * Camunda's fetch-and-lock with long polling: looks at once; with `asyncResponseTimeout`, waits
 * until a task is locked or the timeout passes, looking again when this node commits a task of a
 * requested topic and every `repollMs` (tasks made fetchable by other nodes, expired locks, retry
 * timeouts). No database connection is held while waiting. An aborted request stops the wait.
 */
export async function fetchAndLock(
  deps: CommandDeps & { waiters: TaskWaiters; repollMs: number },
  actor: Actor,
  request: RequestContext,
  input: FetchAndLockInput,
  signal?: AbortSignal,
): Promise<LockedTask[]> {
  if (input.maxTasks <= 0 || input.topics.length === 0) return [];
  const timeout = input.asyncResponseTimeout ?? 0;
  const deadline = Date.now() + timeout;
  const ticket = deps.waiters.register(input.topics.map((t) => t.topicName));
  try {
    for (;;) {
      const locked = await runCommand(deps, actor, request, (ctx) => lockExternalTasks(ctx, input));
      if (locked.length || timeout <= 0 || signal?.aborted || deps.waiters.isClosed) return locked;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await ticket.wait(Math.min(remaining, deps.repollMs), signal);
      if (signal?.aborted) return [];
    }
  } finally {
    ticket.dispose();
  }
}

/**
 * A topic's filters in Gemba's terms, or undefined when it can match nothing here: Gemba has no
 * tenants and no version tags, and its process definition ids are version uuids.
 */
function topicFilter(topic: FetchTopic) {
  if (topic.tenantIdIn?.length || topic.processDefinitionVersionTag) return undefined;
  const definitionKeys = [...(topic.processDefinitionKey ? [topic.processDefinitionKey] : []), ...(topic.processDefinitionKeyIn ?? [])];
  const definitionIds = [...(topic.processDefinitionId ? [topic.processDefinitionId] : []), ...(topic.processDefinitionIdIn ?? [])];
  const versionIds = definitionIds.filter((id) => UUID.test(id));
  if (definitionIds.length && !versionIds.length) return undefined;
  return {
    ...(definitionKeys.length ? { definitionKeys } : {}),
    ...(versionIds.length ? { versionIds } : {}),
    ...(topic.businessKey !== undefined && topic.businessKey !== null ? { businessKey: topic.businessKey } : {}),
    ...(topic.processVariables ? { processVariables: topic.processVariables } : {}),
  };
}
