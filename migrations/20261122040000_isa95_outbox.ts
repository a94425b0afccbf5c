import type { Knex } from 'knex';

// ISA-95 integration (issue 6, I01/I02/I04): inbound messages remembered by their message id
// (BODID) so that a repeated message gets the same acknowledgement and starts nothing; the
// production requests (work orders) accepted from them, one per order id; the material master the
// schedule is checked against; and the outbox of outbound messages, delivered at least once by a
// dispatcher outside any transaction, with attempts, a next try and a dead-letter status.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('inbound_messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    t.text('message_id').notNullable();
    t.text('sender');
    // SHA-256 of the canonical message: a reused id with other content is refused, not replayed.
    t.text('content_sha256').notNullable();
    t.jsonb('payload').notNullable();
    t.jsonb('acknowledgement').notNullable();
    t.text('received_by').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable();
    t.integer('replays').notNullable().defaultTo(0);
    t.timestamp('last_replayed_at', { useTz: true });
    t.unique(['kind', 'message_id']);
    t.index(['received_at']);
  });

  await knex.schema.createTable('production_requests', (t) => {
    t.text('order_id').primary();
    t.uuid('inbound_message_id').notNullable().references('inbound_messages.id');
    t.uuid('instance_id').references('process_instances.id');
    t.text('material_definition_id').notNullable();
    t.jsonb('request').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['instance_id']);
  });

  await knex.schema.createTable('material_definitions', (t) => {
    t.text('id').primary();
    t.text('description');
    t.text('unit').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.text('updated_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`ALTER TABLE material_definitions ADD CONSTRAINT material_definitions_status_check CHECK (status IN ('active', 'inactive'))`);

  await knex.schema.createTable('outbox_messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    t.text('target_connector').notNullable();
    t.text('target_operation').notNullable();
    // Set when the producer may run twice (a built-in connector retried with the same job id).
    t.text('idempotency_key');
    t.text('order_id');
    t.uuid('instance_id').references('process_instances.id');
    t.jsonb('payload').notNullable();
    t.jsonb('variables').notNullable();
    t.text('status').notNullable();
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable();
    t.timestamp('next_attempt_at', { useTz: true }).notNullable();
    t.text('lease_owner');
    t.timestamp('lease_expires_at', { useTz: true });
    t.text('last_error');
    t.jsonb('response');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('dead_at', { useTz: true });
    t.index(['status', 'created_at']);
    t.index(['order_id']);
  });
  await knex.raw(`ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_status_check CHECK (status IN ('pending', 'delivering', 'delivered', 'dead'))`);
  await knex.raw(`CREATE UNIQUE INDEX outbox_messages_idempotency_key ON outbox_messages (idempotency_key) WHERE idempotency_key IS NOT NULL`);
  await knex.raw(`CREATE INDEX outbox_messages_due ON outbox_messages (next_attempt_at) WHERE status IN ('pending', 'delivering')`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS outbox_messages');
  await knex.raw('DROP TABLE IF EXISTS material_definitions');
  await knex.raw('DROP TABLE IF EXISTS production_requests');
  await knex.raw('DROP TABLE IF EXISTS inbound_messages');
}
