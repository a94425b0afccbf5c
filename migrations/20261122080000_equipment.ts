import type { Knex } from 'knex';

// Equipment monitoring (issue 6, E02, E03): what each registered `opcua` connector's monitor
// watches, the equipment's live state as last observed, and the observations a node acted on.
// The observations' primary key is the cluster-wide claim: every node sees every change, and the
// node whose insert wins is the one that records it and correlates its message.

export async function up(knex: Knex): Promise<void> {
  // Which nodes of an equipment endpoint to watch, and which observations become messages.
  await knex.schema.createTable('equipment_monitoring', (t) => {
    t.text('equipment_id').primary(); // the opcua connector's name
    t.jsonb('config').notNullable();
    t.text('updated_by').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('row_version').notNullable().defaultTo(1);
  });

  // The latest observed value of each watched role (state, counters, temperature, setpoint), the
  // latest alarm, and the connection as the node that last reported it saw it.
  await knex.schema.createTable('equipment_state', (t) => {
    t.text('equipment_id').primary();
    t.jsonb('readings').notNullable().defaultTo('{}');
    t.jsonb('alarm');
    t.text('connection').notNullable().defaultTo('unknown');
    t.timestamp('connection_changed_at', { useTz: true });
    t.text('connection_observed_by');
    t.timestamp('last_sample_at', { useTz: true });
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`ALTER TABLE equipment_state ADD CONSTRAINT equipment_state_connection_check CHECK (connection IN ('unknown', 'connected', 'disconnected', 'unreachable'))`);

  await knex.schema.createTable('equipment_observations', (t) => {
    t.text('equipment_id').notNullable();
    // Derived from what the equipment reported (node, source timestamp, value; condition and
    // event id), so every node computes the same key for the same change, replays included.
    t.text('dedupe_key').notNullable();
    t.text('kind').notNullable();
    t.timestamp('source_timestamp', { useTz: true });
    t.jsonb('payload').notNullable();
    // The message it correlated and the instances it reached or started, if any.
    t.jsonb('message');
    t.text('node_id').notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable();
    t.primary(['equipment_id', 'dedupe_key']);
  });
  await knex.raw(`ALTER TABLE equipment_observations ADD CONSTRAINT equipment_observations_kind_check CHECK (kind IN ('data', 'alarm', 'gap'))`);
  await knex.raw(`CREATE INDEX equipment_observations_kind ON equipment_observations (equipment_id, kind, recorded_at)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('equipment_observations');
  await knex.schema.dropTableIfExists('equipment_state');
  await knex.schema.dropTableIfExists('equipment_monitoring');
}
