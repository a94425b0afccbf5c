import type { Knex } from 'knex';
import { isUniqueViolation } from './pg-errors';

// The gauge calibration register (W11): a gauge whose calibration is due before today, or that is
// retired or unknown, may not be used for a measurement.

export type Gauge = {
  id: string;
  description: string | null;
  location: string | null;
  status: 'active' | 'retired';
  calibratedOn: string | null;
  calibrationDue: string;
  certificate: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedBy: string | null;
  updatedAt: Date;
};

type GaugeRow = {
  id: string;
  description: string | null;
  location: string | null;
  status: 'active' | 'retired';
  calibrated_on: string | null;
  calibration_due: string;
  certificate: string | null;
  created_by: string | null;
  created_at: Date;
  updated_by: string | null;
  updated_at: Date;
};

// DATE columns are read as text (YYYY-MM-DD): pg and PGlite would turn them into Dates at different midnights.
const COLUMNS = ['id', 'description', 'location', 'status', 'certificate', 'created_by', 'created_at', 'updated_by', 'updated_at'];
const selectGauge = (db: Knex | Knex.Transaction) =>
  db('gauges').select([...COLUMNS, db.raw('calibrated_on::text as calibrated_on'), db.raw('calibration_due::text as calibration_due')]);

function fromRow(row: GaugeRow): Gauge {
  return {
    id: row.id,
    description: row.description,
    location: row.location,
    status: row.status,
    calibratedOn: row.calibrated_on,
    calibrationDue: row.calibration_due,
    certificate: row.certificate,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
  };
}

export async function findGauge(db: Knex | Knex.Transaction, id: string): Promise<Gauge | undefined> {
  const row = await selectGauge(db).whereRaw('lower(id) = lower(?)', [id]).first();
  return row ? fromRow(row as GaugeRow) : undefined;
}

export async function listGauges(db: Knex | Knex.Transaction): Promise<Gauge[]> {
  const rows = await selectGauge(db).orderBy('id');
  return (rows as GaugeRow[]).map(fromRow);
}

export type GaugeInput = { description: string | null; location: string | null; status: 'active' | 'retired'; calibratedOn: string | null; calibrationDue: string; certificate: string | null };

/** Creates or replaces a gauge's register entry; returns the entry before (if any) and after. */
export async function upsertGauge(trx: Knex.Transaction, id: string, input: GaugeInput, actor: string, now: Date): Promise<{ before: Gauge | undefined; after: Gauge }> {
  const before = await selectGauge(trx).where({ id }).forUpdate().first();
  const values = {
    description: input.description,
    location: input.location,
    status: input.status,
    calibrated_on: input.calibratedOn,
    calibration_due: input.calibrationDue,
    certificate: input.certificate,
    updated_by: actor,
    updated_at: now,
  };
  if (before) {
    await trx('gauges').where({ id }).update(values);
  } else {
    try {
      await trx('gauges').insert({ id, ...values, created_by: actor, created_at: now });
    } catch (error) {
      // Two first registrations at once: the command is retried and then updates.
      if (isUniqueViolation(error)) throw Object.assign(new Error(`gauge ${id} was created concurrently`), { code: '40001' });
      throw error;
    }
  }
  const after = await selectGauge(trx).where({ id }).first();
  return { before: before ? fromRow(before as GaugeRow) : undefined, after: fromRow(after as GaugeRow) };
}
