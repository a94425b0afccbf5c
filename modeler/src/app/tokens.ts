import type { Instance } from './types';

const LIVE_JOB = new Set(['pending', 'running']);

/**
 * Where the tokens of an instance are, which way they went, and where they failed, as element
 * id sets: a token waits at each open task (or one awaiting its verification), pending timer,
 * live service job and message or signal subscription, and at each activity the history shows
 * started but not ended; the path taken is every activity that ended; incidents are the open ones.
 */
export function tokenState(instance: Instance) {
  const history = instance.history ?? [];
  const waiting = new Map<string, number>();
  const add = (id: string | null | undefined) => id && waiting.set(id, (waiting.get(id) ?? 0) + 1);
  const live = instance.status === 'running' || instance.status === 'incident';
  if (live) {
    const tasks = instance.tasks ?? instance.openTasks ?? [];
    for (const task of tasks) if (task.status === 'open' || task.status === 'awaiting_verification') add(task.activityId);
    for (const timer of instance.timers ?? []) if (LIVE_JOB.has(timer.status ?? 'pending')) add(timer.activityId);
    for (const job of instance.jobs ?? []) if (LIVE_JOB.has(job.status)) add(job.activityId);
    for (const subscription of instance.subscriptions ?? []) add(subscription.activityId);
    for (const entry of history) if (!entry.endedAt && !waiting.has(entry.activityId)) add(entry.activityId);
  }
  const taken = new Set(history.filter((e) => e.endedAt).map((e) => e.activityId));
  const incidents = new Set((instance.incidents ?? []).filter((i) => i.status !== 'resolved').map((i) => i.activityId).filter((id): id is string => !!id));
  return { waiting, taken, incidents };
}
