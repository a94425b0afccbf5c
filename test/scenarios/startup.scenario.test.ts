import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Starts the real server process (server/main.ts through tsx), as `npm start` would.
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

type Started = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

function startServer(env: Record<string, string>): Started {
  const child = spawn(TSX, ['server/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string, started: Started): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('Feature: starting the server', () => {
  describe('Scenario: invalid configuration', () => {
    it('Then start-up stops with a clear message and a non-zero exit', async () => {
      const started = startServer({ PORT: 'eighty', GEMBA_SESSION_IDLE_MINUTES: '0' });
      expect(await started.exited).toBe(1);
      expect(started.output()).toContain('Invalid configuration');
      expect(started.output()).toContain('PORT');
      expect(started.output()).toContain('GEMBA_SESSION_IDLE_MINUTES');
    });
  });

  describe('Scenario: the embedded database with demo data, and a second process on the same data directory', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemba-start-'));
    let first: Started;
    let port: number;

    afterAll(async () => {
      first?.child.kill('SIGTERM');
      await first?.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('Given a server started on an empty data directory', async () => {
      first = startServer({ GEMBA_DATA_DIR: dataDir, GEMBA_DEMO_API_KEY: 'gak_demo-key-for-the-startup-test-000' });
      await waitFor(() => /Gemba is listening/.test(first.output()), 60_000, 'the server to listen', first);
      port = JSON.parse(first.output().split('\n').find((line) => line.includes('Gemba is listening'))!).port;
    });

    it('Then it says that production belongs on PostgreSQL, and /ready reports the embedded database', async () => {
      expect(first.output()).toMatch(/Production belongs on PostgreSQL/);
      const ready = (await (await fetch(`http://127.0.0.1:${port}/ready`)).json()) as Record<string, unknown>;
      expect(ready).toMatchObject({ status: 'ready', database: 'pglite', migrations: 'current' });
    });

    it('And the demo users and the demo ERP key work', async () => {
      const login = await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'reviewer', password: 'Gemba-demo-2026' }),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user: { roles: string[] } }).user.roles).toEqual(['validation_reviewer']);
      const me = await fetch(`http://127.0.0.1:${port}/api/v1/me`, { headers: { 'X-API-Key': 'gak_demo-key-for-the-startup-test-000' } });
      expect(((await me.json()) as { servicePrincipal: { name: string } }).servicePrincipal.name).toBe('demo-erp');
    });

    it('When a second server starts on the same data directory, Then it refuses with a clear message', async () => {
      const second = startServer({ GEMBA_DATA_DIR: dataDir });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/in use by process \d+/);
    });

    it('And the first server still answers', async () => {
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    });
  });
});
