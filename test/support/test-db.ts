import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { knex } from 'knex';
import type { Config } from '../../server/config';
import { migrationsFingerprint, pgliteTemplateDir, postgresTemplateName, testServerUrl, withDatabase } from './test-db-template';

/** A database of one test file's own, and how to get rid of it. */
export type TestDatabase = {
  kind: 'pglite' | 'postgresql';
  /** Environment for loadConfig() pointing at this database. */
  env: Record<string, string>;
  database: Config['database'];
  drop(): Promise<void>;
};

/** Copies the migrated template into a fresh database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const fingerprint = migrationsFingerprint();
  const serverUrl = testServerUrl();
  if (!serverUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemba-test-'));
    fs.cpSync(pgliteTemplateDir(fingerprint), dir, { recursive: true });
    fs.rmSync(path.join(dir, 'ready'), { force: true });
    return {
      kind: 'pglite',
      env: { GEMBA_DATA_DIR: dir },
      database: { kind: 'pglite', dataDir: dir },
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `gemba_t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${postgresTemplateName(fingerprint)}`);
  } finally {
    await admin.destroy();
  }
  const url = withDatabase(serverUrl, name);
  return {
    kind: 'postgresql',
    env: { DATABASE_URL: url },
    database: { kind: 'postgresql', url, poolMax: 10 },
    async drop() {
      const cleanup = knex({ client: 'pg', connection: serverUrl, pool: { min: 0, max: 1 } });
      try {
        await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}
