/**
 * Starts the simulated ERP: `npm run sim:erp -- --port=4101 [--api-key=<value>]`.
 * A standalone demo peer, not part of the server: it reads its own port from argv or
 * ERP_SIMULATOR_PORT. Control it over HTTP under /_sim/ (fail-next, delay-next, calls, reset).
 */
import { createLogger } from '../../lib/logger';
import { parseSimulatorArgs } from '../http/simulator-kit';
import { startErpSimulator } from './erp';

async function main(): Promise<void> {
  const logger = createLogger('info', { service: 'erp-simulator' });
  const { host, port, auth } = parseSimulatorArgs(process.argv.slice(2), process.env.ERP_SIMULATOR_PORT, 4101);
  const erp = await startErpSimulator({ host, port, auth, logger });
  logger.info({ url: erp.url, auth: auth?.type ?? 'none' }, `simulated ERP listening on ${erp.url} (try GET ${erp.url}/materials/RM-1001/availability?quantity=50)`);
  const stop = () => {
    erp.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
