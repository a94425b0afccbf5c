import type { Knex } from 'knex';
import type { ConnectorConfig, ConnectorKind } from '../adapters/http/connector-config';
import { ConflictError } from '../errors/app-error';
import { isUniqueViolation } from './pg-errors';

// The connector registry. `config` is stored with secret fields masked; `secrets` is the sealed
// map of the secrets themselves (server/adapters/http/connector-secrets.ts) and leaves this module
// only to be opened by a command or the connector invoker, never to a presenter.

/** The row of `connectors`, as knex sees it. */
export type ConnectorRow = {
  id: string;
  name: string;
  kind: ConnectorKind;
  description: string | null;
  status: ConnectorStatus;
  config: ConnectorConfig;
  secrets: string | null;
  created_by: string | null;
  created_at: Date;
  updated_by: string | null;
  updated_at: Date;
  row_version: number;
  last_tested_at: Date | null;
  last_test: ConnectorTestResult | null;
};

export type ConnectorStatus = 'active' | 'disabled';

/** The recorded outcome of the last connectivity check. */
export type ConnectorTestResult = { ok: boolean; status: number | null; durationMs: number; message: string; target: string };

export type Connector = {
  id: string;
  name: string;
  kind: ConnectorKind;
  description: string | null;
  status: ConnectorStatus;
  /** The configuration with every secret field masked. */
  config: ConnectorConfig;
  /** The sealed secrets, or null when the connector has none. */
  secrets: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedBy: string | null;
  updatedAt: Date;
  rowVersion: number;
  lastTestedAt: Date | null;
  lastTest: ConnectorTestResult | null;
};

export type NewConnector = {
  id: string;
  name: string;
  kind: ConnectorKind;
  description: string | null;
  config: ConnectorConfig;
  secrets: string | null;
  createdBy: string;
  now: Date;
};

/** @throws ConflictError when the name is taken (names are unique regardless of case). */
export async function insertConnector(trx: Knex.Transaction, connector: NewConnector): Promise<Connector> {
  try {
    const [row] = await trx('connectors')
      .insert({
        id: connector.id,
        name: connector.name,
        kind: connector.kind,
        description: connector.description,
        status: 'active',
        config: JSON.stringify(connector.config),
        secrets: connector.secrets,
        created_by: connector.createdBy,
        created_at: connector.now,
        updated_by: connector.createdBy,
        updated_at: connector.now,
      })
      .returning('*');
    return fromRow(row as ConnectorRow);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`A connector named "${connector.name}" exists`);
    throw error;
  }
}

export async function findConnectorById(db: Knex | Knex.Transaction, id: string): Promise<Connector | undefined> {
  const row = (await db('connectors').where({ id }).first()) as ConnectorRow | undefined;
  return row ? fromRow(row) : undefined;
}

/** Locks the row for the rest of the transaction (an update reads, then writes). */
export async function findConnectorForUpdate(trx: Knex.Transaction, id: string): Promise<Connector | undefined> {
  const row = (await trx('connectors').where({ id }).forUpdate().first()) as ConnectorRow | undefined;
  return row ? fromRow(row) : undefined;
}

/** The connector a model names (`gemba:connector`, or a topic prefix): exact, case-sensitive match. */
export async function findConnectorByName(db: Knex | Knex.Transaction, name: string): Promise<Connector | undefined> {
  const row = (await db('connectors').where({ name }).first()) as ConnectorRow | undefined;
  return row ? fromRow(row) : undefined;
}

export async function listConnectors(db: Knex | Knex.Transaction): Promise<Connector[]> {
  const rows = (await db('connectors').orderBy('name')) as ConnectorRow[];
  return rows.map(fromRow);
}

export type ConnectorPatch = {
  description?: string | null;
  status?: ConnectorStatus;
  config?: ConnectorConfig;
  secrets?: string | null;
};

export async function updateConnector(trx: Knex.Transaction, id: string, patch: ConnectorPatch, by: string, now: Date): Promise<Connector> {
  const [row] = await trx('connectors')
    .where({ id })
    .update({
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.status ? { status: patch.status } : {}),
      ...(patch.config ? { config: JSON.stringify(patch.config) } : {}),
      ...(patch.secrets !== undefined ? { secrets: patch.secrets } : {}),
      updated_by: by,
      updated_at: now,
      row_version: trx.raw('row_version + 1'),
    })
    .returning('*');
  return fromRow(row as ConnectorRow);
}

/** Records the last connectivity check (not a configuration change: updated_at stays). */
export async function recordConnectorTest(trx: Knex.Transaction, id: string, result: ConnectorTestResult, now: Date): Promise<Connector> {
  const [row] = await trx('connectors')
    .where({ id })
    .update({ last_tested_at: now, last_test: JSON.stringify(result) })
    .returning('*');
  return fromRow(row as ConnectorRow);
}

function fromRow(row: ConnectorRow): Connector {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    status: row.status,
    config: row.config,
    secrets: row.secrets,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at,
    rowVersion: row.row_version,
    lastTestedAt: row.last_tested_at,
    lastTest: row.last_test,
  };
}
