import type { Knex } from 'knex';

// The connector registry (issue 6): ERP/MES/QMS over HTTP and equipment over OPC UA.
// `config` is stored with every secret field masked; `secrets` holds them sealed with AES-256-GCM
// under a key the database never sees. A connector's name is what released models call, so it
// never changes, and a connector is disabled, never deleted.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('connectors', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('kind').notNullable();
    t.text('description');
    t.text('status').notNullable().defaultTo('active');
    t.jsonb('config').notNullable();
    t.text('secrets');
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.text('updated_by');
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('row_version').notNullable().defaultTo(1);
    t.timestamp('last_tested_at', { useTz: true });
    t.jsonb('last_test');
  });
  await knex.raw(`ALTER TABLE connectors ADD CONSTRAINT connectors_kind_check CHECK (kind IN ('http', 'opcua'))`);
  await knex.raw(`ALTER TABLE connectors ADD CONSTRAINT connectors_status_check CHECK (status IN ('active', 'disabled'))`);
  await knex.raw(`ALTER TABLE connectors ADD CONSTRAINT connectors_name_check CHECK (name ~ '^[A-Za-z][A-Za-z0-9_-]{0,63}$')`);
  await knex.raw(`CREATE UNIQUE INDEX connectors_name_unique ON connectors (lower(name))`);
  await knex.raw(`
    CREATE FUNCTION gemba_connectors_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'connectors are disabled, never deleted' USING ERRCODE = 'restrict_violation';
      END IF;
      IF NEW.name IS DISTINCT FROM OLD.name OR NEW.kind IS DISTINCT FROM OLD.kind THEN
        RAISE EXCEPTION 'a connector keeps its name and kind' USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`CREATE TRIGGER connectors_guard BEFORE UPDATE OR DELETE ON connectors FOR EACH ROW EXECUTE FUNCTION gemba_connectors_guard()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS connectors');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_connectors_guard()');
}
