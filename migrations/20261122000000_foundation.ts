import type { Knex } from 'knex';

// Foundation schema: users, sessions, service principals with API keys, and the audit trail.
// Migrations never import from server/: the SQL here is frozen history.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('username').notNullable();
    t.text('printed_name').notNullable();
    t.text('email');
    t.specificType('roles', 'text[]').notNullable().defaultTo('{}');
    t.text('password_hash').notNullable();
    t.boolean('password_must_change').notNullable().defaultTo(false);
    t.timestamp('password_changed_at', { useTz: true });
    t.text('status').notNullable().defaultTo('active');
    t.integer('failed_login_count').notNullable().defaultTo(0);
    t.integer('failed_signature_count').notNullable().defaultTo(0);
    t.timestamp('locked_at', { useTz: true });
    t.text('locked_reason');
    t.timestamp('deactivated_at', { useTz: true });
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.integer('row_version').notNullable().defaultTo(1);
  });
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_status_check CHECK (status IN ('active', 'deactivated'))`);
  await knex.raw(`CREATE UNIQUE INDEX users_username_unique ON users (lower(username))`);
  // 11.100(a): user ids are unique, never reassigned, and accounts are deactivated, not deleted.
  await knex.raw(`
    CREATE FUNCTION gemba_users_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'users are deactivated, never deleted' USING ERRCODE = 'restrict_violation';
      END IF;
      IF NEW.username IS DISTINCT FROM OLD.username THEN
        RAISE EXCEPTION 'a user name never changes' USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`CREATE TRIGGER users_guard BEFORE UPDATE OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION gemba_users_guard()`);

  await knex.schema.createTable('sessions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('token_hash').notNullable().unique();
    t.uuid('user_id').notNullable().references('users.id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true });
    t.text('end_reason');
    t.text('ip');
    t.text('user_agent');
    t.text('station');
    t.index(['user_id']);
  });

  await knex.schema.createTable('service_principals', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('name').notNullable();
    t.text('description');
    t.specificType('allowed_actions', 'text[]').notNullable().defaultTo('{}');
    t.specificType('allowed_process_keys', 'text[]').notNullable().defaultTo('{}');
    t.text('status').notNullable().defaultTo('active');
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`ALTER TABLE service_principals ADD CONSTRAINT service_principals_status_check CHECK (status IN ('active', 'deactivated'))`);
  await knex.raw(`CREATE UNIQUE INDEX service_principals_name_unique ON service_principals (lower(name))`);

  await knex.schema.createTable('api_keys', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('service_principal_id').notNullable().references('service_principals.id');
    t.text('key_prefix').notNullable();
    t.text('key_hash').notNullable().unique();
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.text('revoked_by');
    t.text('revoked_reason');
    t.index(['service_principal_id']);
  });

  await knex.schema.createTable('audit_events', (t) => {
    t.bigInteger('seq').primary();
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.text('actor_type').notNullable();
    t.text('actor_id');
    t.text('actor_name');
    t.text('printed_name');
    t.text('action').notNullable();
    t.text('entity_type').notNullable();
    t.text('entity_id').notNullable();
    t.jsonb('before');
    t.jsonb('after');
    t.text('reason');
    t.text('request_id');
    t.jsonb('context');
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable().unique();
    t.index(['entity_type', 'entity_id']);
    t.index(['actor_id']);
    t.index(['occurred_at']);
    t.index(['action']);
  });
  await knex.raw(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor_type_check CHECK (actor_type IN ('user', 'service', 'system'))`);
  // C03: the audit trail is append-only for every database role, the application's included.
  await knex.raw(`
    CREATE FUNCTION gemba_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await knex.raw(`CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION gemba_audit_append_only()`);
  await knex.raw(`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION gemba_audit_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS audit_events');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_audit_append_only()');
  await knex.schema.dropTableIfExists('api_keys');
  await knex.schema.dropTableIfExists('service_principals');
  await knex.schema.dropTableIfExists('sessions');
  await knex.raw('DROP TABLE IF EXISTS users');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_users_guard()');
}
