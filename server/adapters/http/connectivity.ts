/**
 * Connectivity checks behind `POST /connectors/:id/test`. Network I/O: call it outside any
 * transaction. An HTTP connector is asked for its health check (or its base URL) with its
 * credentials; for an OPC UA connector only a TCP connection to the endpoint is opened here
 * (the session and its security belong to the OPC UA gateway).
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ConnectorConfig, ConnectorKind, HttpConnectorConfig, OpcuaConnectorConfig } from './connector-config';
import type { ConnectivityResult, HttpConnector } from './http-connector';

export type { ConnectivityResult };

/** Checks that a connector's service answers. Never throws for an unreachable service. */
export async function checkConnectivity(
  connector: { name: string; kind: ConnectorKind; config: ConnectorConfig },
  deps: { http: HttpConnector; signal?: AbortSignal },
): Promise<ConnectivityResult> {
  if (connector.kind === 'http') return deps.http.check({ name: connector.name, config: connector.config as HttpConnectorConfig }, deps.signal);
  return checkTcp(connector.config as OpcuaConnectorConfig);
}

/** Opens (and closes) a TCP connection to an opc.tcp:// endpoint (port 4840 by default). */
async function checkTcp(config: OpcuaConnectorConfig): Promise<ConnectivityResult> {
  const match = /^opc\.tcp:\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?/.exec(config.endpointUrl);
  const host = match?.[1]?.replace(/^\[|\]$/g, '') ?? '';
  const port = Number(match?.[2] ?? 4840);
  const target = `TCP ${host}:${port}`;
  const started = performance.now();
  return new Promise<ConnectivityResult>((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (ok: boolean, message: string) => {
      socket.destroy();
      clearTimeout(timer);
      resolve({ ok, status: null, durationMs: Math.round(performance.now() - started), target, message });
    };
    const timer = setTimeout(() => finish(false, `no connection within ${config.connectTimeoutMs} ms`), config.connectTimeoutMs);
    socket.once('connect', () => finish(true, 'the endpoint accepts TCP connections (the OPC UA session is not checked here)'));
    socket.once('error', (error: NodeJS.ErrnoException) => finish(false, `cannot connect: ${error.code ?? error.message}`));
  });
}
