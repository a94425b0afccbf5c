import type { Knex } from 'knex';

/** A material the plant knows (ISA-95 MaterialDefinition, the part of the master data schedules need). */
export type MaterialDefinition = {
  id: string;
  description: string | null;
  unit: string;
  status: 'active' | 'inactive';
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
};

/** The definitions with these ids (active or not), by id. */
export async function findMaterialDefinitions(db: Knex | Knex.Transaction, ids: string[]): Promise<Map<string, MaterialDefinition>> {
  if (!ids.length) return new Map();
  const rows = (await db('material_definitions').whereIn('id', [...new Set(ids)])) as Row[];
  return new Map(rows.map((row) => [row.id, fromRow(row)]));
}

/** One definition, locked for a change. */
export async function findMaterialDefinitionForUpdate(trx: Knex.Transaction, id: string): Promise<MaterialDefinition | undefined> {
  const row = await trx('material_definitions').where({ id }).forUpdate().first();
  return row ? fromRow(row) : undefined;
}

/** A page of definitions by id, optionally only active or inactive ones. */
export async function listMaterialDefinitions(db: Knex | Knex.Transaction, filter: { status?: 'active' | 'inactive'; limit: number; offset: number }) {
  const query = db('material_definitions').modify((q) => {
    if (filter.status) q.where({ status: filter.status });
  });
  const [{ count }] = await query.clone().count({ count: '*' });
  const rows = (await query.orderBy('id').limit(filter.limit).offset(filter.offset)) as Row[];
  return { items: rows.map(fromRow), total: Number(count) };
}

/** Inserts or replaces a definition; returns it. */
export async function upsertMaterialDefinition(
  trx: Knex.Transaction,
  definition: { id: string; description: string | null; unit: string; status: 'active' | 'inactive'; by: string; now: Date },
): Promise<MaterialDefinition> {
  const [row] = await trx('material_definitions')
    .insert({
      id: definition.id,
      description: definition.description,
      unit: definition.unit,
      status: definition.status,
      updated_by: definition.by,
      created_at: definition.now,
      updated_at: definition.now,
    })
    .onConflict('id')
    .merge(['description', 'unit', 'status', 'updated_by', 'updated_at'])
    .returning('*');
  return fromRow(row as Row);
}

type Row = { id: string; description: string | null; unit: string; status: 'active' | 'inactive'; updated_by: string; created_at: Date; updated_at: Date };

function fromRow(row: Row): MaterialDefinition {
  return { id: row.id, description: row.description, unit: row.unit, status: row.status, updatedBy: row.updated_by, createdAt: row.created_at, updatedAt: row.updated_at };
}
