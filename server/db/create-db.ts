import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { knex, type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import type { Config } from '../config';
import { lockDataDir, type DataDirLock } from '../lib/data-dir-lock';

// bigint columns (audit sequence numbers, counters) stay far below 2^53: read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export type DatabaseKind = 'postgresql' | 'pglite';

/** The database handle shared by the whole process. */
export type Database = {
  knex: Knex;
  kind: DatabaseKind;
  /** Closes the pool and releases the data-directory lock. */
  close(): Promise<void>;
};

/**
 * Opens the configured database: PostgreSQL through `pg` when a URL is configured, otherwise
 * embedded PGlite in `<dataDir>/pgdata`, locked against a second process.
 * @throws DataDirLockedError when another live process uses the embedded data directory.
 */
export function createDb(database: Config['database']): Database {
  if (database.kind === 'postgresql') {
    const instance = knex({
      client: 'pg',
      connection: { connectionString: database.url, application_name: 'gemba' },
      pool: { min: 0, max: database.poolMax },
      acquireConnectionTimeout: 10_000,
    });
    return { knex: instance, kind: 'postgresql', close: () => instance.destroy() };
  }
  const lock: DataDirLock = lockDataDir(database.dataDir);
  try {
    const instance = openPglite(path.join(database.dataDir, 'pgdata'));
    return {
      knex: instance,
      kind: 'pglite',
      async close() {
        try {
          await instance.destroy();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** A knex instance on an embedded PGlite database stored in `directory`. */
export function openPglite(directory: string): Knex {
  const pglite = new PGlite(directory, { parsers: { [pg.types.builtins.INT8]: (value: string) => Number(value) } });
  return knex({
    client: ClientPgLite,
    dialect: 'postgres',
    connection: { pglite } as unknown as Knex.StaticConnectionConfig,
    // PGlite has one connection; a query waiting for it longer than this is a deadlock.
    acquireConnectionTimeout: 30_000,
  });
}
