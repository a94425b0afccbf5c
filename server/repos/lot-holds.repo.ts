import type { Knex } from 'knex';

// Lot holds (W18): placed by processes (NC, inspection reject, deviation), released by MRB or QA.
// A hold row changes once, when it is released (a trigger refuses anything else): its history is
// the row itself, the genealogy status events and the audit trail.

export type LotHold = {
  id: string;
  material: string | null;
  lot: string;
  reason: string;
  reference: string;
  status: 'active' | 'released';
  placedBy: string;
  placedByName: string | null;
  placedAt: Date;
  instanceId: string | null;
  jobId: string | null;
  releasedBy: string | null;
  releasedByName: string | null;
  releasedAt: Date | null;
  releaseReason: string | null;
  releaseReference: string | null;
  releaseInstanceId: string | null;
};

type LotHoldRow = {
  id: string;
  material: string | null;
  lot: string;
  reason: string;
  reference: string;
  status: 'active' | 'released';
  placed_by: string;
  placed_by_name: string | null;
  placed_at: Date;
  instance_id: string | null;
  job_id: string | null;
  released_by: string | null;
  released_by_name: string | null;
  released_at: Date | null;
  release_reason: string | null;
  release_reference: string | null;
  release_instance_id: string | null;
};

function fromRow(row: LotHoldRow): LotHold {
  return {
    id: row.id,
    material: row.material,
    lot: row.lot,
    reason: row.reason,
    reference: row.reference,
    status: row.status,
    placedBy: row.placed_by,
    placedByName: row.placed_by_name,
    placedAt: row.placed_at,
    instanceId: row.instance_id,
    jobId: row.job_id,
    releasedBy: row.released_by,
    releasedByName: row.released_by_name,
    releasedAt: row.released_at,
    releaseReason: row.release_reason,
    releaseReference: row.release_reference,
    releaseInstanceId: row.release_instance_id,
  };
}

/** The active hold of a lot placed under this reference, if any (placing it again is a no-op). */
export async function findActiveHold(db: Knex | Knex.Transaction, lot: string, reference: string): Promise<LotHold | undefined> {
  const row = await db('lot_holds').where({ lot, reference, status: 'active' }).first();
  return row ? fromRow(row as LotHoldRow) : undefined;
}

/** The active holds of a lot, oldest first. */
export async function findActiveHolds(db: Knex | Knex.Transaction, lot: string): Promise<LotHold[]> {
  const rows = await db('lot_holds').where({ lot, status: 'active' }).orderBy('placed_at').orderBy('id');
  return (rows as LotHoldRow[]).map(fromRow);
}

/** Every hold a lot ever had, oldest first. */
export async function findHoldsOfLot(db: Knex | Knex.Transaction, lot: string): Promise<LotHold[]> {
  const rows = await db('lot_holds').where({ lot }).orderBy('placed_at').orderBy('id');
  return (rows as LotHoldRow[]).map(fromRow);
}

export async function findHoldsOfLots(db: Knex | Knex.Transaction, lots: string[]): Promise<LotHold[]> {
  if (lots.length === 0) return [];
  const rows = await db('lot_holds').whereIn('lot', lots).orderBy('placed_at').orderBy('id');
  return (rows as LotHoldRow[]).map(fromRow);
}

export async function insertHold(
  trx: Knex.Transaction,
  hold: { material: string | null; lot: string; reason: string; reference: string; placedBy: string; placedByName: string | null; instanceId: string | null; jobId: string | null; now: Date },
): Promise<LotHold> {
  const [row] = await trx('lot_holds')
    .insert({
      material: hold.material,
      lot: hold.lot,
      reason: hold.reason,
      reference: hold.reference,
      status: 'active',
      placed_by: hold.placedBy,
      placed_by_name: hold.placedByName,
      placed_at: hold.now,
      instance_id: hold.instanceId,
      job_id: hold.jobId,
    })
    .returning('*');
  return fromRow(row as LotHoldRow);
}

/** Releases the given active holds; returns them as released. */
export async function releaseHolds(
  trx: Knex.Transaction,
  ids: string[],
  release: { releasedBy: string; releasedByName: string | null; reason: string; reference: string; instanceId: string | null; now: Date },
): Promise<LotHold[]> {
  if (ids.length === 0) return [];
  const rows = await trx('lot_holds')
    .whereIn('id', ids)
    .andWhere({ status: 'active' })
    .update({
      status: 'released',
      released_by: release.releasedBy,
      released_by_name: release.releasedByName,
      released_at: release.now,
      release_reason: release.reason,
      release_reference: release.reference,
      release_instance_id: release.instanceId,
    })
    .returning('*');
  return (rows as LotHoldRow[]).map(fromRow);
}

/** Lots on hold now, for the open-hold view and KPIs. */
export async function countActiveHolds(db: Knex | Knex.Transaction): Promise<number> {
  const [row] = await db('lot_holds').where({ status: 'active' }).count<{ count: string }[]>({ count: '*' });
  return Number(row.count);
}
