import type { CompiledExpression } from './compile-expression';

/**
 * A bounded map from expression text to its compiled form. The engine evaluates the same few
 * expressions for every instance, so each is parsed once; the least recently used entry goes
 * when the cache is full, so a stream of distinct texts cannot grow memory without bound.
 */
export class ExpressionCache {
  private readonly entries = new Map<string, CompiledExpression>();
  private hitCount = 0;
  private missCount = 0;

  constructor(private readonly capacity = 1000) {}

  /** The compiled expression for `source`, compiling (and remembering) it on a miss. */
  get(source: string, compile: (source: string) => CompiledExpression): CompiledExpression {
    const found = this.entries.get(source);
    if (found) {
      this.hitCount++;
      // Re-inserting moves the entry to the young end of the Map's insertion order.
      this.entries.delete(source);
      this.entries.set(source, found);
      return found;
    }
    this.missCount++;
    const compiled = compile(source);
    if (this.capacity <= 0) return compiled;
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(source, compiled);
    return compiled;
  }

  /** Counts for monitoring and tests. */
  stats(): { size: number; hits: number; misses: number } {
    return { size: this.entries.size, hits: this.hitCount, misses: this.missCount };
  }
}
