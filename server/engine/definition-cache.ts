import type { CompileOptions, CompiledDefinition } from './compile-definition';
import { compileDefinition } from './compile-definition';

/** Options of {@link DefinitionCache}. */
export type DefinitionCacheOptions = {
  /** Most versions kept (least recently used go first). Default 100. */
  max?: number;
  compile?: CompileOptions;
};

/**
 * A bounded LRU of compiled process versions, keyed by version id. Each version is compiled once
 * per process even when many events ask for it at the same time (in-flight compiles are shared).
 * A released version never changes, so entries never go stale; they are only evicted.
 */
export class DefinitionCache {
  private readonly entries = new Map<string, Promise<CompiledDefinition>>();
  private readonly max: number;

  constructor(private readonly options: DefinitionCacheOptions = {}) {
    this.max = Math.max(1, options.max ?? 100);
  }

  /** Number of versions held (compiled or compiling). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The compiled version `versionId`; on a miss, `loadXml()` supplies the model (e.g. from the
   * database) and it is compiled.
   * @throws DefinitionCompileError (422) when the model cannot be compiled (not cached), or
   *   whatever `loadXml` throws.
   */
  get(versionId: string, loadXml: () => string | Promise<string>): Promise<CompiledDefinition> {
    const hit = this.entries.get(versionId);
    if (hit) {
      this.entries.delete(versionId);
      this.entries.set(versionId, hit);
      return hit;
    }
    const pending = Promise.resolve()
      .then(loadXml)
      .then((xml) => compileDefinition(xml, this.options.compile));
    this.entries.set(versionId, pending);
    pending.catch(() => {
      if (this.entries.get(versionId) === pending) this.entries.delete(versionId);
    });
    this.evict();
    return pending;
  }

  /** Puts an already compiled version in the cache (e.g. right after release). */
  set(versionId: string, definition: CompiledDefinition): void {
    this.entries.delete(versionId);
    this.entries.set(versionId, Promise.resolve(definition));
    this.evict();
  }

  has(versionId: string): boolean {
    return this.entries.has(versionId);
  }

  delete(versionId: string): boolean {
    return this.entries.delete(versionId);
  }

  clear(): void {
    this.entries.clear();
  }

  private evict(): void {
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
