import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ConfigError, loadConfig } from '../config';
import { createLogger, exitWithFatal, type Logger } from '../lib/logger';

/**
 * `npm run cluster -- --nodes 3 [--base-port 3000]`: a local cluster of Gemba nodes on one
 * PostgreSQL (DATABASE_URL). Each node is an ordinary server process (`dist/server/main.js`) on its
 * own port, base-port + i; the first one starts alone (it applies migrations and demo data), the
 * others follow once it is ready. A node that dies is started again; SIGINT/SIGTERM stop them all
 * gracefully. In production the same processes run behind a load balancer, one per host or container.
 */

type NodeProcess = { index: number; port: number; child?: ChildProcess; restarts: number; exited?: Promise<void> };

const MAIN = path.resolve(__dirname, '../main.js');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const inline = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const raw = inline ? inline.slice(name.length + 3) : index > 0 ? process.argv[index + 1] : undefined;
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new ConfigError([`--${name}: must be a positive integer`]);
  return value;
}

async function waitReady(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the node on port ${port} exited during start-up`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the node on port ${port} was not ready within ${timeoutMs / 1000} s`);
}

class Cluster {
  private stopping = false;
  private readonly nodes: NodeProcess[];

  constructor(
    private readonly logger: Logger,
    count: number,
    basePort: number,
    // The children get this process's environment, with their own PORT.
    private readonly environment: NodeJS.ProcessEnv,
  ) {
    this.nodes = Array.from({ length: count }, (_, index) => ({ index, port: basePort + index, restarts: 0 }));
  }

  async start(): Promise<void> {
    const [first, ...others] = this.nodes;
    this.launch(first);
    await waitReady(first.port, first.child!, 120_000);
    for (const node of others) this.launch(node);
    await Promise.all(others.map((node) => waitReady(node.port, node.child!, 120_000)));
    this.logger.info({ nodes: this.nodes.map((node) => `http://127.0.0.1:${node.port}`) }, `cluster of ${this.nodes.length} node(s) is ready`);
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.logger.info({ signal }, 'stopping the cluster');
    for (const node of this.nodes) node.child?.kill('SIGTERM');
    await Promise.all(this.nodes.map((node) => node.exited));
  }

  private launch(node: NodeProcess): void {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...this.environment, PORT: String(node.port) },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    node.child = child;
    node.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        resolve();
        if (this.stopping) return;
        node.restarts += 1;
        // A node that keeps failing at once (bad configuration) is restarted ever more slowly.
        const delay = Math.min(30_000, 1_000 * 2 ** Math.min(node.restarts - 1, 5));
        this.logger.warn({ node: node.index + 1, port: node.port, code, signal, restartInMs: delay }, 'a node exited; starting it again');
        setTimeout(() => {
          if (!this.stopping) this.launch(node);
        }, delay).unref();
      });
    });
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { component: 'cluster' });
  if (config.database.kind !== 'postgresql') {
    throw new ConfigError(['DATABASE_URL: a cluster shares one PostgreSQL database; the embedded database serves one process']);
  }
  const cluster = new Cluster(logger, option('nodes', 3), option('base-port', config.http.port), process.env);
  process.on('SIGINT', () => void cluster.stop('SIGINT').then(() => process.exit(0)));
  process.on('SIGTERM', () => void cluster.stop('SIGTERM').then(() => process.exit(0)));
  try {
    await cluster.start();
  } catch (error) {
    await cluster.stop('SIGTERM');
    throw error;
  }
}

main().catch((error) => exitWithFatal(error, 'the cluster failed to start'));
