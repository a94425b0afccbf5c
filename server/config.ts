import path from 'node:path';
import { z } from 'zod';
import { parseSecretKey } from './lib/secret-box';

/**
 * The configuration of one server process, read once from the environment.
 * This module is the only reader of `process.env`; everything else receives `Config`.
 */
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const isSecretKey = (value: string) => {
  try {
    parseSecretKey(value.trim());
    return true;
  } catch {
    return false;
  }
};

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  GEMBA_DATA_DIR: z.string().min(1).default('./data'),
  GEMBA_DB_POOL_MAX: positiveInt(10),
  GEMBA_SESSION_IDLE_MINUTES: positiveInt(15),
  GEMBA_SESSION_MAX_HOURS: positiveInt(12),
  GEMBA_LOGIN_LOCKOUT_THRESHOLD: positiveInt(5),
  GEMBA_SIGNATURE_LOCKOUT_THRESHOLD: positiveInt(3),
  GEMBA_JSON_LIMIT: z.string().regex(/^\d+(kb|mb)$/i, 'must look like 1mb or 512kb').default('1mb'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGIN: z.string().min(1).optional(),
  GEMBA_SEED_DEMO: booleanFlag.optional(),
  GEMBA_DEMO_PASSWORD: z.string().min(10, 'must have at least 10 characters').default('Gemba-demo-2026'),
  GEMBA_DEMO_API_KEY: z.string().min(24, 'must have at least 24 characters').optional(),
  GEMBA_CLOCK_CONTROLLED: booleanFlag.default(false),
  GEMBA_STATION_HEADER: z.string().min(1).default('x-gemba-station'),
  GEMBA_ENGINE_WORKERS: z.coerce.number().int().min(1).max(64).optional(),
  GEMBA_ENGINE_RUN_TIMEOUT_MS: positiveInt(30_000),
  GEMBA_ENGINE_YOUNG_GENERATION_MB: z.coerce.number().int().min(8).max(4096).optional(),
  GEMBA_JOB_POLL_MS: positiveInt(500),
  GEMBA_JOB_LEASE_MS: positiveInt(60_000),
  GEMBA_JOB_BACKOFF_MS: positiveInt(5_000),
  GEMBA_JOB_CONCURRENCY: positiveInt(8),
  GEMBA_JOBS_ENABLED: booleanFlag.default(true),
  GEMBA_OUTBOX_ENABLED: booleanFlag.default(true),
  GEMBA_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
  GEMBA_RETENTION_POLICY: z.enum(['keep-history', 'archive']).default('keep-history'),
  GEMBA_RETENTION_BATCH: z.coerce.number().int().min(1).max(10_000).default(500),
  GEMBA_RETENTION_INTERVAL_MINUTES: positiveInt(60),
  GEMBA_OPCUA_PKI_DIR: z.string().min(1).optional(),
  GEMBA_OPCUA_TRUST_UNKNOWN_SERVERS: booleanFlag.default(false),
  GEMBA_EQUIPMENT_MONITOR: booleanFlag.default(true),
  GEMBA_EQUIPMENT_REFRESH_MS: positiveInt(30_000),
  GEMBA_SECRET_KEY: z.string().refine(isSecretKey, 'must be 32 random bytes in base64 (openssl rand -base64 32)').optional(),
  GEMBA_SECRET_KEY_PREVIOUS: z
    .string()
    .refine((value) => value.split(',').every((key) => isSecretKey(key)), 'comma-separated base64 keys of 32 bytes')
    .optional(),
});

