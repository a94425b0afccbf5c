import type { Knex } from 'knex';
import type { ActivityHistoryRow, IncidentRow, JobRow, ProcessInstanceRow, SubscriptionRow, UserTaskRow } from '../db/tables';
import { revived } from './json-rows';
import { activityFromRow, type ActivityRecord } from './activity-history.repo';
import { incidentFromRow, type Incident } from './incidents.repo';
import { jobFromRow, type Job } from './jobs.repo';
import { INSTANCE_SUMMARY_COLUMNS, instanceFromRow, type ProcessInstance } from './process-instances.repo';
import { subscriptionFromRow, type EventSubscription } from './subscriptions.repo';
import { userTaskFromRow, type UserTask } from './user-tasks.repo';

/** Everything the instance view shows, as read (the presenter's InstanceDetail adds the time of reading). */
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

/** `rows` of a table (or subquery) as one jsonb array, in `order`: one column of one statement. */
const aggregate = (rows: string, where: string, order: string) => `(SELECT coalesce(jsonb_agg(to_jsonb(r) ORDER BY ${order}), '[]') FROM ${rows} r WHERE ${where})`;
// `i.id` is the instance in both statements below.
const LIVE_JOBS = aggregate('jobs', `r.instance_id = i.id AND r.status IN ('pending', 'running')`, 'r.due_at, r.id');
const SUBSCRIPTIONS = aggregate('subscriptions', 'r.instance_id = i.id', 'r.created_at, r.id');
const tasks = (where: string) => aggregate('user_tasks', `r.instance_id = i.id${where}`, 'r.created_at, r.id');

/**
 * An instance with its version, tasks, live jobs and timers, subscriptions, newest incidents and
 * activity history, in one statement: the instance view is read after every start and on every
 * refresh, and seven round trips cost more than the rows they carry. The orders are those of the
 * single-table readers (tasks by creation, jobs by due time, history by start).
 */
export async function findInstanceDetail(db: Knex | Knex.Transaction, id: string): Promise<InstanceDetailRows | undefined> {
  const columns = INSTANCE_SUMMARY_COLUMNS.map((c) => `i.${c}`).join(', ');
  const newestIncidents = `(SELECT * FROM incidents WHERE instance_id = i.id ORDER BY created_at DESC, id LIMIT ${INCIDENT_LIMIT})`;
  const result = await db.raw(
    `SELECT ${columns}, v.version AS version_number, v.sha256 AS version_sha256,
       ${tasks('')} AS tasks, ${LIVE_JOBS} AS jobs, ${SUBSCRIPTIONS} AS subscriptions,
       ${aggregate(newestIncidents, 'true', 'r.created_at DESC, r.id')} AS incidents,
       ${aggregate('activity_history', 'r.instance_id = i.id', 'r.started_at, r.id')} AS history
     FROM process_instances i LEFT JOIN process_versions v ON v.id = i.version_id
     WHERE i.id = ?`,
    [id],
  );
  const row = result.rows[0] as (ProcessInstanceRow & AggregatedWaits & { version_number: number | null; version_sha256: string | null; incidents: unknown[]; history: unknown[] }) | undefined;
  if (!row) return undefined;
  return {
    instance: instanceFromRow(row),
    version: { version: row.version_number ?? 0, sha256: row.version_sha256 ?? '' },
    ...fromAggregates(row),
    incidents: revived<IncidentRow>(row.incidents).map(incidentFromRow),
    history: revived<ActivityHistoryRow>(row.history).map(activityFromRow),
  };
}

/** What an instance waits for as rows. */
export type LiveWaits = { openTasks: UserTask[]; liveJobs: Job[]; subscriptions: EventSubscription[] };

/**
 * What an instance waits for as rows — open tasks, live jobs and timers, subscriptions — in one
 * statement: every event reconciles them against the engine's snapshot.
 */
export async function findLiveWaits(db: Knex | Knex.Transaction, instanceId: string): Promise<LiveWaits> {
  const result = await db.raw(
    `SELECT ${tasks(` AND r.status IN ('open', 'awaiting_verification')`)} AS tasks, ${LIVE_JOBS} AS jobs, ${SUBSCRIPTIONS} AS subscriptions
       FROM (SELECT ?::uuid AS id) i`,
    [instanceId],
  );
  const { tasks: openTasks, jobs: liveJobs, subscriptions } = fromAggregates(result.rows[0] as AggregatedWaits);
  return { openTasks, liveJobs, subscriptions };
}

type AggregatedWaits = { tasks: unknown[]; jobs: unknown[]; subscriptions: unknown[] };

function fromAggregates(row: AggregatedWaits): Pick<InstanceDetailRows, 'tasks' | 'jobs' | 'subscriptions'> {
  return {
    tasks: revived<UserTaskRow>(row.tasks).map(userTaskFromRow),
    jobs: revived<JobRow>(row.jobs).map(jobFromRow),
    subscriptions: revived<SubscriptionRow>(row.subscriptions).map(subscriptionFromRow),
  };
}
