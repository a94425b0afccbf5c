import type { ExpressionClock } from './compile-feel';
import { compileFeel } from './compile-feel';
import type { JuelScope } from './evaluate-juel';
import { evaluateJuel, typeName } from './evaluate-juel';
import { ExpressionError } from './expression-error';
import type { ExpressionLimits } from './limits';
import { DEFAULT_LIMITS } from './limits';
import type { Feel } from './load-feel';
import type { JuelNode } from './parse-juel';
import { parseJuel } from './parse-juel';

/** How a text is evaluated: as it is, as one `${…}`, as text with `${…}` parts, or as FEEL. */
export type ExpressionKind = 'text' | 'juel' | 'template' | 'feel';

/** A text parsed once, to be evaluated against any number of engine contexts. */
export type CompiledExpression = {
  readonly source: string;
  readonly kind: ExpressionKind;
  /**
   * Evaluates against bpmn-engine's context (`{ environment, fields, content, properties }`);
   * `fnContext` is `this` for `environment.services.*` calls.
   * @throws {ExpressionError} whenever the expression cannot produce a value.
   */
  evaluate(context?: unknown, fnContext?: unknown): unknown;
};

type TemplatePart = string | JuelNode;

/** What {@link compileExpression} needs besides the text. */
export type CompileOptions = {
  limits?: ExpressionLimits;
  /** feelin, from {@link loadFeel}; without it a FEEL text fails with kind `unsupported`. */
  feel?: Feel;
  /** The clock FEEL's now() and today() read; the system clock when absent. */
  clock?: ExpressionClock;
};

/**
 * Parses an expression text the way the engine will use it:
 * - `=…` (after leading whitespace) is FEEL;
 * - exactly one `${…}` (surrounding whitespace ignored) evaluates to the raw value;
 * - text with `${…}` parts evaluates to a string, a missing value becoming '' and `\${` a literal `${`;
 * - any other text is returned as it is.
 * @throws {ExpressionError} `syntax`, `forbidden`, `unknown_function`, `limit` or `unsupported` when
 * the text can never evaluate; data-dependent errors come from `evaluate`.
 */
export function compileExpression(source: string, options: CompileOptions = {}): CompiledExpression {
  const limits = options.limits ?? DEFAULT_LIMITS;
  if (source.length > limits.maxLength) {
    throw new ExpressionError(source, limits.maxLength, `expression is longer than ${limits.maxLength} characters`, 'limit');
  }
  const leading = source.length - source.trimStart().length;
  if (source[leading] === '=') {
    if (!options.feel) {
      throw new ExpressionError(source, leading, 'FEEL is not available: create the evaluator with loadExpressions() or pass feel from loadFeel()', 'unsupported');
    }
    const feel = compileFeel(source, leading + 1, limits, options.feel, options.clock);
    return { source, kind: 'feel', evaluate: (context) => feel.evaluate(toContext(context)) };
  }

  const parts = parseTemplate(source, limits);
  if (parts.length === 0 || (parts.length === 1 && typeof parts[0] === 'string')) {
    const text = parts.length === 0 ? '' : (parts[0] as string);
    return { source, kind: 'text', evaluate: () => text };
  }
  const single = parts.filter((part) => typeof part !== 'string' || part.trim() !== '');
  if (single.length === 1 && typeof single[0] !== 'string') {
    const node = single[0];
    return { source, kind: 'juel', evaluate: (context, fnContext) => evaluateJuel(node, makeScope(source, context, fnContext, limits)) };
  }
  return {
    source,
    kind: 'template',
    evaluate(context, fnContext) {
      const scope = makeScope(source, context, fnContext, limits);
      let text = '';
      for (const part of parts) text += typeof part === 'string' ? part : toText(evaluateJuel(part, scope), part.pos, source);
      return text;
    },
  };
}

function parseTemplate(source: string, limits: ExpressionLimits): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('${', pos);
    if (open < 0) break;
    if (open > 0 && source[open - 1] === '\\') {
      // JUEL's escape: \${ is the literal text ${
      literal += source.slice(pos, open - 1) + '${';
      pos = open + 2;
      continue;
    }
    literal += source.slice(pos, open);
    if (literal) parts.push(literal);
    literal = '';
    const { node, end } = parseJuel(source, open + 2, limits);
    parts.push(node);
    pos = end;
  }
  literal += source.slice(pos);
  if (literal) parts.push(literal);
  return parts;
}

function makeScope(source: string, context: unknown, fnContext: unknown, limits: ExpressionLimits): JuelScope {
  const ctx = toContext(context);
  const environment = ctx.environment as { variables?: unknown; services?: unknown } | null | undefined;
  const variables = environment?.variables;
  const services = environment?.services;
  return {
    source,
    context: ctx,
    variables: typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>) : undefined,
    services: typeof services === 'object' && services !== null ? (services as Record<string, unknown>) : undefined,
    fnContext,
    limits,
  };
}

function toContext(context: unknown): Record<string, unknown> {
  return typeof context === 'object' && context !== null ? (context as Record<string, unknown>) : {};
}

function toText(value: unknown, pos: number, source: string): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch (err) {
      throw new ExpressionError(source, pos, `cannot write a ${typeName(value)} into text`, 'evaluation', { cause: err });
    }
  }
  throw new ExpressionError(source, pos, `cannot write a ${typeName(value)} into text`, 'evaluation');
}
