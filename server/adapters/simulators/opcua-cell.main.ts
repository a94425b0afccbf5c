import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from '../../lib/logger';
import { routeOpcUaLogs } from '../opcua/opcua-logging';
import { startCellSimulator, type CellSimulatorOptions } from './opcua-cell';

/*
 * `npm run simulator` (node dist/server/adapters/simulators/opcua-cell.main.js): runs the OPC UA
 * cell simulator until SIGINT/SIGTERM. This is a development tool with its own command line, not
 * part of the server, so it reads its few GEMBA_SIMULATOR_* variables itself.
 *
 *   --port <n>            GEMBA_SIMULATOR_PORT          default 4840 (0 = any free port)
 *   --host <addr>         GEMBA_SIMULATOR_HOST          default 127.0.0.1
 *   --cell-name <name>    GEMBA_SIMULATOR_CELL_NAME     default "Sealing Cell 1"
 *   --cycle-ms <n>        GEMBA_SIMULATOR_CYCLE_MS      default 1000
 *   --security <mode>     GEMBA_SIMULATOR_SECURITY      none (default) | sign-and-encrypt (Basic256Sha256)
 *   --user <name:pass>    GEMBA_SIMULATOR_USER          accept this username/password
 *   --pki-dir <dir>       GEMBA_SIMULATOR_PKI_DIR       default ./data/opcua-simulator/pki
 *   --accept-unknown-certificates                       trust every client certificate
 *   LOG_LEVEL                                           pino level, default info
 */

const commandLineSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(4840),
  host: z.string().min(1).default('127.0.0.1'),
  cellName: z.string().min(1).max(100).default('Sealing Cell 1'),
  cycleMs: z.coerce.number().int().min(10).max(3_600_000).default(1000),
  security: z.enum(['none', 'sign-and-encrypt']).default('none'),
  user: z.string().regex(/^[^:]+:.+$/, 'name:password').optional(),
  pkiDir: z.string().min(1).default('./data/opcua-simulator/pki'),
  acceptUnknownCertificates: z.boolean().default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * Reads the simulator options from argv (first) and the environment.
 * @throws Error listing the invalid options
 */
export function parseSimulatorCommandLine(argv: string[], env: Record<string, string | undefined>): CellSimulatorOptions & { logLevel: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'cell-name': { type: 'string' },
      'cycle-ms': { type: 'string' },
      security: { type: 'string' },
      user: { type: 'string' },
      'pki-dir': { type: 'string' },
      'accept-unknown-certificates': { type: 'boolean' },
    },
    strict: true,
  });
  const parsed = commandLineSchema.safeParse({
    port: values.port ?? env.GEMBA_SIMULATOR_PORT,
    host: values.host ?? env.GEMBA_SIMULATOR_HOST,
    cellName: values['cell-name'] ?? env.GEMBA_SIMULATOR_CELL_NAME,
    cycleMs: values['cycle-ms'] ?? env.GEMBA_SIMULATOR_CYCLE_MS,
    security: values.security ?? env.GEMBA_SIMULATOR_SECURITY,
    user: values.user ?? env.GEMBA_SIMULATOR_USER,
    pkiDir: values['pki-dir'] ?? env.GEMBA_SIMULATOR_PKI_DIR,
    acceptUnknownCertificates: values['accept-unknown-certificates'] ?? env.GEMBA_SIMULATOR_ACCEPT_UNKNOWN_CERTS === 'true',
    logLevel: env.LOG_LEVEL || undefined,
  });
  if (!parsed.success) {
    throw new Error(`invalid simulator options: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const options = parsed.data;
  const separator = options.user?.indexOf(':') ?? -1;
  return {
    port: options.port,
    host: options.host,
    cellName: options.cellName,
    cycleTimeMs: options.cycleMs,
    security: options.security === 'sign-and-encrypt'
      ? { modes: ['SignAndEncrypt'], policies: ['Basic256Sha256'] }
      : { modes: ['None'], policies: ['None'] },
    users: options.user ? [{ username: options.user.slice(0, separator), password: options.user.slice(separator + 1) }] : [],
    // A secured simulator without a user would accept anyone on an encrypted channel: allow it only with None.
    allowAnonymous: options.security === 'none' || !options.user,
    pkiDir: options.pkiDir,
    automaticallyAcceptUnknownCertificate: options.acceptUnknownCertificates,
    logLevel: options.logLevel,
  };
}

async function main() {
  let options: ReturnType<typeof parseSimulatorCommandLine>;
  try {
    options = parseSimulatorCommandLine(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  }
  const logger = createLogger(options.logLevel, { component: 'opcua-simulator' });
  routeOpcUaLogs(logger);
  const simulator = await startCellSimulator({ ...options, logger });
  logger.info({ endpointUrl: simulator.endpointUrl, nodeIds: simulator.nodeIds, pkiDir: simulator.pkiDir }, 'simulator ready; Ctrl-C stops it');

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping simulator');
    simulator.stop().then(() => process.exit(0), (err) => {
      logger.error({ err }, 'simulator did not stop cleanly');
      process.exit(1);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
