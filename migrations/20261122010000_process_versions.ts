import type { Knex } from 'knex';

// Controlled process versions (W01–W07) and electronic signatures (C07–C10).

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('process_versions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('key').notNullable();
    t.integer('version').notNullable();
    t.text('name');
    t.text('status').notNullable();
    t.text('xml').notNullable();
    t.jsonb('forms').notNullable().defaultTo('{}');
    t.text('sha256').notNullable();
    t.text('change_reason').notNullable();
    t.uuid('based_on_id').references('process_versions.id');
    t.specificType('authors', 'text[]').notNullable().defaultTo('{}');
    t.jsonb('lint');
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.text('submitted_by');
    t.timestamp('submitted_at', { useTz: true });
    t.timestamp('released_at', { useTz: true });
    t.timestamp('superseded_at', { useTz: true });
    t.timestamp('retired_at', { useTz: true });
    t.integer('row_version').notNullable().defaultTo(1);
    t.unique(['key', 'version']);
    t.index(['key', 'status']);
  });
  await knex.raw(`ALTER TABLE process_versions ADD CONSTRAINT process_versions_status_check
    CHECK (status IN ('draft', 'in_review', 'approved', 'rejected', 'released', 'superseded', 'retired'))`);
  // One released version per key at a time.
  await knex.raw(`CREATE UNIQUE INDEX process_versions_one_released ON process_versions (key) WHERE status = 'released'`);
  // W01/W04: from submit on, the content of a version never changes, whoever asks.
  await knex.raw(`
    CREATE FUNCTION gemba_process_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'process versions are never deleted' USING ERRCODE = 'restrict_violation';
      END IF;
      IF OLD.status <> 'draft' AND (NEW.xml IS DISTINCT FROM OLD.xml OR NEW.forms IS DISTINCT FROM OLD.forms
          OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.key IS DISTINCT FROM OLD.key OR NEW.version IS DISTINCT FROM OLD.version) THEN
        RAISE EXCEPTION 'the content of a submitted process version never changes' USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`CREATE TRIGGER process_versions_guard BEFORE UPDATE OR DELETE ON process_versions FOR EACH ROW EXECUTE FUNCTION gemba_process_versions_guard()`);

  await knex.schema.createTable('signatures', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('record_type').notNullable();
    t.text('record_id').notNullable();
    t.text('record_hash').notNullable();
    t.uuid('signer_id').notNullable().references('users.id');
    t.text('signer_username').notNullable();
    t.text('printed_name').notNullable();
    t.text('meaning').notNullable();
    t.text('comment');
    t.timestamp('signed_at', { useTz: true }).notNullable();
    t.uuid('session_id');
    t.text('request_id');
    t.text('station');
    t.index(['record_type', 'record_id']);
    t.index(['signer_id']);
  });
  // C09: a signature, once given, is never changed or removed.
  await knex.raw(`
    CREATE FUNCTION gemba_signatures_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'signatures are immutable: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await knex.raw(`CREATE TRIGGER signatures_immutable BEFORE UPDATE OR DELETE ON signatures FOR EACH ROW EXECUTE FUNCTION gemba_signatures_immutable()`);
  await knex.raw(`CREATE TRIGGER signatures_no_truncate BEFORE TRUNCATE ON signatures FOR EACH STATEMENT EXECUTE FUNCTION gemba_signatures_immutable()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS signatures');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_signatures_immutable()');
  await knex.raw('DROP TABLE IF EXISTS process_versions');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_process_versions_guard()');
}
