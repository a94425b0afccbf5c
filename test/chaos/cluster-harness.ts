import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { knex, type Knex } from 'knex';
import { withDatabase } from '../support/test-db-template';

// Real Gemba server processes (`node dist/server/main.js`) on one PostgreSQL database, each on its
// own port of 127.0.0.1, that a test can kill with SIGKILL and start again.

export const ROOT = path.resolve(__dirname, '../..');
/** The PostgreSQL server of this machine (the same default as `npm run bench`). */
export const SERVER_URL = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
/** The built server; GEMBA_CHAOS_SERVER points elsewhere (e.g. a build with a fault put in on purpose). */
export const SERVER_ENTRY = process.env.GEMBA_CHAOS_SERVER || path.join(ROOT, 'dist/server/main.js');
export const DEMO_API_KEY = 'gak_chaos-demo-key-0123456789abcdef0123';
export const DEMO_PASSWORD = 'Gemba-demo-2026';

export type ClusterNode = {
  index: number;
  port: number;
  url: string;
  child?: ChildProcess;
  /** True from a successful /ready until it is killed or stopped. */
  alive: boolean;
  starts: number;
  logFile: string;
};

/** Creates an empty database of its own on the server; returns its URL. */
export async function createFreshDatabase(name: string): Promise<string> {
  const admin = knex({ client: 'pg', connection: SERVER_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  return withDatabase(SERVER_URL, name);
}

export async function dropDatabase(name: string): Promise<void> {
  const admin = knex({ client: 'pg', connection: SERVER_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.destroy();
  }
}

/** A free TCP port of 127.0.0.1 (asked of the OS, then released). */
async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** N server processes on one fresh database. */
export class LocalCluster {
  readonly nodes: ClusterNode[] = [];
  readonly logDir: string;
  /** A connection of the test's own to the cluster's database, for counting. */
  readonly db: Knex;

  private constructor(
    readonly databaseName: string,
    readonly databaseUrl: string,
    private readonly env: Record<string, string>,
  ) {
    this.logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemba-cluster-'));
    this.db = knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 4 } });
  }

  /** Creates the database and the nodes' slots (nothing runs yet). */
  static async create(options: { nodes: number; env?: Record<string, string> }): Promise<LocalCluster> {
    if (!fs.existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm run build first`);
    const name = `gemba_chaos_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
    const url = await createFreshDatabase(name);
    const cluster = new LocalCluster(name, url, options.env ?? {});
    for (let index = 0; index < options.nodes; index++) {
      const port = await freePort();
      cluster.nodes.push({ index, port, url: `http://127.0.0.1:${port}`, alive: false, starts: 0, logFile: path.join(cluster.logDir, `node-${index + 1}.log`) });
    }
    return cluster;
  }

  /** Starts the first node alone (migrations, demo data), then the others together. */
  async startAll(): Promise<void> {
    await this.start(0);
    await Promise.all(this.nodes.slice(1).map((node) => this.start(node.index)));
  }

  /** Starts one node and waits until it answers /ready. */
  async start(index: number, timeoutMs = 90_000): Promise<void> {
    const node = this.nodes[index];
    const log = fs.openSync(node.logFile, 'a');
    fs.writeSync(log, `--- start ${node.starts + 1} at ${new Date().toISOString()}\n`);
    const child = spawn(process.execPath, [SERVER_ENTRY], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        DATABASE_URL: this.databaseUrl,
        PORT: String(node.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        GEMBA_DATA_DIR: path.join(this.logDir, `data-${index + 1}`),
        GEMBA_SEED_DEMO: 'true',
        GEMBA_DEMO_API_KEY: DEMO_API_KEY,
        GEMBA_DEMO_PASSWORD: DEMO_PASSWORD,
        // Every node must read the connector secrets the others wrote.
        GEMBA_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        GEMBA_ENGINE_WORKERS: '1',
        ...this.env,
      },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    node.child = child;
    node.starts += 1;
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`node ${index + 1} exited during start-up; see ${node.logFile}`);
      try {
        const response = await fetch(`${node.url}/ready`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) {
          node.alive = true;
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`node ${index + 1} was not ready within ${timeoutMs / 1000} s; see ${node.logFile}`);
  }

  /** SIGKILL: no shutdown, no cleanup, as a crash or a pulled plug. */
  async kill(index: number): Promise<void> {
    const node = this.nodes[index];
    node.alive = false;
    const child = node.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM and wait: the graceful shutdown. */
  async stop(index: number): Promise<void> {
    const node = this.nodes[index];
    node.alive = false;
    const child = node.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  aliveNodes(): ClusterNode[] {
    return this.nodes.filter((node) => node.alive);
  }

  /** Stops every node, closes the test's connection and drops the database (unless kept). */
  async destroy(options: { keepDatabase?: boolean } = {}): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.stop(node.index)));
    await this.db.destroy();
    if (!options.keepDatabase) await dropDatabase(this.databaseName);
  }

  /** The last lines of every node's log, for a failure message. */
  logTail(lines = 20): string {
    return this.nodes
      .map((node) => {
        const text = fs.existsSync(node.logFile) ? fs.readFileSync(node.logFile, 'utf8').trim().split('\n').slice(-lines).join('\n') : '';
        return `--- node ${node.index + 1} (${node.logFile})\n${text}`;
      })
      .join('\n');
  }
}

/** A JSON answer of the API, or the network error that kept it from coming. */
export type ApiAnswer = { status: number; body: any } | { status: 0; error: string };

/** Calls the API of one node; never throws (a refused or cut connection is status 0). */
export async function api(base: string, method: string, route: string, headers: Record<string, string>, body?: unknown, timeoutMs = 15_000): Promise<ApiAnswer> {
  try {
    const response = await fetch(`${base}${route}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, body: parsed };
  } catch (error) {
    return { status: 0, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** Signs a demo user in; returns the Authorization header. */
export async function signIn(base: string, username: string): Promise<Record<string, string>> {
  const answer = await api(base, 'POST', '/api/v1/auth/login', {}, { username, password: DEMO_PASSWORD });
  if (answer.status !== 200) throw new Error(`login of ${username} failed: ${JSON.stringify(answer)}`);
  return { authorization: `Bearer ${(answer as { body: { token: string } }).body.token}` };
}

/** Releases a model through the controlled path: owner drafts and submits, reviewer approves, owner releases. */
export async function releaseProcess(base: string, xml: string): Promise<{ id: string; key: string }> {
  const owner = await signIn(base, 'owner');
  const reviewer = await signIn(base, 'reviewer');
  const expectOk = (answer: ApiAnswer, what: string, status = 200) => {
    if (answer.status !== status) throw new Error(`${what} refused: ${JSON.stringify(answer)}`);
    return (answer as { body: any }).body;
  };
  const draft = expectOk(await api(base, 'POST', '/api/v1/process-versions', owner, { xml, changeReason: 'chaos test deployment' }), 'draft', 201);
  expectOk(await api(base, 'POST', `/api/v1/process-versions/${draft.id}/submit`, owner, {}), 'submit');
  expectOk(await api(base, 'POST', `/api/v1/process-versions/${draft.id}/approve`, reviewer, { password: DEMO_PASSWORD, meaning: 'approved' }), 'approval');
  return expectOk(await api(base, 'POST', `/api/v1/process-versions/${draft.id}/release`, owner, { password: DEMO_PASSWORD, meaning: 'released' }), 'release');
}
