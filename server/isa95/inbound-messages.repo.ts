import type { Knex } from 'knex';

/** An inbound message as remembered for deduplication, with the answer it got. */
export type InboundMessage = {
  id: string;
  kind: string;
  messageId: string;
  sender: string | null;
  contentSha256: string;
  acknowledgement: Record<string, unknown>;
  receivedBy: string;
  receivedAt: Date;
  replays: number;
};

/**
 * Claims a message id: inserts the message unless one of the same kind and id exists. A
 * concurrent receipt of the same id waits here for the first one's commit, then finds it. Returns
 * the new row, or undefined when the id was already received.
 */
export async function claimInboundMessage(
  trx: Knex.Transaction,
  message: { kind: string; messageId: string; sender: string | null; contentSha256: string; payload: unknown; receivedBy: string; now: Date },
): Promise<InboundMessage | undefined> {
  const rows = await trx('inbound_messages')
    .insert({
      kind: message.kind,
      message_id: message.messageId,
      sender: message.sender,
      content_sha256: message.contentSha256,
      payload: JSON.stringify(message.payload),
      acknowledgement: '{}',
      received_by: message.receivedBy,
      received_at: message.now,
    })
    .onConflict(['kind', 'message_id'])
    .ignore()
    .returning('*');
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The message of this kind and id, locked for the rest of the transaction. */
export async function findInboundMessageForUpdate(trx: Knex.Transaction, kind: string, messageId: string): Promise<InboundMessage | undefined> {
  const row = await trx('inbound_messages').where({ kind, message_id: messageId }).forUpdate().first();
  return row ? fromRow(row) : undefined;
}

/** Stores the acknowledgement a message got, for replays. */
export async function saveAcknowledgement(trx: Knex.Transaction, id: string, acknowledgement: unknown): Promise<void> {
  await trx('inbound_messages').where({ id }).update({ acknowledgement: JSON.stringify(acknowledgement) });
}

/** Counts one more receipt of an already received message. */
export async function countReplay(trx: Knex.Transaction, id: string, now: Date): Promise<void> {
  await trx('inbound_messages').where({ id }).update({ replays: trx.raw('replays + 1'), last_replayed_at: now });
}

/** The order ids of this list that were accepted before. */
export async function findScheduledOrders(db: Knex | Knex.Transaction, orderIds: string[]): Promise<Map<string, { instanceId: string | null }>> {
  if (!orderIds.length) return new Map();
  const rows = (await db('production_requests').whereIn('order_id', orderIds).select('order_id', 'instance_id')) as Array<{ order_id: string; instance_id: string | null }>;
  return new Map(rows.map((row) => [row.order_id, { instanceId: row.instance_id }]));
}

/**
 * Records an accepted order; false when the order id was accepted before (also by a concurrent
 * message, whose commit this waits for).
 */
export async function insertScheduledOrder(
  trx: Knex.Transaction,
  order: { orderId: string; inboundMessageId: string; materialDefinitionId: string; request: unknown; now: Date },
): Promise<boolean> {
  const rows = await trx('production_requests')
    .insert({
      order_id: order.orderId,
      inbound_message_id: order.inboundMessageId,
      material_definition_id: order.materialDefinitionId,
      request: JSON.stringify(order.request),
      created_at: order.now,
    })
    .onConflict('order_id')
    .ignore()
    .returning('order_id');
  return rows.length === 1;
}

/** Records the release instance an accepted order started. */
export async function linkOrderToInstance(trx: Knex.Transaction, orderId: string, instanceId: string): Promise<void> {
  await trx('production_requests').where({ order_id: orderId }).update({ instance_id: instanceId });
}

type Row = {
  id: string;
  kind: string;
  message_id: string;
  sender: string | null;
  content_sha256: string;
  acknowledgement: Record<string, unknown>;
  received_by: string;
  received_at: Date;
  replays: number;
};

function fromRow(row: Row): InboundMessage {
  return {
    id: row.id,
    kind: row.kind,
    messageId: row.message_id,
    sender: row.sender,
    contentSha256: row.content_sha256,
    acknowledgement: row.acknowledgement,
    receivedBy: row.received_by,
    receivedAt: row.received_at,
    replays: row.replays,
  };
}
