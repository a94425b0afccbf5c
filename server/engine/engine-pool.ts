import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './engine-worker';
import { DefinitionCompileError } from './errors';
import type { EngineEvent, RunOptions, RunResult, StoredState } from './types';

/** Options of {@link EnginePool}. */
export type EnginePoolOptions = {
  /** Worker threads (default: available parallelism, at least 1). */
  size?: number;
  /** Compiled versions each worker keeps (default 50). */
  cacheSize?: number;
  /**
   * Absolute path of a module exporting `createRunOptions(): Partial<RunOptions> | Promise<…>`,
   * loaded once in each worker: how expressions, services and a logger reach the workers.
   */
  setupModule?: string;
  /** A run that takes longer (from the moment a worker takes it) is abandoned and its worker replaced (default 30 s). */
  runTimeoutMs?: number;
  /**
   * Each worker's V8 young generation in MB (default 192, semi-spaces of 64 MB; V8's own default
   * is 16 MB semi-spaces). A run allocates ~1.7 MB, mostly bpmn-elements' broker messages that die
   * with the run; with small semi-spaces each scavenge finds runs in flight and promotes them, and
   * the workers spent a fifth of their time in scavenges and mark-compacts (bench/README.md).
   */
  youngGenerationMb?: number;
};

/** The run options that can cross to a worker (functions come from the setup module). */
export type PoolRunOptions = Omit<RunOptions, 'services' | 'expressions' | 'logger'>;

/** A process version as the pool needs it: its id, and how to read its XML on a worker's first use. */
export type PoolVersion = { id: string; loadXml: () => string | Promise<string> };

type Job = {
  request: WorkerRequest;
  version: PoolVersion;
  resolve: (result: RunResult) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
};

type Slot = { worker: Worker; ready: boolean; current?: Job };

const DEFAULT_YOUNG_GENERATION_MB = 192;

/**
 * Runs {@link runEvent} on worker threads so that events of different instances use all cores,
 * and so that nothing a model does can block the server's event loop: a run that does not finish
 * within `runTimeoutMs` (a service stuck in a loop) is abandoned, its worker terminated and
 * replaced, and the run comes back as a failed outcome. Each worker takes one run at a time;
 * the others wait in the pool's queue. Like runEvent, `run` resolves with a failed outcome rather
 * than rejecting, except for a version that cannot be compiled.
 */
export class EnginePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private sequence = 0;
  private closed = false;
  private readonly timeoutMs: number;

  constructor(private readonly options: EnginePoolOptions = {}) {
    this.timeoutMs = options.runTimeoutMs ?? 30_000;
    const size = Math.max(1, options.size ?? os.availableParallelism?.() ?? os.cpus().length);
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** Worker threads in the pool. */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Applies one event on a worker (see runEvent for the result).
   * @throws DefinitionCompileError (422) when the version cannot be compiled.
   */
  run(version: PoolVersion, state: StoredState | undefined | null, event: EngineEvent, options: PoolRunOptions): Promise<RunResult> {
    if (this.closed) return Promise.reject(new Error('The engine pool is closed'));
    const request: WorkerRequest = { id: ++this.sequence, versionId: version.id, state: state ?? undefined, event, options };
    return new Promise<RunResult>((resolve, reject) => {
      this.queue.push({ request, version, resolve, reject });
      this.pump();
    });
  }

  /** Terminates the workers; runs in flight or queued come back as failed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(failure('The engine pool was closed'));
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.current) this.finish(slot, (job) => job.resolve(failure('The engine pool was closed')));
        slot.worker.removeAllListeners();
        await slot.worker.terminate();
      }),
    );
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (!this.queue.length) break;
      if (!slot.ready || slot.current) continue;
      const job = this.queue.shift() as Job;
      slot.current = job;
      job.timer = setTimeout(() => this.replace(slot, `The engine did not finish within ${this.timeoutMs} ms; its worker was replaced`), this.timeoutMs);
      slot.worker.postMessage(job.request);
    }
    // A busy pool (runs queued or running) keeps the process alive, an idle one does not.
    for (const slot of this.slots) {
      if (slot.current || this.queue.length) slot.worker.ref();
      else slot.worker.unref();
    }
  }

  private spawn(): Slot {
    const extension = path.extname(__filename);
    const file = path.join(__dirname, `engine-worker${extension}`);
    // Under tsx or jest the sources are TypeScript: the worker needs tsx's CommonJS hook.
    const execArgv = extension === '.ts' ? ['--require', require.resolve('tsx/cjs')] : [];
    const resourceLimits = { maxYoungGenerationSizeMb: this.options.youngGenerationMb ?? DEFAULT_YOUNG_GENERATION_MB };
    const worker = new Worker(file, { workerData: { cacheSize: this.options.cacheSize ?? 50, setupModule: this.options.setupModule }, execArgv, resourceLimits });
    const slot: Slot = { worker, ready: false };
    worker.on('message', (reply: WorkerReply) => this.onReply(slot, reply));
    worker.on('error', (err) => this.replace(slot, `The engine worker failed: ${err.message}`));
    worker.on('exit', () => this.replace(slot, 'The engine worker exited'));
    worker.unref();
    return slot;
  }

  private onReply(slot: Slot, reply: WorkerReply): void {
    if ('ready' in reply) {
      slot.ready = true;
      this.pump();
      return;
    }
    const job = slot.current;
    if (!job || job.request.id !== reply.id) return;
    if ('needXml' in reply) {
      Promise.resolve()
        .then(job.version.loadXml)
        .then(
          (xml) => slot.current === job && slot.worker.postMessage({ ...job.request, xml }),
          (err: Error) => slot.current === job && this.finish(slot, (j) => j.reject(err)),
        );
      return;
    }
    this.finish(slot, (j) => {
      if ('result' in reply) j.resolve(reply.result);
      else if ('compileError' in reply) j.reject(new DefinitionCompileError(reply.compileError.message, reply.compileError.errors as never));
      else j.resolve(failure(`The engine worker could not run the event: ${reply.crash}`));
    });
  }

  private finish(slot: Slot, done: (job: Job) => void): void {
    const job = slot.current;
    if (!job) return;
    clearTimeout(job.timer);
    slot.current = undefined;
    done(job);
    this.pump();
  }

  private replace(slot: Slot, message: string): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    slot.worker.removeAllListeners();
    void slot.worker.terminate();
    if (!this.closed) this.slots[index] = this.spawn();
    else this.slots.splice(index, 1);
    const job = slot.current;
    if (job) {
      clearTimeout(job.timer);
      slot.current = undefined;
      job.resolve(failure(message));
    }
    this.pump();
  }
}

function failure(message: string): RunResult {
  return { outcome: { status: 'failed', kind: 'internal', message }, applied: false, history: [], thrown: [] };
}
