import { format, stripVTControlCharacters } from 'node:util';
import { setErrorLogger, setWarningLogger } from 'node-opcua';
import type { Logger } from 'pino';

/**
 * Sends node-opcua's own warnings and errors (normally written to stdout) to a pino logger, as
 * lines with `source: 'node-opcua'`. The setting is process-wide: call it once at start-up.
 */
export function routeOpcUaLogs(logger: Logger): void {
  const child = logger.child({ source: 'node-opcua' });
  const text = (args: unknown[]) => {
    // node-opcua passes its call site ({ filename, callerline }) first and colours the rest.
    const [first, ...rest] = args;
    const callSite = typeof first === 'object' && first !== null && 'filename' in first ? first : null;
    return stripVTControlCharacters(format(...(callSite ? rest : args))).trim();
  };
  setWarningLogger((...args: unknown[]) => child.warn(text(args)));
  setErrorLogger((...args: unknown[]) => child.error(text(args)));
}
