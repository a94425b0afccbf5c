import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Each test file gets its own database, copied from a migrated template so that no file waits
// for migrations: a PGlite data directory on disk, or a PostgreSQL template database.

const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

/** A fingerprint of the migrations: a new migration makes a new template. */
export function migrationsFingerprint(): string {
  const hash = crypto.createHash('sha256');
  for (const file of fs.readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(MIGRATIONS_DIR, file)));
  }
  hash.update(fs.readFileSync(path.resolve(__dirname, '../../node_modules/@electric-sql/pglite/package.json')));
  return hash.digest('hex').slice(0, 12);
}

export const pgliteTemplateDir = (fingerprint: string) => path.join(os.tmpdir(), `gemba-test-template-${fingerprint}`);
export const postgresTemplateName = (fingerprint: string) => `gemba_tpl_${fingerprint}`;

/** The PostgreSQL server the suite runs on, or undefined for embedded PGlite. */
export const testServerUrl = (): string | undefined => process.env.DATABASE_URL || undefined;

/** The same URL pointing at another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
