import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export type RunningServer = { baseUrl: string; stop(): Promise<void>; logs(): string };

/**
 * Starts the real Gemba server for the browser journeys: `server/main.ts` under tsx on a free
 * port, with a fresh embedded database in a temporary folder, the controlled clock, sessions that
 * survive the hours the journeys move that clock by, and the demo users. It must serve the built app at `/` (modeler/dist, `npm run build:modeler`).
 *
 * `GEMBA_E2E_BASE_URL` runs the journeys against a server that is already running instead;
 * `GEMBA_E2E_SERVER_ENTRY` starts another entry file (a local experiment).
 * @throws Error when the server does not start within a minute or does not serve the app.
 */
export async function startServer(): Promise<RunningServer> {
  if (process.env.GEMBA_E2E_BASE_URL) {
    return { baseUrl: process.env.GEMBA_E2E_BASE_URL.replace(/\/$/, ''), stop: async () => undefined, logs: () => '' };
  }
  if (!fs.existsSync(path.join(REPO_ROOT, 'modeler/dist/index.html'))) {
    throw new Error('modeler/dist is missing: run `npm run build:modeler` first (npm run test:e2e does)');
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gemba-e2e-'));
  const entry = process.env.GEMBA_E2E_SERVER_ENTRY ?? path.join(REPO_ROOT, 'server/main.ts');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    GEMBA_DATA_DIR: dataDir,
    GEMBA_CLOCK_CONTROLLED: 'true',
    // The journeys move the controlled clock by hours (due dates, cycle times); sessions idle out
    // and expire on that clock, so they last long enough here.
    GEMBA_SESSION_IDLE_MINUTES: '1440',
    GEMBA_SESSION_MAX_HOURS: '72',
    GEMBA_SEED_DEMO: 'true',
    LOG_LEVEL: 'info',
  };
  // The journeys own their database: never a shared PostgreSQL from the surrounding test run.
  delete env.DATABASE_URL;
  if (process.env.GEMBA_E2E_DATABASE_URL) env.DATABASE_URL = process.env.GEMBA_E2E_DATABASE_URL;

  const tsxCli = require.resolve('tsx/cli', { paths: [REPO_ROOT] });
  const child: ChildProcess = spawn(process.execPath, [tsxCli, entry], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The server did not start within 60 s:\n${output.slice(-4000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (!line.includes('Gemba is listening')) continue;
        try {
          const parsed = JSON.parse(line) as { port?: number };
          if (parsed.port) {
            clearTimeout(timer);
            resolve(parsed.port);
            return;
          }
        } catch {
          // a partial line: wait for the rest
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The server exited with code ${code}:\n${output.slice(-4000)}`));
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
      });
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  };

  const home = await fetch(`${baseUrl}/`, { headers: { Accept: 'text/html' } });
  const html = await home.text();
  if (!home.ok || !html.includes('id="app"')) {
    await stop();
    throw new Error(`The server does not serve the browser app at / (status ${home.status}). Mount serveModeler() from server/http/static.ts in server/app.ts.`);
  }
  return { baseUrl, stop, logs: () => output };
}