export type Config = Readonly<{
  env: 'development' | 'test' | 'production';
  http: Readonly<{ port: number; host: string; jsonLimit: string; corsOrigin?: string; stationHeader: string }>;
  database: Readonly<
    | { kind: 'postgresql'; url: string; poolMax: number }
    | { kind: 'pglite'; dataDir: string }
  >;
  security: Readonly<{
    sessionIdleMs: number;
    sessionMaxMs: number;
    loginLockoutThreshold: number;
    signatureLockoutThreshold: number;
  }>;
  logLevel: string;
  demo: Readonly<{ seed: boolean; password: string; apiKey?: string }>;
  clockControlled: boolean;
  engine: Readonly<{ workers?: number; runTimeoutMs: number; youngGenerationMb?: number }>;
  jobs: Readonly<{ enabled: boolean; outboxEnabled: boolean; pollMs: number; leaseMs: number; backoffMs: number; concurrency: number }>;
  /**
   * Finished instances older than `days` lose their runtime state (and, with `archive`, move their
   * history to the archive table); without `days`, nothing is removed. The audit trail is never touched.
   */
  retention: Readonly<{ days?: number; policy: 'keep-history' | 'archive'; batchSize: number; intervalMs: number }>;
  /** OPC UA client certificates (own/, trusted/, rejected/), and whether unknown server certificates are accepted. */
  opcua: Readonly<{ pkiDir: string; trustUnknownServerCertificates: boolean }>;
  /** The equipment monitor of this node (server/equipment), and how often it re-reads the registry. */
  equipment: Readonly<{ monitorEnabled: boolean; refreshMs: number }>;
  /** The key that encrypts connector secrets at rest; without one, a development key file is used. */
  secrets: Readonly<{ key?: string; previousKeys: readonly string[]; keyFile: string }>;
}>;

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses an environment into a frozen `Config`.
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(environment: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(environmentSchema.shape).map((key) => [key, emptyToUndefined(environment[key])]),
  );
  const parsed = environmentSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && e.GEMBA_CLOCK_CONTROLLED) {
    throw new ConfigError(['GEMBA_CLOCK_CONTROLLED: a controlled clock is never allowed in production']);
  }
  if (e.NODE_ENV === 'production' && !e.GEMBA_SECRET_KEY) {
    throw new ConfigError(['GEMBA_SECRET_KEY: required in production to encrypt connector secrets']);
  }
  return deepFreeze({
    env: e.NODE_ENV,
    http: {
      port: e.PORT,
      host: e.HOST,
      jsonLimit: e.GEMBA_JSON_LIMIT,
      corsOrigin: e.CORS_ORIGIN,
      stationHeader: e.GEMBA_STATION_HEADER.toLowerCase(),
    },
    database: e.DATABASE_URL
      ? { kind: 'postgresql' as const, url: e.DATABASE_URL, poolMax: e.GEMBA_DB_POOL_MAX }
      : { kind: 'pglite' as const, dataDir: path.resolve(e.GEMBA_DATA_DIR) },
    security: {
      sessionIdleMs: e.GEMBA_SESSION_IDLE_MINUTES * 60_000,
      sessionMaxMs: e.GEMBA_SESSION_MAX_HOURS * 3_600_000,
      loginLockoutThreshold: e.GEMBA_LOGIN_LOCKOUT_THRESHOLD,
      signatureLockoutThreshold: e.GEMBA_SIGNATURE_LOCKOUT_THRESHOLD,
    },
    logLevel: e.LOG_LEVEL,
    // Demo data is for evaluation: on by default, off in production unless asked for explicitly.
    demo: {
      seed: e.GEMBA_SEED_DEMO ?? e.NODE_ENV !== 'production',
      password: e.GEMBA_DEMO_PASSWORD,
      apiKey: e.GEMBA_DEMO_API_KEY,
    },
    clockControlled: e.GEMBA_CLOCK_CONTROLLED,
    engine: { workers: e.GEMBA_ENGINE_WORKERS, runTimeoutMs: e.GEMBA_ENGINE_RUN_TIMEOUT_MS, youngGenerationMb: e.GEMBA_ENGINE_YOUNG_GENERATION_MB },
    jobs: {
      enabled: e.GEMBA_JOBS_ENABLED,
      // Outbound ISA-95 delivery can be held on its own, e.g. while the ERP is cut over.
      outboxEnabled: e.GEMBA_OUTBOX_ENABLED,
      pollMs: e.GEMBA_JOB_POLL_MS,
      leaseMs: e.GEMBA_JOB_LEASE_MS,
      backoffMs: e.GEMBA_JOB_BACKOFF_MS,
      concurrency: e.GEMBA_JOB_CONCURRENCY,
    },
    retention: {
      days: e.GEMBA_RETENTION_DAYS,
      policy: e.GEMBA_RETENTION_POLICY,
      batchSize: e.GEMBA_RETENTION_BATCH,
      intervalMs: e.GEMBA_RETENTION_INTERVAL_MINUTES * 60_000,
    },
    opcua: {
      pkiDir: path.resolve(e.GEMBA_OPCUA_PKI_DIR ?? path.join(e.GEMBA_DATA_DIR, 'pki')),
      // Development and the local simulator only: in production, trust server certificates explicitly.
      trustUnknownServerCertificates: e.GEMBA_OPCUA_TRUST_UNKNOWN_SERVERS,
    },
    equipment: { monitorEnabled: e.GEMBA_EQUIPMENT_MONITOR, refreshMs: e.GEMBA_EQUIPMENT_REFRESH_MS },
    secrets: {
      key: e.GEMBA_SECRET_KEY?.trim(),
      previousKeys: (e.GEMBA_SECRET_KEY_PREVIOUS ?? '')
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean),
      keyFile: path.resolve(e.GEMBA_DATA_DIR, 'secret.key'),
    },
  });
}

function emptyToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}
