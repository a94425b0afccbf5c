import type { ApiKey, ServicePrincipal } from '../repos/service-principals.repo';

/** The JSON of an API key: its prefix and history, never the secret or its hash. */
export function presentApiKey(key: ApiKey) {
  return {
    id: key.id,
    prefix: key.keyPrefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    revoked: Boolean(key.revokedAt),
    revokedAt: key.revokedAt?.toISOString() ?? null,
    revokedReason: key.revokedReason,
  };
}

export function presentServicePrincipal(principal: ServicePrincipal, keys: ApiKey[] = []) {
  return {
    id: principal.id,
    name: principal.name,
    description: principal.description,
    allowedActions: principal.allowedActions,
    allowedProcessKeys: principal.allowedProcessKeys,
    status: principal.status,
    createdAt: principal.createdAt.toISOString(),
    keys: keys.map(presentApiKey),
  };
}
