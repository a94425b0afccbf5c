import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConnectorInvoker } from '../../server/adapters/http/connector-invoker';
import { HttpConnector } from '../../server/adapters/http/http-connector';
import { connectorSecretBox } from '../../server/commands/manage-connectors';
import { createBuiltInConnectors } from '../../server/jobs/built-in-connectors';
import type { JobDeps } from '../../server/jobs/job-context';
import { JobPoller } from '../../server/jobs/job-poller';
import { createOpcuaConnector } from '../../server/platform/opcua-connector';
import { platformConnectors } from '../../server/platform/operations';
import { findConnectorByName } from '../../server/repos/connectors.repo';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The test application with the platform wired in as server/node.ts will wire it: the built-in
 * `gemba` operations and the OPC UA connector kind. Until node.ts registers them, this starts the
 * app with its own poller disabled and runs a poller built from the same parts, with those added;
 * the controlled clock and `drainJobs` go to that poller.
 */
export async function startPlatformApp(env: Record<string, string> = {}): Promise<TestApp> {
  const app = await startTestApp({ ...env, GEMBA_JOBS_ENABLED: 'false' });
  const pkiDir = await mkdtemp(path.join(tmpdir(), 'gemba-platform-pki-'));
  const opcua = createOpcuaConnector({ pkiDir, trustUnknownServerCertificates: true, logger: app.deps.logger });
  const invoker = createConnectorInvoker({
    findConnector: (name) => findConnectorByName(app.deps.db, name),
    secretBox: () => connectorSecretBox(app.deps.config, app.deps.logger),
    http: new HttpConnector({ logger: app.deps.logger }),
    opcua,
  });
  const jobDeps: JobDeps = { ...app.deps, invoker, builtIns: createBuiltInConnectors(platformConnectors()) };
  const poller = new JobPoller(jobDeps, { intervalMs: 50, leaseMs: 60_000, batchSize: 32, concurrency: 8 });
  jobDeps.wakeJobs = () => poller.wake();
  app.deps.wakeJobs = () => poller.wake();
  app.deps.drainJobs = () => poller.drain();
  poller.start();
  const close = app.close.bind(app);
  return Object.assign(app, {
    async close(options?: { keepDatabase?: boolean }) {
      await poller.stop();
      await opcua.close();
      await close(options);
      await rm(pkiDir, { recursive: true, force: true });
    },
  });
}
