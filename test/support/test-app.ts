import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import type { PublishedEvent } from '../../server/events/domain-event';
import type { AppDeps } from '../../server/http/context';
import { createLogger } from '../../server/lib/logger';
import { createNode } from '../../server/node';
import { attachRealtime, type Realtime } from '../../server/realtime/socket';
import { createTestDatabase, type TestDatabase } from './test-db';

export type TestApp = {
  deps: AppDeps;
  /** supertest bound to the running server. */
  http: ReturnType<typeof request>;
  /** Base URL of the listening server (for socket.io clients). */
  url: string;
  realtime: Realtime;
  /** Every event published after commit, in order. */
  published: PublishedEvent[];
  testDatabase: TestDatabase;
  /** Stops the node; `keepDatabase` leaves the database for a restart (startTestApp with `database`). */
  close(options?: { keepDatabase?: boolean }): Promise<void>;
};

/**
 * Starts the real application on its own fresh database (PGlite, or PostgreSQL when DATABASE_URL is
 * set) with a controlled clock, listening on a free port of 127.0.0.1. One per test file.
 */
export async function startTestApp(env: Record<string, string> = {}, options: { database?: TestDatabase } = {}): Promise<TestApp> {
  const testDatabase = options.database ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    GEMBA_CLOCK_CONTROLLED: 'true',
    // One engine worker per test app: files run one after another, and 2 cores are shared.
    GEMBA_ENGINE_WORKERS: '1',
    GEMBA_JOB_POLL_MS: '100',
    GEMBA_SECRET_KEY: randomBytes(32).toString('base64'),
    // The OPC UA simulator of the tests runs on loopback with a self-signed certificate.
    GEMBA_OPCUA_TRUST_UNKNOWN_SERVERS: 'true',
    GEMBA_OPCUA_PKI_DIR: path.join(tmpdir(), `gemba-test-pki-${process.pid}`),
    ...testDatabase.env,
    ...env,
  });
  const logger = createLogger(config.logLevel);
  const node = createNode(config, logger);
  const { deps } = node;
  const published: PublishedEvent[] = [];
  deps.bus.subscribe((event) => {
    published.push(event);
  });
  node.start();
  const app = createApp(deps);
  const server = http.createServer(app.callback());
  const realtime = attachRealtime(server, deps);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    deps,
    http: request(server),
    url,
    realtime,
    published,
    testDatabase,
    async close(closeOptions = {}) {
      await realtime.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await node.stop();
      if (!closeOptions.keepDatabase) await testDatabase.drop();
    },
  };
}
