import { ConfigError, loadConfig } from '../config';
import { createDb } from '../db/create-db';
import { migrateLatest, migrateRollback } from '../db/migrate';

/** `npm run migrate` applies pending migrations; `npm run migrate -- --rollback` undoes the last batch. */
async function run(): Promise<void> {
  const config = loadConfig();
  const database = createDb(config.database);
  try {
    if (process.argv.includes('--rollback')) {
      const undone = await migrateRollback(database.knex);
      console.log(undone.length ? `Rolled back: ${undone.join(', ')}` : 'Nothing to roll back');
    } else {
      const applied = await migrateLatest(database.knex);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database schema is current');
    }
  } finally {
    await database.close();
  }
}

run().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
