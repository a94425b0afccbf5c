import type { Task, User } from './types';

const DUE_SOON_MS = 4 * 3_600_000;

/** Whether the task is assigned to the user (the server names assignees by user name). */
export function isMine(task: Task, user: User): boolean {
  return task.assignee === user.username || task.assignee === user.id;
}

/** Whether the user is among the task's candidates: one of their roles, or them by name. */
export function isCandidate(task: Task, user: User): boolean {
  return task.candidateGroups.some((g) => (user.roles as string[]).includes(g)) || task.candidateUsers.some((u) => u === user.username || u === user.id);
}

/** Whether the task is offered to the user and nobody has taken it. */
export function isOfferedTo(task: Task, user: User): boolean {
  return !task.assignee && task.status === 'open' && isCandidate(task, user);
}

/** Whether the user may fill in and complete the task now (the server's `mayWork`). */
export function mayComplete(task: Task, user: User): boolean {
  return task.status === 'open' && (task.assignee ? isMine(task, user) : isCandidate(task, user));
}

/**
 * Whether the user may verify a performed step: it awaits verification, they are a candidate,
 * and they did not perform it (segregation of duties, checked again by the server).
 */
export function mayVerify(task: Task, user: User): boolean {
  return task.status === 'awaiting_verification' && isCandidate(task, user) && task.completedBy !== user.username;
}

/**
 * Where a task stands against its due date: overdue, due within four hours, later, or none.
 * Overdue is the server's judgement when it gave one (its clock is the one that counts).
 */
export function dueState(task: Task, now = Date.now()): 'overdue' | 'due-soon' | 'due-later' | null {
  if (!task.dueAt) return null;
  const due = Date.parse(task.dueAt);
  if (Number.isNaN(due)) return null;
  if (task.overdue) return 'overdue';
  if (task.status !== 'open') return 'due-later';
  return due - now < DUE_SOON_MS ? 'due-soon' : 'due-later';
}
