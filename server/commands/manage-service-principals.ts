import { hashSecret, keyPrefix, newApiKey } from '../auth/credentials';
import { ConflictError, NotFoundError } from '../errors/app-error';
import {
  findApiKeyForUpdate,
  findServicePrincipalById,
  insertApiKey,
  insertServicePrincipal,
  revokeApiKey as revokeKey,
  updateServicePrincipal,
  type ApiKey,
  type ServicePrincipal,
} from '../repos/service-principals.repo';
import { isUniqueViolation } from '../repos/pg-errors';
import type { CommandContext } from './run-command';

// External systems act as service principals (C14, I06): their keys are stored hashed and shown
// once; scopes limit them to some actions on some process keys; every change is audited.

const scopeView = (p: ServicePrincipal) => ({
  name: p.name,
  description: p.description,
  allowedActions: p.allowedActions,
  allowedProcessKeys: p.allowedProcessKeys,
  status: p.status,
});

const actorId = (ctx: CommandContext): string => (ctx.actor.kind === 'anonymous' ? 'anonymous' : ctx.actor.id);

export type CreateServicePrincipalInput = {
  name: string;
  description?: string | null;
  allowedActions: string[];
  allowedProcessKeys: string[];
  reason?: string;
};

/** Registers an external system and issues its first API key (returned here, never again). */
export async function createServicePrincipal(
  ctx: CommandContext,
  input: CreateServicePrincipalInput,
  options: { apiKey?: string } = {},
): Promise<{ principal: ServicePrincipal; apiKey: string; key: ApiKey }> {
  const principal = await insertServicePrincipal(ctx.trx, {
    name: input.name,
    description: input.description,
    allowedActions: [...new Set(input.allowedActions)],
    allowedProcessKeys: [...new Set(input.allowedProcessKeys)],
    createdBy: actorId(ctx),
    now: ctx.now,
  });
  ctx.emit({ type: 'servicePrincipal.created', entity: { type: 'ServicePrincipal', id: principal.id }, after: scopeView(principal), reason: input.reason });
  const issued = await issueApiKey(ctx, principal.id, options);
  return { principal, ...issued };
}

/** Issues another key for a principal (rotation); the secret is returned once. */
export async function issueApiKey(ctx: CommandContext, principalId: string, options: { apiKey?: string } = {}): Promise<{ apiKey: string; key: ApiKey }> {
  const principal = await findServicePrincipalById(ctx.trx, principalId);
  if (!principal) throw new NotFoundError(`No service principal with id ${principalId}`);
  if (principal.status !== 'active') throw new ConflictError('The service principal is deactivated');
  const apiKey = options.apiKey ?? newApiKey();
  let key: ApiKey;
  try {
    key = await insertApiKey(ctx.trx, { servicePrincipalId: principalId, keyPrefix: keyPrefix(apiKey), keyHash: hashSecret(apiKey), createdBy: actorId(ctx), now: ctx.now });
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError('That API key is already in use');
    throw error;
  }
  ctx.emit({ type: 'apiKey.issued', entity: { type: 'ApiKey', id: key.id }, after: { servicePrincipalId: principalId, keyPrefix: key.keyPrefix } });
  return { apiKey, key };
}

/** Revokes a key at once; calls with it are refused from then on. */
export async function revokeApiKey(ctx: CommandContext, principalId: string, keyId: string, input: { reason: string }): Promise<ApiKey> {
  const key = await findApiKeyForUpdate(ctx.trx, keyId);
  if (!key || key.servicePrincipalId !== principalId) throw new NotFoundError(`No API key ${keyId} for that service principal`);
  if (key.revokedAt) throw new ConflictError('The API key is already revoked');
  const revoked = await revokeKey(ctx.trx, keyId, actorId(ctx), input.reason, ctx.now);
  ctx.emit({
    type: 'apiKey.revoked',
    entity: { type: 'ApiKey', id: keyId },
    before: { revoked: false },
    after: { revoked: true, servicePrincipalId: principalId, keyPrefix: key.keyPrefix },
    reason: input.reason,
  });
  return revoked;
}

export type UpdateServicePrincipalInput = {
  description?: string | null;
  allowedActions?: string[];
  allowedProcessKeys?: string[];
  status?: 'active' | 'deactivated';
  reason: string;
};

/** Changes a principal's scopes or deactivates it (a permission change, C06). */
export async function changeServicePrincipal(ctx: CommandContext, id: string, input: UpdateServicePrincipalInput): Promise<ServicePrincipal> {
  const before = await findServicePrincipalById(ctx.trx, id);
  if (!before) throw new NotFoundError(`No service principal with id ${id}`);
  const after = await updateServicePrincipal(
    ctx.trx,
    id,
    {
      description: input.description,
      allowedActions: input.allowedActions ? [...new Set(input.allowedActions)] : undefined,
      allowedProcessKeys: input.allowedProcessKeys ? [...new Set(input.allowedProcessKeys)] : undefined,
      status: input.status,
    },
    ctx.now,
  );
  ctx.emit({ type: 'servicePrincipal.updated', entity: { type: 'ServicePrincipal', id }, before: scopeView(before), after: scopeView(after), reason: input.reason });
  return after;
}
