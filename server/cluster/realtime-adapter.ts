import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Config } from '../config';
import type { Logger } from '../lib/logger';

/** socket.io's adapter for a cluster, and how to release its connections. */
export type ClusterAdapter = {
  adapter: ReturnType<typeof createAdapter>;
  /** Ends the adapter's connection pool (after socket.io has closed). */
  close(): Promise<void>;
};

/**
 * socket.io's PostgreSQL adapter: what one node emits to a room reaches the sockets of that room on
 * every node, through LISTEN/NOTIFY (large payloads through `socket_io_attachments`). It has a
 * small connection pool of its own, apart from knex's. Undefined on the embedded database, which
 * serves one process (socket.io's in-memory adapter is right there).
 */
export function createClusterAdapter(database: Config['database'], logger: Logger): ClusterAdapter | undefined {
  if (database.kind !== 'postgresql') return undefined;
  const pool = new pg.Pool({ connectionString: database.url, application_name: 'gemba-realtime', max: 3, connectionTimeoutMillis: 5_000 });
  const checkedOut = new Set<pg.PoolClient>();
  let warned = 0;
  const warn = (error: unknown, what: string) => {
    // One line per outage is enough: the adapter retries every couple of seconds.
    if (Date.now() - warned < 10_000) return;
    warned = Date.now();
    logger.warn({ err: error }, what);
  };
  // An idle client whose server went away emits 'error' on the pool; unheard, it would crash the node.
  pool.on('error', (error) => warn(error, 'realtime: a pooled PostgreSQL connection failed; it is replaced'));
  pool.on('acquire', (client) => checkedOut.add(client));
  pool.on('release', (_error, client) => checkedOut.delete(client));
  pool.on('connect', (client) => {
    // The adapter keeps one client checked out for LISTEN and listens only for its 'end': a checked-out
    // client has no 'error' listener in pg-pool, and its error would crash the node.
    client.on('error', (error) => warn(error, 'realtime: the LISTEN connection failed; the adapter reconnects'));
    // The adapter never gives a dead LISTEN client back: release it here, or every database restart
    // would cost the pool a slot until none is left.
    client.on('end', () => {
      if (checkedOut.has(client)) {
        checkedOut.delete(client);
        client.release(true);
      }
    });
  });
  const adapter = createAdapter(pool, {
    errorHandler: (error: Error) => warn(error, 'realtime: fan-out to other nodes failed'),
  });
  return {
    adapter,
    close: () => pool.end(),
  };
}
