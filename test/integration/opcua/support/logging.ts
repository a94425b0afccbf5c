import pino from 'pino';
import { routeOpcUaLogs } from '../../../../server/adapters/opcua/opcua-logging';

/** Keeps node-opcua's warnings out of test output; OPCUA_TEST_LOG=warn shows them. */
export function quietOpcUaLogs(): void {
  routeOpcUaLogs(pino({ level: process.env.OPCUA_TEST_LOG ?? 'silent' }));
}
