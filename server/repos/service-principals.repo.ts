import type { Knex } from 'knex';
import { revivedRow } from './json-rows';
import type { ApiKeyRow, ServicePrincipalRow } from '../db/tables';
import { ConflictError } from '../errors/app-error';
import { isUniqueViolation } from './pg-errors';

export type ServicePrincipal = {
  id: string;
  name: string;
  description: string | null;
  allowedActions: string[];
  allowedProcessKeys: string[];
  status: 'active' | 'deactivated';
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export type ApiKey = {
  id: string;
  servicePrincipalId: string;
  keyPrefix: string;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
  revokedReason: string | null;
};

export type NewServicePrincipal = {
  name: string;
  description?: string | null;
  allowedActions: string[];
  allowedProcessKeys: string[];
  createdBy: string;
  now: Date;
};

/** @throws ConflictError when the name is taken. */
export async function insertServicePrincipal(trx: Knex.Transaction, principal: NewServicePrincipal): Promise<ServicePrincipal> {
  try {
    const [row] = await trx('service_principals')
      .insert({
        name: principal.name,
        description: principal.description ?? null,
        allowed_actions: principal.allowedActions,
        allowed_process_keys: principal.allowedProcessKeys,
        created_by: principal.createdBy,
        created_at: principal.now,
        updated_at: principal.now,
      })
      .returning('*');
    return principalFromRow(row as ServicePrincipalRow);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`A service principal named "${principal.name}" exists`);
    throw error;
  }
}

export async function findServicePrincipalById(db: Knex | Knex.Transaction, id: string): Promise<ServicePrincipal | undefined> {
  const row = await db('service_principals').where({ id }).first();
  return row ? principalFromRow(row) : undefined;
}

export async function findServicePrincipalByName(db: Knex | Knex.Transaction, name: string): Promise<ServicePrincipal | undefined> {
  const row = await db('service_principals').whereRaw('lower(name) = lower(?)', [name]).first();
  return row ? principalFromRow(row) : undefined;
}

export async function listServicePrincipals(db: Knex | Knex.Transaction): Promise<Array<ServicePrincipal & { keys: ApiKey[] }>> {
  const principals = (await db('service_principals').orderBy('name')) as ServicePrincipalRow[];
  const keys = (await db('api_keys').orderBy('created_at')) as ApiKeyRow[];
  return principals.map((row) => ({
    ...principalFromRow(row),
    keys: keys.filter((key) => key.service_principal_id === row.id).map(keyFromRow),
  }));
}

export async function updateServicePrincipal(
  trx: Knex.Transaction,
  id: string,
  patch: Partial<Pick<ServicePrincipal, 'description' | 'allowedActions' | 'allowedProcessKeys' | 'status'>>,
  now: Date,
): Promise<ServicePrincipal> {
  const [row] = await trx('service_principals')
    .where({ id })
    .update({
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.allowedActions ? { allowed_actions: patch.allowedActions } : {}),
      ...(patch.allowedProcessKeys ? { allowed_process_keys: patch.allowedProcessKeys } : {}),
      ...(patch.status ? { status: patch.status } : {}),
      updated_at: now,
    })
    .returning('*');
  return principalFromRow(row as ServicePrincipalRow);
}

export async function insertApiKey(
  trx: Knex.Transaction,
  key: { servicePrincipalId: string; keyPrefix: string; keyHash: string; createdBy: string; now: Date },
): Promise<ApiKey> {
  const [row] = await trx('api_keys')
    .insert({
      service_principal_id: key.servicePrincipalId,
      key_prefix: key.keyPrefix,
      key_hash: key.keyHash,
      created_by: key.createdBy,
      created_at: key.now,
    })
    .returning('*');
  return keyFromRow(row as ApiKeyRow);
}

export async function findApiKeyForUpdate(trx: Knex.Transaction, id: string): Promise<ApiKey | undefined> {
  const row = await trx('api_keys').where({ id }).forUpdate().first();
  return row ? keyFromRow(row) : undefined;
}

export async function revokeApiKey(trx: Knex.Transaction, id: string, by: string, reason: string, now: Date): Promise<ApiKey> {
  const [row] = await trx('api_keys')
    .where({ id })
    .update({ revoked_at: now, revoked_by: by, revoked_reason: reason })
    .returning('*');
  return keyFromRow(row as ApiKeyRow);
}

/** The principal behind an unrevoked key with this hash. */
export async function findPrincipalByKeyHash(
  db: Knex | Knex.Transaction,
  keyHash: string,
): Promise<{ principal: ServicePrincipal; key: ApiKey } | undefined> {
  // One round trip: every API call authenticates through here.
  const result = await db.raw('SELECT to_jsonb(k) AS key, to_jsonb(p) AS principal FROM api_keys k JOIN service_principals p ON p.id = k.service_principal_id WHERE k.key_hash = ? LIMIT 1', [keyHash]);
  const row = result.rows[0] as { key: unknown; principal: unknown } | undefined;
  if (!row) return undefined;
  return { principal: principalFromRow(revivedRow<ServicePrincipalRow>(row.principal)), key: keyFromRow(revivedRow<ApiKeyRow>(row.key)) };
}

export async function touchApiKey(db: Knex | Knex.Transaction, id: string, now: Date): Promise<void> {
  await db('api_keys').where({ id }).update({ last_used_at: now });
}

function principalFromRow(row: ServicePrincipalRow): ServicePrincipal {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    allowedActions: row.allowed_actions,
    allowedProcessKeys: row.allowed_process_keys,
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function keyFromRow(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    servicePrincipalId: row.service_principal_id,
    keyPrefix: row.key_prefix,
    createdBy: row.created_by,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
    revokedReason: row.revoked_reason,
  };
}
