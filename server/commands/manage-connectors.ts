import crypto from 'node:crypto';
import path from 'node:path';
import type { z } from 'zod';
import { connectorConfigSchema, type ConnectorConfig, type ConnectorKind } from '../adapters/http/connector-config';
import { maskConnectorConfig, openSecrets, sealSecrets, SecretPlaceholderError, splitSecrets } from '../adapters/http/connector-secrets';
import type { Config } from '../config';
import { NotFoundError, ServiceUnavailableError, ValidationError, type FieldError } from '../errors/app-error';
import type { Logger } from '../lib/logger';
import { createSecretBox, loadOrCreateKeyFile, SecretBoxError, type SecretBox } from '../lib/secret-box';
import {
  findConnectorForUpdate,
  insertConnector,
  recordConnectorTest,
  updateConnector,
  type Connector,
  type ConnectorStatus,
  type ConnectorTestResult,
} from '../repos/connectors.repo';
import type { CommandContext } from './run-command';

// The connector registry (issue 6): ERP/MES/QMS and equipment endpoints that service tasks call.
// Secrets are sealed before they reach the database and masked in every audit entry; each change
// is audited with before, after and (for updates) a reason.

/** The audited view of a connector: configuration with its secrets masked, never the sealed secrets. */
export function auditView(connector: Connector): Record<string, unknown> {
  return {
    name: connector.name,
    kind: connector.kind,
    description: connector.description,
    status: connector.status,
    config: maskConnectorConfig(connector.kind, connector.config),
  };
}

const actorId = (ctx: CommandContext): string => (ctx.actor.kind === 'anonymous' ? 'anonymous' : ctx.actor.id);

export type CreateConnectorInput = {
  name: string;
  kind: ConnectorKind;
  description?: string | null;
  /** Parsed by the kind's schema (connectors.schema.ts). */
  config: ConnectorConfig;
  reason?: string;
};

/**
 * Registers a connector; its secrets are sealed with `secretBox()` (asked for only when there are some).
 * @throws ValidationError when a secret is given as the placeholder (nothing is stored to keep).
 * @throws ConflictError when the name is taken.
 */
export async function createConnector(ctx: CommandContext, input: CreateConnectorInput, secretBox: () => SecretBox): Promise<Connector> {
  const id = crypto.randomUUID();
  const { publicConfig, secrets } = splitOrRefuse(input.kind, input.config, {});
  const connector = await insertConnector(ctx.trx, {
    id,
    name: input.name,
    kind: input.kind,
    description: input.description ?? null,
    config: publicConfig,
    secrets: Object.keys(secrets).length ? sealSecrets(secretBox(), id, secrets) : null,
    createdBy: actorId(ctx),
    now: ctx.now,
  });
  ctx.emit({
    type: 'connector.created',
    entity: { type: 'Connector', id },
    after: auditView(connector),
    reason: input.reason,
    context: { secretFields: Object.keys(secrets).sort() },
  });
  return connector;
}

export type UpdateConnectorInput = {
  description?: string | null;
  status?: ConnectorStatus;
  /** The whole configuration of the connector's kind, unparsed: validated here against the stored kind. */
  config?: unknown;
  reason: string;
};

/**
 * Changes a connector's description, configuration or status. A secret sent as `***` keeps the
 * stored one; the audit entry lists which secrets changed, never their values. Disabling (or
 * enabling) is recorded as `connector.disabled` (`connector.enabled`).
 * @throws NotFoundError for an unknown id.
 * @throws ValidationError when the configuration does not fit the connector's kind, or a placeholder has nothing to keep.
 * @throws ServiceUnavailableError when secrets exist but no key is configured to open them.
 */
export async function changeConnector(ctx: CommandContext, id: string, input: UpdateConnectorInput, secretBox: () => SecretBox): Promise<Connector> {
  const before = await findConnectorForUpdate(ctx.trx, id);
  if (!before) throw new NotFoundError(`No connector with id ${id}`);

  let config: ConnectorConfig | undefined;
  let sealed: string | null | undefined;
  let changed: string[] = [];
  if (input.config !== undefined) {
    const parsed = parseConfig(before.kind, input.config);
    const previous = before.secrets ? openStoredSecrets(secretBox(), before) : {};
    const split = splitOrRefuse(before.kind, parsed, previous);
    config = split.publicConfig;
    changed = split.changed;
    // Sealed again even when unchanged: a rotated key then takes over at the next edit.
    sealed = Object.keys(split.secrets).length ? sealSecrets(secretBox(), id, split.secrets) : null;
  }

  const after = await updateConnector(ctx.trx, id, { description: input.description, status: input.status, config, secrets: sealed }, actorId(ctx), ctx.now);
  const type =
    input.status && input.status !== before.status ? (input.status === 'disabled' ? 'connector.disabled' : 'connector.enabled') : 'connector.updated';
  ctx.emit({
    type,
    entity: { type: 'Connector', id },
    before: auditView(before),
    after: auditView(after),
    reason: input.reason,
    ...(changed.length ? { context: { secretsChanged: changed } } : {}),
  });
  return after;
}

