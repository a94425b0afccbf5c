import type { Knex } from 'knex';
import type { ActivityHistoryRow, IncidentRow, JobRow, ProcessInstanceRow, SubscriptionRow, UserTaskRow } from '../db/tables';
import { revived } from './json-rows';
import { activityFromRow, type ActivityRecord } from './activity-history.repo';
import { incidentFromRow, type Incident } from './incidents.repo';
import { jobFromRow, type Job } from './jobs.repo';
import { INSTANCE_SUMMARY_COLUMNS, instanceFromRow, type ProcessInstance } from './process-instances.repo';
import { subscriptionFromRow, type EventSubscription } from './subscriptions.repo';
import { userTaskFromRow, type UserTask } from './user-tasks.repo';

export type InstanceDetailRows = {
  instance: ProcessInstance;
  version: { version: number; sha256: string };
  tasks: UserTask[];
  jobs: Job[];
  subscriptions: EventSubscription[];
  incidents: Incident[];
  history: ActivityRecord[];
};

const INCIDENT_LIMIT = 200;

/**
 * An instance with its version, tasks, live jobs and timers, subscriptions, newest incidents and
 * activity history, in one statement: the instance view is read after every start and on every
 * refresh, and seven round trips cost more than the rows they carry. The orders are those of the
 * single-table readers (tasks by creation, jobs by due time, history by start).
 */
export async function findInstanceDetail(db: Knex | Knex.Transaction, id: string): Promise<InstanceDetailRows | undefined> {
  const columns = INSTANCE_SUMMARY_COLUMNS.map((c) => `i.${c}`).join(', ');
  const result = await db.raw(
    `SELECT ${columns}, v.version AS version_number, v.sha256 AS version_sha256,
       (SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]') FROM user_tasks t WHERE t.instance_id = i.id) AS detail_tasks,
       (SELECT coalesce(jsonb_agg(to_jsonb(j) ORDER BY j.due_at, j.id), '[]') FROM jobs j WHERE j.instance_id = i.id AND j.status IN ('pending', 'running')) AS detail_jobs,
       (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.created_at, s.id), '[]') FROM subscriptions s WHERE s.instance_id = i.id) AS detail_subscriptions,
       (SELECT coalesce(jsonb_agg(to_jsonb(n) ORDER BY n.created_at DESC, n.id), '[]')
          FROM (SELECT * FROM incidents WHERE instance_id = i.id ORDER BY created_at DESC, id LIMIT ${INCIDENT_LIMIT}) n) AS detail_incidents,
       (SELECT coalesce(jsonb_agg(to_jsonb(h) ORDER BY h.started_at, h.id), '[]') FROM activity_history h WHERE h.instance_id = i.id) AS detail_history
     FROM process_instances i LEFT JOIN process_versions v ON v.id = i.version_id
     WHERE i.id = ?`,
    [id],
  );
  const row = result.rows[0] as
    | (ProcessInstanceRow & { version_number: number | null; version_sha256: string | null; detail_tasks: unknown[]; detail_jobs: unknown[]; detail_subscriptions: unknown[]; detail_incidents: unknown[]; detail_history: unknown[] })
    | undefined;
  if (!row) return undefined;
  return {
    instance: instanceFromRow(row),
    version: { version: row.version_number ?? 0, sha256: row.version_sha256 ?? '' },
    tasks: revived<UserTaskRow>(row.detail_tasks).map(userTaskFromRow),
    jobs: revived<JobRow>(row.detail_jobs).map(jobFromRow),
    subscriptions: revived<SubscriptionRow>(row.detail_subscriptions).map(subscriptionFromRow),
    incidents: revived<IncidentRow>(row.detail_incidents).map(incidentFromRow),
    history: revived<ActivityHistoryRow>(row.detail_history).map(activityFromRow),
  };
}

export type LiveWaits = { openTasks: UserTask[]; liveJobs: Job[]; subscriptions: EventSubscription[] };

/**
 * What an instance waits for as rows — open tasks, live jobs and timers, subscriptions — in one
 * statement: every event reconciles them against the engine's snapshot.
 */
export async function findLiveWaits(db: Knex | Knex.Transaction, instanceId: string): Promise<LiveWaits> {
  const result = await db.raw(
    `SELECT
       (SELECT coalesce(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]') FROM user_tasks t WHERE t.instance_id = ? AND t.status IN ('open', 'awaiting_verification')) AS tasks,
       (SELECT coalesce(jsonb_agg(to_jsonb(j) ORDER BY j.due_at, j.id), '[]') FROM jobs j WHERE j.instance_id = ? AND j.status IN ('pending', 'running')) AS jobs,
       (SELECT coalesce(jsonb_agg(to_jsonb(s) ORDER BY s.created_at, s.id), '[]') FROM subscriptions s WHERE s.instance_id = ?) AS subscriptions`,
    [instanceId, instanceId, instanceId],
  );
  const row = result.rows[0] as { tasks: unknown[]; jobs: unknown[]; subscriptions: unknown[] };
  return {
    openTasks: revived<UserTaskRow>(row.tasks).map(userTaskFromRow),
    liveJobs: revived<JobRow>(row.jobs).map(jobFromRow),
    subscriptions: revived<SubscriptionRow>(row.subscriptions).map(subscriptionFromRow),
  };
}
