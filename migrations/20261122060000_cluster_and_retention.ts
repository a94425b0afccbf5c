import type { Knex } from 'knex';

// Scale-out and retention (issue 9).
// - socket_io_attachments: socket.io's PostgreSQL adapter fans events out between nodes with
//   NOTIFY; payloads above NOTIFY's limit travel through this table (the adapter's own layout).
// - process_instances.runtime_purged_at: when retention removed a finished instance's runtime
//   state; the row itself stays as the instance's identity, so audit entries and genealogy keep
//   resolving.
// - archived_instances: with the `archive` policy, an instance's history (tasks, activities,
//   incidents, jobs, variables) as one JSON document, moved out of the live tables.

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE IF NOT EXISTS socket_io_attachments (
    id bigserial UNIQUE,
    created_at timestamptz DEFAULT now(),
    payload bytea
  )`);

  await knex.schema.alterTable('process_instances', (t) => {
    t.timestamp('runtime_purged_at', { useTz: true });
  });
  await knex.raw(`CREATE INDEX process_instances_retention ON process_instances (ended_at) WHERE ended_at IS NOT NULL AND runtime_purged_at IS NULL`);

  await knex.schema.createTable('archived_instances', (t) => {
    t.uuid('instance_id').primary().references('process_instances.id');
    t.text('policy').notNullable();
    t.timestamp('archived_at', { useTz: true }).notNullable();
    t.jsonb('document').notNullable();
  });
  // An archived history is a record: it may be read, never rewritten.
  await knex.raw(`
    CREATE FUNCTION gemba_archived_instances_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'archived instances are immutable: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await knex.raw(`CREATE TRIGGER archived_instances_immutable BEFORE UPDATE ON archived_instances FOR EACH ROW EXECUTE FUNCTION gemba_archived_instances_immutable()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('archived_instances');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_archived_instances_immutable()');
  await knex.raw('DROP INDEX IF EXISTS process_instances_retention');
  await knex.schema.alterTable('process_instances', (t) => {
    t.dropColumn('runtime_purged_at');
  });
  await knex.raw('DROP TABLE IF EXISTS socket_io_attachments');
}