/** Records the outcome of a connectivity check made before this command (outside any transaction). */
export async function recordConnectorCheck(ctx: CommandContext, id: string, result: ConnectorTestResult): Promise<Connector> {
  const before = await findConnectorForUpdate(ctx.trx, id);
  if (!before) throw new NotFoundError(`No connector with id ${id}`);
  const after = await recordConnectorTest(ctx.trx, id, result, ctx.now);
  ctx.emit({ type: 'connector.tested', entity: { type: 'Connector', id }, after: { name: before.name, ...result } });
  return after;
}

type SecretsSettings = { key?: string; previousKeys?: readonly string[]; keyFile?: string };
const boxes = new WeakMap<object, SecretBox>();

/**
 * The box that seals connector secrets, built once per configuration: the key from
 * `config.secrets.key` (GEMBA_SECRET_KEY) with `previousKeys` for a rotation; without one, outside
 * production, a key generated once into `secret.key` of the data directory.
 * @throws ServiceUnavailableError when no key is configured and none may be generated.
 * @throws SecretKeyError when the configured key or key file is not a 32-byte base64 key.
 */
export function connectorSecretBox(config: Config, logger?: Logger): SecretBox {
  const cached = boxes.get(config);
  if (cached) return cached;
  // `secrets` is read structurally so this works before and after the field is added to Config.
  const settings: SecretsSettings = (config as Config & { secrets?: SecretsSettings }).secrets ?? {};
  let key = settings.key;
  if (!key) {
    const keyFile = settings.keyFile ?? (config.database.kind === 'pglite' ? path.join(config.database.dataDir, 'secret.key') : undefined);
    if (config.env === 'production' || !keyFile) {
      throw new ServiceUnavailableError('No key for connector secrets is configured: set GEMBA_SECRET_KEY (32 bytes, base64)');
    }
    const loaded = loadOrCreateKeyFile(keyFile);
    if (loaded.created) logger?.warn({ keyFile }, 'generated a development key for connector secrets; set GEMBA_SECRET_KEY in production');
    key = loaded.key;
  }
  const box = createSecretBox(key, { previousKeys: settings.previousKeys });
  boxes.set(config, box);
  return box;
}

/**
 * Parses a configuration against its kind's schema.
 * @throws ValidationError listing every problem under `body.config`.
 */
export function parseConfig(kind: ConnectorKind, raw: unknown): ConnectorConfig {
  const parsed = (connectorConfigSchema(kind) as z.ZodType<ConnectorConfig>).safeParse(raw);
  if (parsed.success) return parsed.data;
  const errors: FieldError[] = parsed.error.issues.map((issue) => ({ path: ['body', 'config', ...issue.path.map(String)].join('.'), message: issue.message }));
  throw new ValidationError(`${errors[0].path}: ${errors[0].message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, errors);
}

function splitOrRefuse(kind: ConnectorKind, config: ConnectorConfig, previous: Record<string, string>) {
  try {
    return splitSecrets(kind, config, previous);
  } catch (error) {
    if (error instanceof SecretPlaceholderError) {
      const field = `body.config${error.pointer.replace(/\//g, '.')}`;
      throw new ValidationError(`${field}: give the secret; "***" only keeps a secret that is already stored there`, [
        { path: field, message: 'give the secret; "***" only keeps a secret that is already stored there' },
      ]);
    }
    throw error;
  }
}

function openStoredSecrets(box: SecretBox, connector: Connector): Record<string, string> {
  try {
    return openSecrets(box, connector.id, connector.secrets);
  } catch (error) {
    if (error instanceof SecretBoxError) {
      // The stored secrets are unreadable (lost or rotated-out key): the administrator must give them all again.
      return {};
    }
    throw error;
  }
}
