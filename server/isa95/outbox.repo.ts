import type { Knex } from 'knex';

export type OutboxStatus = 'pending' | 'delivering' | 'delivered' | 'dead';

/** One outbound message and its delivery state. */
export type OutboxMessage = {
  id: string;
  kind: string;
  target: { connector: string; operation: string };
  idempotencyKey: string | null;
  orderId: string | null;
  instanceId: string | null;
  payload: Record<string, unknown>;
  variables: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  lastError: string | null;
  response: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt: Date | null;
  deadAt: Date | null;
};

export type NewOutboxMessage = {
  id: string;
  kind: string;
  target: { connector: string; operation: string };
  idempotencyKey: string | null;
  orderId: string | null;
  instanceId: string | null;
  payload: unknown;
  variables: unknown;
  maxAttempts: number;
  now: Date;
};

/**
 * Adds a message to the outbox in the caller's transaction. With an idempotency key already used,
 * nothing is inserted and the existing message comes back (`created: false`).
 */
export async function insertOutboxMessage(trx: Knex.Transaction, message: NewOutboxMessage): Promise<{ message: OutboxMessage; created: boolean }> {
  const insert = trx('outbox_messages').insert({
    id: message.id,
    kind: message.kind,
    target_connector: message.target.connector,
    target_operation: message.target.operation,
    idempotency_key: message.idempotencyKey,
    order_id: message.orderId,
    instance_id: message.instanceId,
    payload: JSON.stringify(message.payload),
    variables: JSON.stringify(message.variables),
    status: 'pending',
    attempts: 0,
    max_attempts: message.maxAttempts,
    next_attempt_at: message.now,
    created_at: message.now,
    updated_at: message.now,
  });
  const rows = message.idempotencyKey
    ? await insert.onConflict(trx.raw('(idempotency_key) WHERE idempotency_key IS NOT NULL')).ignore().returning('*')
    : await insert.returning('*');
  if (rows[0]) return { message: fromRow(rows[0] as Row), created: true };
  const existing = await trx('outbox_messages').where({ idempotency_key: message.idempotencyKey }).first();
  return { message: fromRow(existing as Row), created: false };
}

/**
 * Claims due messages for delivery with `FOR UPDATE SKIP LOCKED` and a lease: pending ones whose
 * next try has come, and ones whose deliverer died (lease expired). Each claim counts an attempt.
 */
export async function claimDueOutboxMessages(db: Knex, options: { owner: string; now: Date; leaseMs: number; limit: number }): Promise<OutboxMessage[]> {
  const result = await db.raw(
    `UPDATE outbox_messages SET status = 'delivering', lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1, updated_at = ?
      WHERE id IN (
        SELECT id FROM outbox_messages
         WHERE (status = 'pending' AND next_attempt_at <= ?) OR (status = 'delivering' AND lease_expires_at <= ?)
         ORDER BY next_attempt_at, created_at
         LIMIT ?
         FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [options.owner, new Date(options.now.getTime() + options.leaseMs), options.now, options.now, options.now, options.limit],
  );
  return (result.rows as Row[]).map(fromRow).sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime() || a.createdAt.getTime() - b.createdAt.getTime());
}

/** When the next pending message is due (the dispatcher sleeps until then). */
export async function nextOutboxAttemptAt(db: Knex): Promise<Date | undefined> {
  const row = await db('outbox_messages').where({ status: 'pending' }).min({ due: 'next_attempt_at' }).first();
  return row?.due ? new Date(row.due as Date) : undefined;
}

/** One outbox message. */
export async function findOutboxMessage(db: Knex | Knex.Transaction, id: string): Promise<OutboxMessage | undefined> {
  const row = await db('outbox_messages').where({ id }).first();
  return row ? fromRow(row as Row) : undefined;
}

/** One outbox message, locked for the rest of the transaction. */
export async function findOutboxMessageForUpdate(trx: Knex.Transaction, id: string): Promise<OutboxMessage | undefined> {
  const row = await trx('outbox_messages').where({ id }).forUpdate().first();
  return row ? fromRow(row as Row) : undefined;
}

export type OutboxPatch = Partial<{
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lease: { owner: string; expiresAt: Date } | null;
  lastError: string | null;
  response: Record<string, unknown> | null;
  deliveredAt: Date | null;
  deadAt: Date | null;
}>;

/** Applies a patch and returns the message as it now is. */
export async function updateOutboxMessage(trx: Knex.Transaction, id: string, patch: OutboxPatch, now: Date): Promise<OutboxMessage> {
  const columns: Record<string, unknown> = { updated_at: now };
  if (patch.status) columns.status = patch.status;
  if (patch.attempts !== undefined) columns.attempts = patch.attempts;
  if (patch.nextAttemptAt) columns.next_attempt_at = patch.nextAttemptAt;
  if (patch.lease !== undefined) {
    columns.lease_owner = patch.lease?.owner ?? null;
    columns.lease_expires_at = patch.lease?.expiresAt ?? null;
  }
  if (patch.lastError !== undefined) columns.last_error = patch.lastError === null ? null : patch.lastError.slice(0, 4000);
  if (patch.response !== undefined) columns.response = patch.response === null ? null : JSON.stringify(patch.response);
  if (patch.deliveredAt !== undefined) columns.delivered_at = patch.deliveredAt;
  if (patch.deadAt !== undefined) columns.dead_at = patch.deadAt;
  const [row] = await trx('outbox_messages').where({ id }).update(columns).returning('*');
  return fromRow(row as Row);
}

export type OutboxFilter = { status?: OutboxStatus; orderId?: string; kind?: string; limit: number; offset: number };

/** A page of outbox messages, newest first. */
export async function listOutboxMessages(db: Knex | Knex.Transaction, filter: OutboxFilter): Promise<{ items: OutboxMessage[]; total: number }> {
  const query = db('outbox_messages').modify((q) => {
    if (filter.status) q.where({ status: filter.status });
    if (filter.orderId) q.where({ order_id: filter.orderId });
    if (filter.kind) q.where({ kind: filter.kind });
  });
  const [{ count }] = await query.clone().count({ count: '*' });
  const rows = (await query.orderBy('created_at', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset)) as Row[];
  return { items: rows.map(fromRow), total: Number(count) };
}

type Row = {
  id: string;
  kind: string;
  target_connector: string;
  target_operation: string;
  idempotency_key: string | null;
  order_id: string | null;
  instance_id: string | null;
  payload: Record<string, unknown>;
  variables: Record<string, unknown>;
  status: OutboxStatus;
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  last_error: string | null;
  response: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
  dead_at: Date | null;
};

const date = (value: Date | string | null): Date | null => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(value));

function fromRow(row: Row): OutboxMessage {
  return {
    id: row.id,
    kind: row.kind,
    target: { connector: row.target_connector, operation: row.target_operation },
    idempotencyKey: row.idempotency_key,
    orderId: row.order_id,
    instanceId: row.instance_id,
    payload: row.payload,
    variables: row.variables,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: date(row.next_attempt_at)!,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: date(row.lease_expires_at),
    lastError: row.last_error,
    response: row.response,
    createdAt: date(row.created_at)!,
    updatedAt: date(row.updated_at)!,
    deliveredAt: date(row.delivered_at),
    deadAt: date(row.dead_at),
  };
}
