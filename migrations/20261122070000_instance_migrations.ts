import type { Knex } from 'knex';

// Instance migration records (issue 5, W03/W06): one row per signed migration of running
// instances from one version of a process to another — the mapping, the instances asked for,
// the reason, the signature it was executed under, and each instance's outcome.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('instance_migrations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('source_version_id').notNullable().references('process_versions.id');
    t.uuid('target_version_id').notNullable().references('process_versions.id');
    t.text('key').notNullable();
    t.jsonb('mapping').notNullable();
    t.jsonb('instance_ids').notNullable();
    t.text('reason').notNullable();
    // SHA-256 of the canonical JSON of what was signed (versions, mapping, instances, reason).
    t.text('record_hash').notNullable();
    t.uuid('signature_id').references('signatures.id');
    t.text('executed_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.jsonb('results');
    t.index(['source_version_id']);
    t.index(['target_version_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists('instance_migrations');
}
