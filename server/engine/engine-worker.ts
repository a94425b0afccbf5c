// Worker thread of the EnginePool: keeps its own cache of compiled versions and runs events.
// Requests and results are structured-cloned; functions (services, expressions, logger) come
// from the optional setup module, loaded once per worker.
import { parentPort, workerData } from 'node:worker_threads';
import { DefinitionCache } from './definition-cache';
import { DefinitionCompileError } from './errors';
import { runEventSync } from './run-event';
import type { EngineEvent, RunOptions, StoredState } from './types';

/** A request from the pool. `xml` is sent only after the worker asked for it. */
export type WorkerRequest = {
  id: number;
  versionId: string;
  xml?: string;
  state?: StoredState;
  event: EngineEvent;
  options: Omit<RunOptions, 'services' | 'expressions' | 'logger'>;
};

/** A reply: the result, a request for the model, or a compile error. */
export type WorkerReply =
  | { id: number; result: ReturnType<typeof runEventSync> }
  | { id: number; needXml: true }
  | { id: number; compileError: { message: string; errors: unknown[] } }
  | { id: number; crash: string }
  | { ready: true };

type WorkerConfig = { cacheSize: number; setupModule?: string };

if (parentPort) {
  const port = parentPort;
  const config = workerData as WorkerConfig;
  const cache = new DefinitionCache({ max: config.cacheSize });
  let shared: Partial<RunOptions> = {};
  const ready = (async () => {
    if (!config.setupModule) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const setup = require(config.setupModule) as { createRunOptions?: () => Partial<RunOptions> | Promise<Partial<RunOptions>> };
    shared = (await setup.createRunOptions?.()) ?? {};
  })();
  // The pool starts timing runs once the worker has loaded (tsx compiles sources on first use).
  ready.then(
    () => port.postMessage({ ready: true } satisfies WorkerReply),
    () => port.postMessage({ ready: true } satisfies WorkerReply),
  );

  port.on('message', async (request: WorkerRequest) => {
    let reply: WorkerReply;
    try {
      await ready;
      if (!cache.has(request.versionId) && request.xml === undefined) {
        reply = { id: request.id, needXml: true };
      } else {
        const definition = await cache.get(request.versionId, () => request.xml as string);
        const result = runEventSync(definition, request.state, request.event, { ...shared, ...request.options });
        reply = { id: request.id, result };
      }
    } catch (err) {
      reply =
        err instanceof DefinitionCompileError
          ? { id: request.id, compileError: { message: err.message, errors: err.errors } }
          : { id: request.id, crash: err instanceof Error ? err.message : String(err) };
    }
    port.postMessage(reply);
  });
}
