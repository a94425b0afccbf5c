/**
 * Where a connector configuration keeps its secrets, and how they are split off, sealed and put
 * back. The stored and presented configuration carries {@link SECRET_PLACEHOLDER} in each secret
 * field; the secrets themselves are one AES-256-GCM sealed JSON map `{ pointer: value }` bound to
 * the connector id. Sending the placeholder back on update keeps the stored secret.
 */
import type { SecretBox } from '../../lib/secret-box';
import type { ConnectorConfig, ConnectorKind } from './connector-config';

/** What the API shows, and accepts back, in place of a stored secret. */
export const SECRET_PLACEHOLDER = '***';

/** A placeholder where no secret is stored to keep (a new connector, or a changed auth type). */
export class SecretPlaceholderError extends Error {
  constructor(public readonly pointer: string) {
    super(`${pointer} is "${SECRET_PLACEHOLDER}" but no secret is stored there to keep: give the secret`);
    this.name = 'SecretPlaceholderError';
  }
}

/** The JSON pointers (RFC 6901) of the secret fields this configuration has, given its auth type. */
export function secretPointers(kind: ConnectorKind, config: unknown): string[] {
  const c = (config ?? {}) as { auth?: { type?: string }; userToken?: { type?: string } };
  if (kind === 'http') {
    switch (c.auth?.type) {
      case 'basic':
        return ['/auth/password'];
      case 'bearer':
        return ['/auth/token'];
      case 'apiKeyHeader':
        return ['/auth/value'];
      default:
        return [];
    }
  }
  return c.userToken?.type === 'username' ? ['/userToken/password'] : [];
}

/** A copy of the configuration with every secret field replaced by the placeholder. */
export function maskConnectorConfig<T>(kind: ConnectorKind, config: T): T {
  const copy = structuredClone(config);
  for (const pointer of secretPointers(kind, copy)) {
    if (getAt(copy, pointer) !== undefined) setAt(copy, pointer, SECRET_PLACEHOLDER);
  }
  return copy;
}

/**
 * Splits a parsed configuration into what is stored in clear (secrets masked) and the secrets.
 * A placeholder takes the secret stored at the same pointer in `previous`.
 * @returns `changed`: the pointers whose secret is new, altered or dropped (for the audit trail).
 * @throws SecretPlaceholderError when a placeholder has no stored secret to keep.
 */
export function splitSecrets(
  kind: ConnectorKind,
  config: ConnectorConfig,
  previous: Record<string, string> = {},
): { publicConfig: ConnectorConfig; secrets: Record<string, string>; changed: string[] } {
  const secrets: Record<string, string> = {};
  for (const pointer of secretPointers(kind, config)) {
    const value = getAt(config, pointer);
    if (typeof value !== 'string') continue;
    if (value === SECRET_PLACEHOLDER) {
      if (previous[pointer] === undefined) throw new SecretPlaceholderError(pointer);
      secrets[pointer] = previous[pointer];
    } else {
      secrets[pointer] = value;
    }
  }
  const pointers = new Set([...Object.keys(previous), ...Object.keys(secrets)]);
  const changed = [...pointers].filter((pointer) => previous[pointer] !== secrets[pointer]).sort();
  return { publicConfig: maskConnectorConfig(kind, config), secrets, changed };
}

/** Seals a connector's secrets, or null when it has none. */
export function sealSecrets(box: SecretBox, connectorId: string, secrets: Record<string, string>): string | null {
  return Object.keys(secrets).length ? box.seal(JSON.stringify(secrets), secretContext(connectorId)) : null;
}

/**
 * Opens a connector's sealed secrets (an empty map for none).
 * @throws SecretBoxError when they were altered, moved from another connector, or sealed under a key this server lacks.
 */
export function openSecrets(box: SecretBox, connectorId: string, sealed: string | null): Record<string, string> {
  if (!sealed) return {};
  return JSON.parse(box.open(sealed, secretContext(connectorId))) as Record<string, string>;
}

/**
 * The configuration to call with: the stored one with its secrets put back.
 * @throws SecretBoxError as openSecrets; SecretPlaceholderError when a secret is missing.
 */
export function revealConnectorConfig<T extends ConnectorConfig>(
  box: SecretBox,
  connector: { id: string; kind: ConnectorKind; config: T; secrets: string | null },
): T {
  const secrets = openSecrets(box, connector.id, connector.secrets);
  const config = structuredClone(connector.config);
  for (const pointer of secretPointers(connector.kind, config)) {
    const value = secrets[pointer];
    if (value === undefined) throw new SecretPlaceholderError(pointer);
    setAt(config, pointer, value);
  }
  return config;
}

/** The authenticated context of a connector's sealed secrets: they open only for that connector. */
export const secretContext = (connectorId: string) => `connector:${connectorId}`;

function getAt(target: unknown, pointer: string): unknown {
  let current: unknown = target;
  for (const key of pointer.slice(1).split('/')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function setAt(target: unknown, pointer: string, value: unknown): void {
  const keys = pointer.slice(1).split('/');
  let current = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) current = current[key] as Record<string, unknown>;
  current[keys[keys.length - 1]] = value;
}
