import type { Knex } from 'knex';
import { NotFoundError } from '../errors/app-error';
import type { InstanceDetail } from '../presenters/instance.presenter';
import { findInstanceDetail } from '../repos/instance-detail.repo';

/**
 * Everything the instance view shows: the instance with its variables, its version, its tasks,
 * live jobs and timers, subscriptions, incidents and activity history.
 * @throws NotFoundError
 */
export async function loadInstanceDetail(db: Knex | Knex.Transaction, id: string, now: Date): Promise<InstanceDetail> {
  const detail = await findInstanceDetail(db, id);
  if (!detail) throw new NotFoundError(`No instance ${id}`);
  return { ...detail, now };
}
