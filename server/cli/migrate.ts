import { loadConfig } from '../config';
import { createDb } from '../db/create-db';
import { migrateLatest, migrateRollback } from '../db/migrate';
import { createLogger, exitWithFatal } from '../lib/logger';

/** `npm run migrate` applies pending migrations; `npm run migrate -- --rollback` undoes the last batch. */
async function run(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const database = createDb(config.database);
  try {
    if (process.argv.includes('--rollback')) {
      const undone = await migrateRollback(database.knex);
      logger.info({ undone }, undone.length ? `Rolled back: ${undone.join(', ')}` : 'Nothing to roll back');
    } else {
      const applied = await migrateLatest(database.knex);
      logger.info({ applied }, applied.length ? `Applied: ${applied.join(', ')}` : 'The database schema is current');
    }
  } finally {
    await database.close();
  }
}

run().catch((error) => exitWithFatal(error, 'migration failed'));
