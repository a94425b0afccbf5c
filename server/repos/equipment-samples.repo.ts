import type { Knex } from 'knex';

// Equipment state and counter samples (K01): PackML StateCurrent and the cumulative
// ProdProcessedCount / ProdDefectiveCount, with their source timestamps, as the OPC UA monitor
// observes them; and each machine's ideal cycle time, which OEE performance needs.

export type StateSample = { equipmentId: string; state: string; sourceTimestamp: Date; statusCode: string | null };
export type CounterSample = { equipmentId: string; processedCount: number; defectiveCount: number; sourceTimestamp: Date; statusCode: string | null };
export type EquipmentProfile = { equipmentId: string; name: string | null; idealCycleMs: number; updatedBy: string | null; updatedAt: Date };

export type NewEquipmentSample =
  | { kind: 'state'; equipmentId: string; state: string; sourceTimestamp: Date; statusCode?: string | null; source: string }
  | { kind: 'counter'; equipmentId: string; processedCount: number; defectiveCount: number; sourceTimestamp: Date; statusCode?: string | null; source: string };

export async function insertEquipmentSamples(trx: Knex.Transaction, samples: NewEquipmentSample[], now: Date): Promise<void> {
  if (samples.length === 0) return;
  await trx('equipment_samples').insert(
    samples.map((s) => ({
      equipment_id: s.equipmentId,
      kind: s.kind,
      state: s.kind === 'state' ? s.state : null,
      processed_count: s.kind === 'counter' ? s.processedCount : null,
      defective_count: s.kind === 'counter' ? s.defectiveCount : null,
      status_code: s.statusCode ?? null,
      source_timestamp: s.sourceTimestamp,
      recorded_at: now,
      source: s.source,
    })),
  );
}

/** Equipment with any sample in the window (or the last one before it). */
export async function equipmentWithSamples(db: Knex | Knex.Transaction, to: Date): Promise<string[]> {
  const rows = await db('equipment_samples').distinct('equipment_id').where('source_timestamp', '<=', to).orderBy('equipment_id');
  return rows.map((r) => r.equipment_id as string);
}

/** State samples inside the window, preceded by the last one before it (the state at `from`). */
export async function stateSamples(db: Knex | Knex.Transaction, equipmentId: string, from: Date, to: Date): Promise<StateSample[]> {
  const before = await db('equipment_samples').where({ equipment_id: equipmentId, kind: 'state' }).andWhere('source_timestamp', '<', from).orderBy('source_timestamp', 'desc').orderBy('id', 'desc').first();
  const inside = await db('equipment_samples').where({ equipment_id: equipmentId, kind: 'state' }).andWhere('source_timestamp', '>=', from).andWhere('source_timestamp', '<=', to).orderBy('source_timestamp').orderBy('id');
  return [...(before ? [before] : []), ...inside].map((r) => ({ equipmentId, state: r.state as string, sourceTimestamp: r.source_timestamp as Date, statusCode: (r.status_code as string | null) ?? null }));
}

/** Counter samples inside the window, preceded by the last one before it (the counters at `from`). */
export async function counterSamples(db: Knex | Knex.Transaction, equipmentId: string, from: Date, to: Date): Promise<CounterSample[]> {
  const before = await db('equipment_samples').where({ equipment_id: equipmentId, kind: 'counter' }).andWhere('source_timestamp', '<', from).orderBy('source_timestamp', 'desc').orderBy('id', 'desc').first();
  const inside = await db('equipment_samples').where({ equipment_id: equipmentId, kind: 'counter' }).andWhere('source_timestamp', '>=', from).andWhere('source_timestamp', '<=', to).orderBy('source_timestamp').orderBy('id');
  return [...(before ? [before] : []), ...inside].map((r) => ({
    equipmentId,
    processedCount: Number(r.processed_count),
    defectiveCount: Number(r.defective_count),
    sourceTimestamp: r.source_timestamp as Date,
    statusCode: (r.status_code as string | null) ?? null,
  }));
}

export async function findEquipmentProfile(db: Knex | Knex.Transaction, equipmentId: string): Promise<EquipmentProfile | undefined> {
  const row = await db('equipment_profiles').where({ equipment_id: equipmentId }).first();
  return row ? { equipmentId: row.equipment_id, name: row.name, idealCycleMs: Number(row.ideal_cycle_ms), updatedBy: row.updated_by, updatedAt: row.updated_at } : undefined;
}

export async function upsertEquipmentProfile(trx: Knex.Transaction, profile: { equipmentId: string; name: string | null; idealCycleMs: number }, actor: string, now: Date): Promise<{ before: EquipmentProfile | undefined; after: EquipmentProfile }> {
  const before = await findEquipmentProfile(trx, profile.equipmentId);
  await trx('equipment_profiles')
    .insert({ equipment_id: profile.equipmentId, name: profile.name, ideal_cycle_ms: profile.idealCycleMs, updated_by: actor, updated_at: now })
    .onConflict('equipment_id')
    .merge();
  return { before, after: (await findEquipmentProfile(trx, profile.equipmentId))! };
}
