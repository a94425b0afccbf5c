import path from 'node:path';
import type { Knex } from 'knex';
import { EnginePool, type EngineEvent, type RunResult, type StoredState } from '../engine';
import { NotFoundError } from '../errors/app-error';

/** How the runtime reaches the engine: a pool of worker threads (both cores, a run time limit). */
export type EngineRuntimeOptions = { workers?: number; runTimeoutMs?: number; youngGenerationMb?: number };

/**
 * The engine as the database runtime uses it: one shared pool of worker threads, each with its own
 * compiled-definition cache. The XML of a version is read through the caller's transaction, on a
 * worker's first use of that version only (on PGlite a read outside the transaction would wait for
 * the transaction's connection forever).
 */
export class EngineRuntime {
  private readonly pool: EnginePool;

  constructor(options: EngineRuntimeOptions = {}) {
    this.pool = new EnginePool({
      size: options.workers,
      runTimeoutMs: options.runTimeoutMs ?? 30_000,
      youngGenerationMb: options.youngGenerationMb,
      setupModule: path.join(__dirname, `engine-setup${path.extname(__filename)}`),
    });
  }

  /**
   * Applies one event to one instance's stored state (see runEvent: never rejects for what a model
   * does; a failure comes back as `outcome.failed`).
   * @throws DefinitionCompileError when the version cannot be compiled.
   */
  run(trx: Knex.Transaction, versionId: string, state: unknown, event: EngineEvent, now: Date): Promise<RunResult> {
    return this.pool.run(
      {
        id: versionId,
        loadXml: async () => {
          const row = await trx('process_versions').select('xml').where({ id: versionId }).first();
          if (!row) throw new NotFoundError(`No process version ${versionId}`);
          return row.xml as string;
        },
      },
      (state ?? undefined) as StoredState | undefined,
      event,
      // Versions that run have passed review and release: their script tasks may run (in a sandbox).
      { now, allowScripts: true },
    );
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
