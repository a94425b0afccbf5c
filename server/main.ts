import http from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createDb, type Database } from './db/create-db';
import { migrateLatest } from './db/migrate';
import { runSeeds } from './db/seed';
import { DataDirLockedError } from './lib/data-dir-lock';
import { createLogger, exitWithFatal, type Logger } from './lib/logger';
import { createNode } from './node';
import { attachRealtime } from './realtime/socket';
import { RetentionSweeper } from './retention/retention';

/**
 * Process entry: config → database (+ migrations, demo seeds) → HTTP and socket.io.
 * Stops cleanly on SIGINT/SIGTERM; refuses to start on invalid configuration.
 */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) exitWithFatal(error, 'invalid configuration');
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const database = openDatabase(config, logger);
  if (database.kind === 'pglite') {
    logger.warn(
      { dataDir: config.database.kind === 'pglite' ? config.database.dataDir : undefined },
      'Running on the embedded PGlite database: for evaluation, development and a single workstation only. Production belongs on PostgreSQL (set DATABASE_URL).',
    );
  }
  const applied = await migrateLatest(database.knex);
  if (applied.length) logger.info({ applied }, 'database migrations applied');

  const node = createNode(config, logger, database);
  const { deps } = node;
  if (deps.clock.controlled) logger.warn('The clock is controlled (GEMBA_CLOCK_CONTROLLED=true): for tests only');
  if (config.demo.seed) await runSeeds(deps);
  node.start();
  const retention = config.retention.days
    ? new RetentionSweeper(deps, { ...config.retention, days: config.retention.days })
    : undefined;
  retention?.start();

  const app = createApp(deps);
  const server = http.createServer(app.callback());
  const realtime = attachRealtime(server, deps);
  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host, resolve));
  const address = server.address();
  logger.info({ port: typeof address === 'object' && address ? address.port : config.http.port, database: database.kind, node: deps.nodeId }, 'Gemba is listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.emit('shutdown'); // waiting long polls answer now
    const forced = setTimeout(() => process.exit(1), 10_000).unref();
    // Stop accepting requests and let those in flight finish before the database goes away;
    // socket.io's close would close the HTTP server at once, so it comes after.
    const drained = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await drained;
    await realtime.close().catch(() => undefined);
    await retention?.stop();
    await node.stop();
    clearTimeout(forced);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function openDatabase(config: Config, logger: Logger): Database {
  try {
    return createDb(config.database);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      logger.fatal(error.message);
      process.exit(1);
    }
    throw error;
  }
}

main().catch((error) => exitWithFatal(error, 'Gemba failed to start'));
