import type { Knex } from 'knex';

// The durable engine's runtime: instances with their engine state, and everything an instance
// waits on — user tasks, jobs (timers and service calls), message/signal subscriptions — plus
// incidents and activity history. One engine event updates these in one transaction.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('process_instances', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('version_id').notNullable().references('process_versions.id');
    t.text('key').notNullable();
    t.text('business_key');
    t.text('status').notNullable();
    t.jsonb('variables').notNullable().defaultTo('{}');
    t.jsonb('engine_state');
    t.integer('state_bytes').notNullable().defaultTo(0);
    t.integer('lock_version').notNullable().defaultTo(0);
    t.uuid('parent_instance_id').references('process_instances.id');
    t.text('parent_execution_id');
    t.text('started_by').notNullable();
    t.text('started_by_name');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true });
    t.text('end_reason');
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.index(['key', 'status']);
    t.index(['business_key']);
    t.index(['version_id']);
    t.index(['parent_instance_id']);
    t.index(['started_at']);
  });
  await knex.raw(`ALTER TABLE process_instances ADD CONSTRAINT process_instances_status_check
    CHECK (status IN ('running', 'completed', 'cancelled', 'incident'))`);

  await knex.schema.createTable('user_tasks', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instance_id').notNullable().references('process_instances.id');
    t.text('execution_id').notNullable();
    t.text('activity_id').notNullable();
    t.text('name');
    t.specificType('candidate_groups', 'text[]').notNullable().defaultTo('{}');
    t.specificType('candidate_users', 'text[]').notNullable().defaultTo('{}');
    t.text('assignee');
    t.timestamp('due_at', { useTz: true });
    t.text('form_ref');
    t.text('signature_meaning');
    t.boolean('verifier_required').notNullable().defaultTo(false);
    t.integer('priority').notNullable().defaultTo(50);
    t.text('status').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('claimed_at', { useTz: true });
    t.text('completed_by');
    t.timestamp('completed_at', { useTz: true });
    t.text('verified_by');
    t.timestamp('verified_at', { useTz: true });
    t.jsonb('submitted');
    t.uuid('signature_id').references('signatures.id');
    t.uuid('verification_signature_id').references('signatures.id');
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['instance_id', 'execution_id']);
    t.index(['status', 'assignee']);
  });
  await knex.raw(`ALTER TABLE user_tasks ADD CONSTRAINT user_tasks_status_check CHECK (status IN ('open', 'awaiting_verification', 'completed', 'cancelled'))`);
  await knex.raw(`CREATE INDEX user_tasks_open_groups ON user_tasks USING gin (candidate_groups) WHERE status = 'open'`);

  await knex.schema.createTable('jobs', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('kind').notNullable();
    t.uuid('instance_id').references('process_instances.id');
    t.text('execution_id');
    t.text('activity_id');
    t.text('status').notNullable();
    t.timestamp('due_at', { useTz: true }).notNullable();
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('max_attempts').notNullable().defaultTo(3);
    t.text('lease_owner');
    t.timestamp('lease_expires_at', { useTz: true });
    t.text('last_error');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.index(['instance_id']);
  });
  await knex.raw(`ALTER TABLE jobs ADD CONSTRAINT jobs_status_check CHECK (status IN ('pending', 'running', 'done', 'failed', 'cancelled'))`);
  await knex.raw(`CREATE INDEX jobs_due ON jobs (due_at) WHERE status IN ('pending', 'running')`);
  // One live job per waiting activity execution: a replayed wait never schedules it twice.
  await knex.raw(`CREATE UNIQUE INDEX jobs_one_live_per_execution ON jobs (instance_id, execution_id, kind) WHERE status IN ('pending', 'running')`);

  await knex.schema.createTable('subscriptions', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instance_id').notNullable().references('process_instances.id');
    t.text('kind').notNullable();
    t.text('name').notNullable();
    t.text('correlation_key');
    t.text('execution_id').notNullable();
    t.text('activity_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.unique(['instance_id', 'execution_id', 'kind', 'name']);
    t.index(['kind', 'name', 'correlation_key']);
  });

  await knex.schema.createTable('incidents', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instance_id').notNullable().references('process_instances.id');
    t.uuid('job_id').references('jobs.id');
    t.text('activity_id');
    t.text('kind').notNullable();
    t.text('message').notNullable();
    t.text('element_id');
    // What failed, so that a retry can apply the same event again.
    t.jsonb('payload').notNullable().defaultTo('{}');
    t.text('status').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('resolved_at', { useTz: true });
    t.text('resolved_by');
    t.text('resolution');
    t.index(['instance_id']);
    t.index(['status']);
  });

  await knex.raw(`ALTER TABLE incidents ADD CONSTRAINT incidents_status_check CHECK (status IN ('open', 'resolved'))`);
  await knex.raw(`CREATE INDEX incidents_open ON incidents (instance_id) WHERE status = 'open'`);

  // The controlled clock's offset (tests only), shared by every node of a cluster.
  await knex.schema.createTable('clock_settings', (t) => {
    t.integer('id').primary();
    t.bigInteger('offset_ms').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('activity_history', (t) => {
    t.bigIncrements('id');
    t.uuid('instance_id').notNullable().references('process_instances.id');
    t.text('execution_id').notNullable();
    t.text('activity_id').notNullable();
    t.text('activity_type').notNullable();
    t.text('name');
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('ended_at', { useTz: true });
    t.text('actor');
    t.text('outcome');
    t.unique(['instance_id', 'execution_id']);
    t.index(['instance_id', 'started_at']);
    t.index(['activity_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['activity_history', 'clock_settings', 'incidents', 'subscriptions', 'jobs', 'user_tasks', 'process_instances']) {
    await knex.schema.dropTableIfExists(table);
  }
}
