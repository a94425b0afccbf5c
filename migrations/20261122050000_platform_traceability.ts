import type { Knex } from 'knex';

// Issue 7, platform side: genealogy as an append-only event log with a graph projection (T01–T03,
// T05), lot holds with their history (W18), the gauge calibration register (W11), notifications of
// escalation tiers (W17), results of built-in operations by job id (idempotency), equipment state
// and counter samples with ideal cycle times for OEE (K01).
// Migrations never import from server/: the SQL here is frozen history.

const EVENT_TYPES = ['consume', 'produce', 'split', 'merge', 'move', 'ship', 'scrap', 'return-to-vendor', 'status', 'assemble', 'remove'];

export async function up(knex: Knex): Promise<void> {
  // The log: every consume, produce, split, merge, move, status change… with who, where, when, under which version.
  await knex.schema.createTable('genealogy_events', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.bigIncrements('seq', { primaryKey: false });
    t.text('event_type').notNullable();
    t.text('material').notNullable();
    t.text('lot');
    t.text('serial');
    t.decimal('quantity', 18, 6);
    t.text('uom');
    t.text('into_material');
    t.text('into_lot');
    t.text('into_serial');
    t.text('position');
    t.text('location');
    t.text('status_from');
    t.text('status_to');
    t.text('reference');
    t.text('order_id');
    t.text('operation');
    t.text('equipment_id');
    t.text('performed_by');
    t.text('performed_by_name');
    t.uuid('instance_id').references('process_instances.id');
    t.text('process_key');
    t.uuid('version_id');
    t.text('version_sha256');
    t.text('activity_id');
    t.uuid('task_id');
    t.uuid('job_id');
    t.text('source').notNullable().defaultTo('process');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable();
    t.text('idempotency_key');
  });
  await knex.raw(`ALTER TABLE genealogy_events ADD CONSTRAINT genealogy_events_type_check CHECK (event_type IN (${EVENT_TYPES.map((e) => `'${e}'`).join(', ')}))`);
  await knex.raw(`ALTER TABLE genealogy_events ADD CONSTRAINT genealogy_events_subject_check CHECK (lot IS NOT NULL OR serial IS NOT NULL)`);
  await knex.raw(`CREATE UNIQUE INDEX genealogy_events_idempotency ON genealogy_events (idempotency_key) WHERE idempotency_key IS NOT NULL`);
  // T05: a serial number is produced once per part number, and never again.
  await knex.raw(`CREATE UNIQUE INDEX genealogy_events_serial_once ON genealogy_events (material, serial) WHERE event_type = 'produce' AND serial IS NOT NULL`);
  await knex.raw(`CREATE INDEX genealogy_events_lot ON genealogy_events (lot, material)`);
  await knex.raw(`CREATE INDEX genealogy_events_serial ON genealogy_events (serial, material) WHERE serial IS NOT NULL`);
  await knex.raw(`CREATE INDEX genealogy_events_into_lot ON genealogy_events (into_lot) WHERE into_lot IS NOT NULL`);
  await knex.raw(`CREATE INDEX genealogy_events_equipment ON genealogy_events (equipment_id, occurred_at) WHERE equipment_id IS NOT NULL`);
  await knex.raw(`CREATE INDEX genealogy_events_person ON genealogy_events (performed_by, occurred_at)`);
  await knex.raw(`CREATE INDEX genealogy_events_version ON genealogy_events (version_sha256, occurred_at)`);
  await knex.raw(`CREATE INDEX genealogy_events_instance ON genealogy_events (instance_id)`);
  await knex.raw(`CREATE INDEX genealogy_events_order ON genealogy_events (order_id) WHERE order_id IS NOT NULL`);
  await knex.raw(`CREATE INDEX genealogy_events_occurred ON genealogy_events (occurred_at)`);
  await knex.raw(`
    CREATE FUNCTION gemba_genealogy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'genealogy_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`);
  await knex.raw(`CREATE TRIGGER genealogy_events_no_update_delete BEFORE UPDATE OR DELETE ON genealogy_events FOR EACH ROW EXECUTE FUNCTION gemba_genealogy_append_only()`);
  await knex.raw(`CREATE TRIGGER genealogy_events_no_truncate BEFORE TRUNCATE ON genealogy_events FOR EACH STATEMENT EXECUTE FUNCTION gemba_genealogy_append_only()`);

  // The graph projection, rebuilt from the log: a node per lot (per material) or serial (per part number).
  await knex.schema.createTable('genealogy_items', (t) => {
    t.bigIncrements('id');
    t.text('kind').notNullable();
    t.text('material').notNullable();
    t.text('identifier').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.text('location');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable();
    t.unique(['kind', 'material', 'identifier']);
    t.index(['identifier']);
  });
  await knex.raw(`ALTER TABLE genealogy_items ADD CONSTRAINT genealogy_items_kind_check CHECK (kind IN ('lot', 'serial'))`);

  // input → output: the parent went into the child (consume, split, merge, assemble).
  await knex.schema.createTable('genealogy_edges', (t) => {
    t.bigIncrements('id');
    t.bigInteger('parent_item_id').notNullable().references('genealogy_items.id');
    t.bigInteger('child_item_id').notNullable().references('genealogy_items.id');
    t.uuid('event_id').notNullable();
    t.text('event_type').notNullable();
    t.decimal('quantity', 18, 6);
    t.text('uom');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable();
  });
  await knex.raw(`CREATE INDEX genealogy_edges_child ON genealogy_edges (child_item_id, parent_item_id)`);
  await knex.raw(`CREATE INDEX genealogy_edges_parent ON genealogy_edges (parent_item_id, child_item_id)`);

  // W18: a lot on hold cannot be consumed, moved or confirmed. Holds are released, never deleted.
  await knex.schema.createTable('lot_holds', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('material');
    t.text('lot').notNullable();
    t.text('reason').notNullable();
    t.text('reference').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.text('placed_by').notNullable();
    t.text('placed_by_name');
    t.timestamp('placed_at', { useTz: true }).notNullable();
    t.uuid('instance_id');
    t.uuid('job_id');
    t.text('released_by');
    t.text('released_by_name');
    t.timestamp('released_at', { useTz: true });
    t.text('release_reason');
    t.text('release_reference');
    t.uuid('release_instance_id');
    t.index(['lot', 'status']);
  });
  await knex.raw(`ALTER TABLE lot_holds ADD CONSTRAINT lot_holds_status_check CHECK (status IN ('active', 'released'))`);
  await knex.raw(`CREATE UNIQUE INDEX lot_holds_one_active_per_reference ON lot_holds (lot, reference) WHERE status = 'active'`);
  await knex.raw(`
    CREATE FUNCTION gemba_lot_holds_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'holds are released, never deleted' USING ERRCODE = 'restrict_violation';
      END IF;
      IF OLD.status <> 'active' OR NEW.status <> 'released' OR NEW.lot IS DISTINCT FROM OLD.lot OR NEW.reason IS DISTINCT FROM OLD.reason
          OR NEW.reference IS DISTINCT FROM OLD.reference OR NEW.placed_at IS DISTINCT FROM OLD.placed_at OR NEW.placed_by IS DISTINCT FROM OLD.placed_by THEN
        RAISE EXCEPTION 'a hold only changes by being released, once' USING ERRCODE = 'restrict_violation';
      END IF;
      RETURN NEW;
    END $$`);
  await knex.raw(`CREATE TRIGGER lot_holds_guard BEFORE UPDATE OR DELETE ON lot_holds FOR EACH ROW EXECUTE FUNCTION gemba_lot_holds_guard()`);

  // W11: the gauge calibration register.
  await knex.schema.createTable('gauges', (t) => {
    t.text('id').primary();
    t.text('description');
    t.text('location');
    t.text('status').notNullable().defaultTo('active');
    t.date('calibrated_on');
    t.date('calibration_due').notNullable();
    t.text('certificate');
    t.text('created_by');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.text('updated_by');
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
  await knex.raw(`ALTER TABLE gauges ADD CONSTRAINT gauges_status_check CHECK (status IN ('active', 'retired'))`);
  await knex.raw(`ALTER TABLE gauges ADD CONSTRAINT gauges_id_check CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$')`);

  // W17: who was told what, when (the domain event goes live to the roles' rooms).
  await knex.schema.createTable('notifications', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('instance_id');
    t.text('process_key');
    t.text('business_key');
    t.integer('tier');
    t.specificType('roles', 'text[]').notNullable();
    t.text('subject').notNullable();
    t.text('event_class');
    t.uuid('job_id');
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.index(['created_at']);
  });
  await knex.raw(`CREATE INDEX notifications_roles ON notifications USING gin (roles)`);

  // The output of a built-in operation by job id: a repeated call answers the same (idempotency).
  await knex.schema.createTable('platform_call_results', (t) => {
    t.uuid('job_id').notNullable();
    t.text('operation').notNullable();
    t.uuid('instance_id');
    t.jsonb('output').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.primary(['job_id', 'operation']);
  });

  // K01: equipment state and counter samples (fed by the OPC UA monitor), and ideal cycle times.
  await knex.schema.createTable('equipment_samples', (t) => {
    t.bigIncrements('id');
    t.text('equipment_id').notNullable();
    t.text('kind').notNullable();
    t.text('state');
    t.bigInteger('processed_count');
    t.bigInteger('defective_count');
    t.text('status_code');
    t.timestamp('source_timestamp', { useTz: true }).notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable();
    t.text('source').notNullable();
  });
  await knex.raw(`ALTER TABLE equipment_samples ADD CONSTRAINT equipment_samples_kind_check CHECK (kind IN ('state', 'counter'))`);
  await knex.raw(`CREATE INDEX equipment_samples_lookup ON equipment_samples (equipment_id, kind, source_timestamp)`);

  await knex.schema.createTable('equipment_profiles', (t) => {
    t.text('equipment_id').primary();
    t.text('name');
    t.integer('ideal_cycle_ms').notNullable();
    t.text('updated_by');
    t.timestamp('updated_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ['equipment_profiles', 'equipment_samples', 'platform_call_results', 'notifications', 'gauges', 'genealogy_edges', 'genealogy_items']) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.raw('DROP TABLE IF EXISTS lot_holds');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_lot_holds_guard()');
  await knex.raw('DROP TABLE IF EXISTS genealogy_events');
  await knex.raw('DROP FUNCTION IF EXISTS gemba_genealogy_append_only()');
}
