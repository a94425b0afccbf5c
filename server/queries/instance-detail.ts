import type { Knex } from 'knex';
import { NotFoundError } from '../errors/app-error';
import type { InstanceDetail } from '../presenters/instance.presenter';
import { findHistoryOfInstance } from '../repos/activity-history.repo';
import { listIncidents } from '../repos/incidents.repo';
import { findLiveJobsOfInstance } from '../repos/jobs.repo';
import { findInstance } from '../repos/process-instances.repo';
import { findProcessVersion } from '../repos/process-versions.repo';
import { findSubscriptionsOfInstance } from '../repos/subscriptions.repo';
import { findTasksOfInstance } from '../repos/user-tasks.repo';

/**
 * Everything the instance view shows: the instance with its variables, its version, its tasks,
 * live jobs and timers, subscriptions, incidents and activity history.
 * @throws NotFoundError
 */
export async function loadInstanceDetail(db: Knex, id: string, now: Date): Promise<InstanceDetail> {
  const instance = await findInstance(db, id);
  if (!instance) throw new NotFoundError(`No instance ${id}`);
  const [version, tasks, jobs, subscriptions, incidents, history] = await Promise.all([
    findProcessVersion(db, instance.versionId),
    findTasksOfInstance(db, id),
    findLiveJobsOfInstance(db, id),
    findSubscriptionsOfInstance(db, id),
    listIncidents(db, { instanceId: id, limit: 200, offset: 0 }),
    findHistoryOfInstance(db, id),
  ]);
  return {
    instance,
    version: { version: version?.version ?? 0, sha256: version?.sha256 ?? '' },
    tasks,
    jobs,
    subscriptions,
    incidents: incidents.items,
    history,
    now,
  };
}
