import type { Knex } from 'knex';

// Notifications sent to roles (escalation tiers, W17). The live copy goes over socket.io to the
// roles' rooms after commit; this table is the record of who was told what, when.

export type Notification = {
  id: string;
  instanceId: string | null;
  processKey: string | null;
  businessKey: string | null;
  tier: number | null;
  roles: string[];
  subject: string;
  eventClass: string | null;
  jobId: string | null;
  createdAt: Date;
};

type NotificationRow = {
  id: string;
  instance_id: string | null;
  process_key: string | null;
  business_key: string | null;
  tier: number | null;
  roles: string[];
  subject: string;
  event_class: string | null;
  job_id: string | null;
  created_at: Date;
};

const fromRow = (row: NotificationRow): Notification => ({
  id: row.id,
  instanceId: row.instance_id,
  processKey: row.process_key,
  businessKey: row.business_key,
  tier: row.tier,
  roles: row.roles,
  subject: row.subject,
  eventClass: row.event_class,
  jobId: row.job_id,
  createdAt: row.created_at,
});

export async function insertNotification(trx: Knex.Transaction, n: Omit<Notification, 'id' | 'createdAt'> & { now: Date }): Promise<Notification> {
  const [row] = await trx('notifications')
    .insert({
      instance_id: n.instanceId,
      process_key: n.processKey,
      business_key: n.businessKey,
      tier: n.tier,
      roles: n.roles,
      subject: n.subject,
      event_class: n.eventClass,
      job_id: n.jobId,
      created_at: n.now,
    })
    .returning('*');
  return fromRow(row as NotificationRow);
}

/** Notifications addressed to any of these roles, newest first. */
export async function listNotificationsForRoles(db: Knex | Knex.Transaction, roles: string[], page: { limit: number; offset: number }): Promise<{ items: Notification[]; total: number }> {
  if (roles.length === 0) return { items: [], total: 0 };
  const literal = `{${roles.map((r) => `"${r.replace(/["\\]/g, '')}"`).join(',')}}`;
  const base = db('notifications').whereRaw('roles && ?::text[]', [literal]);
  const [{ count }] = await base.clone().count<{ count: string }[]>({ count: '*' });
  const rows = await base.clone().orderBy('created_at', 'desc').orderBy('id').limit(page.limit).offset(page.offset);
  return { items: (rows as NotificationRow[]).map(fromRow), total: Number(count) };
}

export async function findNotificationsOfInstance(db: Knex | Knex.Transaction, instanceId: string): Promise<Notification[]> {
  const rows = await db('notifications').where({ instance_id: instanceId }).orderBy('created_at');
  return (rows as NotificationRow[]).map(fromRow);
}
