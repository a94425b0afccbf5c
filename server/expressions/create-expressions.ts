import type { CompiledExpression } from './compile-expression';
import type { ExpressionClock } from './compile-feel';
import { compileExpression } from './compile-expression';
import { ExpressionCache } from './expression-cache';
import type { ExpressionLimits } from './limits';
import { DEFAULT_LIMITS } from './limits';
import type { Feel } from './load-feel';
import { loadFeel } from './load-feel';

/** Options of {@link createExpressions}. */
export type ExpressionsOptions = {
  /** Overrides of {@link DEFAULT_LIMITS}. */
  limits?: Partial<ExpressionLimits>;
  /** How many compiled expressions to keep (default 1000; 0 disables the cache). */
  cacheSize?: number;
  /** feelin from {@link loadFeel}, for `=…` expressions; {@link loadExpressions} passes it. */
  feel?: Feel;
  /** The platform clock (server/lib/clock) for FEEL's now() and today(); system time when absent. */
  clock?: ExpressionClock;
};

/**
 * The object bpmn-engine takes as its `expressions` option (replacing bpmn-elements' default
 * Expressions), plus `compile` for checking a model's expressions ahead of time.
 */
export type Expressions = {
  /**
   * Evaluates `text` against the engine's context; text without `${` and not starting with `=`
   * comes back unchanged (the hot path for timer values and names), and non-string input is
   * returned as it is.
   * @throws {ExpressionError} whenever an expression cannot produce a value.
   */
  resolveExpression(text: unknown, context?: unknown, fnContext?: unknown): unknown;
  /** Whether `text` is one expression as a whole: `${…}` or `=…`. */
  isExpression(text: unknown): boolean;
  /** Whether `text` contains an expression anywhere (an unescaped `${`, or starts with `=`). */
  hasExpression(text: unknown): boolean;
  /**
   * Parses `text` (through the cache) without evaluating it.
   * @throws {ExpressionError} `syntax`, `forbidden`, `unknown_function` or `limit`.
   */
  compile(text: string): CompiledExpression;
  /** Cache counts. */
  stats(): { size: number; hits: number; misses: number };
};

/**
 * Loads feelin, then creates the evaluator with JUEL and FEEL:
 * `new Engine({ source, expressions: await loadExpressions() })`. Call it once at start-up and
 * share the result: every engine then reuses the same compiled expressions.
 * @throws {RangeError} when a limit override is not a positive integer (the promise rejects).
 */
export async function loadExpressions(options: Omit<ExpressionsOptions, 'feel'> = {}): Promise<Expressions> {
  return createExpressions({ ...options, feel: await loadFeel() });
}

/**
 * Creates the safe expression evaluator for bpmn-engine synchronously:
 * `new Engine({ source, expressions: createExpressions({ feel }) })`. Without `options.feel`
 * only `${…}` expressions work and `=…` fails with kind `unsupported`. Nothing is ever run
 * through `eval` or `new Function`.
 * @throws {RangeError} when a limit override is not a positive integer.
 */
export function createExpressions(options: ExpressionsOptions = {}): Expressions {
  const limits: ExpressionLimits = Object.freeze({ ...DEFAULT_LIMITS, ...options.limits });
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value <= 0) throw new RangeError(`limits.${name} must be a positive integer`);
  }
  const cache = new ExpressionCache(options.cacheSize ?? 1000);
  const compile = (text: string): CompiledExpression => cache.get(text, (source) => compileExpression(source, { limits, feel: options.feel, clock: options.clock }));

  return {
    resolveExpression(text, context, fnContext) {
      if (typeof text !== 'string') return text;
      // An escaped \${ still goes through compile, which turns it into a literal ${.
      if (!text.includes('${') && !text.trimStart().startsWith('=')) return text;
      return compile(text).evaluate(context, fnContext);
    },
    isExpression(text) {
      if (typeof text !== 'string') return false;
      const trimmed = text.trim();
      if (trimmed.startsWith('=')) return true;
      if (!trimmed.startsWith('${') || !trimmed.endsWith('}')) return false;
      try {
        return compile(text).kind === 'juel';
      } catch {
        return false;
      }
    },
    hasExpression,
    compile,
    stats: () => cache.stats(),
  };
}

function hasExpression(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  if (text.trimStart().startsWith('=')) return true;
  for (let i = text.indexOf('${'); i >= 0; i = text.indexOf('${', i + 2)) {
    if (i === 0 || text[i - 1] !== '\\') return true;
  }
  return false;
}
