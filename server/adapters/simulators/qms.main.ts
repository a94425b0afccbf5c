/**
 * Starts the simulated QMS: `npm run sim:qms -- --port=4102 [--api-key=<value>]`.
 * A standalone demo peer, not part of the server: it reads its own port from argv or
 * QMS_SIMULATOR_PORT. Control it over HTTP under /_sim/ (fail-next, delay-next, calls, reset).
 */
import { createLogger } from '../../lib/logger';
import { parseSimulatorArgs } from '../http/simulator-kit';
import { startQmsSimulator } from './qms';

async function main(): Promise<void> {
  const logger = createLogger('info', { service: 'qms-simulator' });
  const { host, port, auth } = parseSimulatorArgs(process.argv.slice(2), process.env.QMS_SIMULATOR_PORT, 4102);
  const qms = await startQmsSimulator({ host, port, auth, logger });
  logger.info({ url: qms.url, auth: auth?.type ?? 'none' }, `simulated QMS listening on ${qms.url} (try GET ${qms.url}/deviations?lot=L-2026-002)`);
  const stop = () => {
    qms.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
