import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';

/** Where the migrations live: `migrations/` beside `server/`, as .ts in tests and .js when built. */
const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

type MigrationModule = { up(knex: Knex): Promise<void>; down(knex: Knex): Promise<void>; config?: { transaction?: boolean } };

/**
 * Lists the timestamped migration files of whichever build is running, so the same migrations
 * serve `tsc` output and the TypeScript sources that jest loads.
 */
class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((file) => /^\d{14}_[a-z0-9_]+\.(ts|js)$/.test(file) && !file.endsWith('.d.ts'))
      .sort();
  }

  getMigrationName(file: string): string {
    // Record names without the extension so the built and source trees share one history.
    return file.replace(/\.(ts|js)$/, '');
  }

  async getMigration(file: string): Promise<MigrationModule> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(path.join(MIGRATIONS_DIR, file)) as MigrationModule;
  }
}

const migrationConfig = (): Knex.MigratorConfig => ({
  migrationSource: new DirectoryMigrationSource(),
  tableName: 'knex_migrations',
});

/** Applies every pending migration; returns the names applied. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest(migrationConfig())) as [number, string[]];
  return applied;
}

/** Undoes the last batch of migrations; returns the names undone. */
export async function migrateRollback(knex: Knex): Promise<string[]> {
  const [, undone] = (await knex.migrate.rollback(migrationConfig())) as [number, string[]];
  return undone;
}

/** The migrations that exist but have not been applied (empty when the schema is current). */
export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = (await knex.migrate.list(migrationConfig())) as [unknown[], Array<{ file: string } | string>];
  return pending.map((entry) => (typeof entry === 'string' ? entry : entry.file));
}
