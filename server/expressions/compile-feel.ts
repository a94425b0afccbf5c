import type { Warning } from 'feelin';
import { ExpressionError } from './expression-error';
import type { ExpressionErrorKind } from './expression-error';
import type { ExpressionLimits } from './limits';
import type { Feel } from './load-feel';

// feelin's parse tree node type, taken from feelin so that it is the ESM flavour of @lezer/common.
type SyntaxNode = ReturnType<Feel['parseExpression']>['topNode'];

/** The time source for FEEL's now() and today(): the platform's (controllable) clock. */
export type ExpressionClock = { now(): Date };

/** A checked FEEL expression, ready to evaluate against an engine context. */
export type CompiledFeel = {
  /** Evaluates the expression; variables first, then the context's own data. */
  evaluate(context: Record<string, unknown>): unknown;
};

// Warnings that mean the result is unusable when it came out null. A missing property
// (NO_PROPERTY_FOUND, NO_CONTEXT_ENTRY_FOUND) is plain null, as a missing JUEL property is.
const FATAL_WARNINGS: ReadonlyMap<string, ExpressionErrorKind> = new Map([
  ['NO_VARIABLE_FOUND', 'unknown_property'],
  ['NO_FUNCTION_FOUND', 'unknown_function'],
  ['INVALID_TYPE', 'evaluation'],
  ['NOT_COMPARABLE', 'evaluation'],
  ['INVALID_ARGUMENTS', 'evaluation'],
  ['FUNCTION_INVOCATION_FAILURE', 'evaluation'],
  ['UNSUPPORTED', 'evaluation'],
]);

/**
 * Checks a FEEL expression once so that evaluating it cannot hang the process: no function
 * definitions (they allow unbounded recursion), at most `maxFeelIterations` iteration contexts,
 * and ranges iterated only between integer literals at most `maxFeelRange` apart.
 * `source` is the whole text as written (`=…`), `offset` where the FEEL body starts in it.
 * With a `clock`, FEEL's now() and today() read it instead of the system time.
 * @throws {ExpressionError} `syntax`, `forbidden` or `limit`.
 */
export function compileFeel(source: string, offset: number, limits: ExpressionLimits, feel: Feel, clock?: ExpressionClock): CompiledFeel {
  const body = source.slice(offset);
  const fail = (at: number, reason: string, kind: ExpressionErrorKind): never => {
    throw new ExpressionError(source, offset + at, reason, kind);
  };
  if (body.trim() === '') fail(0, 'empty FEEL expression', 'syntax');
  checkNesting(body, limits.maxDepth, fail);

  const names = new Set<string>();
  let iterations = 0;
  let insideIteration = 0;
  feel.parseExpression(body, {}, undefined).iterate({
    enter(ref) {
      if (ref.type.isError) fail(ref.from, `FEEL syntax error near ${JSON.stringify(body.slice(ref.from, ref.from + 20))}`, 'syntax');
      switch (ref.name) {
        case 'FunctionDefinition':
          fail(ref.from, 'FEEL function definitions are not allowed', 'forbidden');
          break;
        case 'InExpression':
          if (++iterations > limits.maxFeelIterations) fail(ref.from, `more than ${limits.maxFeelIterations} FEEL iteration contexts`, 'limit');
          break;
        case 'IterationContext':
          insideIteration++;
          if (hasChild(ref.node, '..')) checkRange(ref.node, body, limits, fail);
          break;
        case 'Interval':
          if (insideIteration > 0) checkRange(ref.node, body, limits, fail);
          break;
        case 'VariableName':
          names.add(body.slice(ref.from, ref.to));
          break;
        default:
          break;
      }
      return undefined;
    },
    leave(ref) {
      if (ref.name === 'IterationContext') insideIteration--;
    },
  });

  return {
    evaluate(context) {
      return evaluateFeel(feel, clock, source, offset, body, names, context, limits);
    },
  };
}

function evaluateFeel(
  feel: Feel,
  clock: ExpressionClock | undefined,
  source: string,
  offset: number,
  body: string,
  names: ReadonlySet<string>,
  context: Record<string, unknown>,
  limits: ExpressionLimits,
): unknown {
  const scope = buildScope(names, context, limits, source);
  if (clock) addClock(scope, names, clock, feel);
  let result: { value: unknown; warnings: Warning[] };
  try {
    result = feel.evaluate(body, scope);
  } catch (err) {
    if (err instanceof ExpressionError) throw err;
    if (err instanceof feel.SyntaxError) throw new ExpressionError(source, offset + err.position.from, err.message, 'syntax', { cause: err });
    if (err instanceof RangeError) throw new ExpressionError(source, offset, 'FEEL evaluation went too deep', 'limit', { cause: err });
    throw new ExpressionError(source, offset, `FEEL evaluation failed: ${err instanceof Error ? err.message : String(err)}`, 'evaluation', { cause: err });
  }
  if (result.value === null || result.value === undefined) {
    const fatal = result.warnings.filter((warning) => FATAL_WARNINGS.has(warning.type));
    if (fatal.length) {
      // `f(1)` with no f warns NO_VARIABLE_FOUND then NO_FUNCTION_FOUND: the call is what failed.
      const kind = fatal.some((warning) => warning.type === 'NO_FUNCTION_FOUND') ? 'unknown_function' : FATAL_WARNINGS.get(fatal[0].type)!;
      const reason = [...new Set(fatal.map((warning) => warning.message))].join('; ');
      throw new ExpressionError(source, offset + fatal[0].position.from, reason, kind);
    }
    return null;
  }
  return fromFeel(feel, result.value, 0, limits, (reason, kind) => new ExpressionError(source, offset, reason, kind));
}

/**
 * Only the names the expression mentions are copied in, as plain data: no functions (feelin
 * would call them) and no host objects. `environment` is a view of its variables and output.
 */
function buildScope(names: ReadonlySet<string>, context: Record<string, unknown>, limits: ExpressionLimits, source: string): Record<string, unknown> {
  const environment = context.environment as { variables?: unknown; output?: unknown } | undefined;
  const variables = environment?.variables as Record<string, unknown> | undefined;
  const tooDeep = (): never => {
    throw new ExpressionError(source, 0, `values nest deeper than ${limits.maxValueDepth} levels`, 'limit');
  };
  const scope: Record<string, unknown> = {};
  for (const name of names) {
    let value: unknown;
    if (name === 'environment' && environment) value = { variables: environment.variables ?? {}, output: environment.output ?? {} };
    else if (variables && typeof variables === 'object' && Object.hasOwn(variables, name)) value = variables[name];
    else if (Object.hasOwn(context, name)) value = context[name];
    else continue;
    const data = toData(value, 0, limits.maxValueDepth, tooDeep);
    if (data !== undefined) scope[name] = data;
  }
  return scope;
}

// A context entry shadows feelin's built-in of the same name, which is how the platform clock
// replaces the system clock (timers and due dates must follow a controlled clock in tests).
function addClock(scope: Record<string, unknown>, names: ReadonlySet<string>, clock: ExpressionClock, feel: Feel): void {
  if (names.has('now')) scope.now = () => feel.toFeel(clock.now());
  if (names.has('today')) {
    scope.today = () => {
      const now = clock.now();
      const pad = (n: number) => String(n).padStart(2, '0');
      return feel.date(`${String(now.getFullYear()).padStart(4, '0')}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`);
    };
  }
}

function toData(value: unknown, depth: number, maxDepth: number, tooDeep: () => never): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (value instanceof Date) return value;
  if (depth >= maxDepth) tooDeep();
  if (Array.isArray(value)) return value.map((item) => toData(item, depth + 1, maxDepth, tooDeep) ?? null);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return undefined;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const data = toData(item, depth + 1, maxDepth, tooDeep);
    if (data !== undefined) copy[key] = data;
  }
  return copy;
}

/** FEEL values back to engine data: temporal values as ISO 8601 text; functions and ranges refused. */
function fromFeel(feel: Feel, value: unknown, depth: number, limits: ExpressionLimits, fail: (reason: string, kind: ExpressionErrorKind) => ExpressionError): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') {
    if (typeof value === 'function') throw fail('a FEEL expression cannot result in a function', 'evaluation');
    return value;
  }
  if (value instanceof feel.FeelDate || value instanceof feel.FeelDateTime || value instanceof feel.FeelTime || value instanceof feel.FeelDuration) return value.toString();
  if (depth >= limits.maxValueDepth) throw fail(`values nest deeper than ${limits.maxValueDepth} levels`, 'limit');
  if (Array.isArray(value)) return value.map((item) => fromFeel(feel, item, depth + 1, limits, fail));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fromFeel(feel, item, depth + 1, limits, fail)]));
  }
  throw fail(`a FEEL expression cannot result in a ${value.constructor?.name ?? 'host object'}`, 'evaluation');
}

// lezer builds the tree iteratively, but feelin's interpreter recurses: refuse deep nesting
// before either sees it.
function checkNesting(body: string, maxDepth: number, fail: (at: number, reason: string, kind: ExpressionErrorKind) => never): void {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '"') {
      for (i++; i < body.length && body[i] !== '"'; i++) if (body[i] === '\\') i++;
    } else if (ch === '(' || ch === '[' || ch === '{') {
      if (++depth > maxDepth) fail(i, `expression nests deeper than ${maxDepth} levels`, 'limit');
    } else if (ch === ')' || ch === ']' || ch === '}') {
      depth--;
    }
  }
}

function checkRange(node: SyntaxNode, body: string, limits: ExpressionLimits, fail: (at: number, reason: string, kind: ExpressionErrorKind) => never): void {
  const bounds: SyntaxNode[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.name !== '..' && child.name !== '[' && child.name !== ']' && child.name !== '(' && child.name !== ')') bounds.push(child);
  }
  const values = bounds.map((bound) => (bound.name === 'NumericLiteral' ? Number(body.slice(bound.from, bound.to).replace(/\s+/g, '')) : NaN));
  if (values.length !== 2 || !values.every(Number.isInteger)) {
    fail(node.from, 'a FEEL range used for iteration needs integer literal bounds', 'limit');
  }
  if (Math.abs(values[1] - values[0]) + 1 > limits.maxFeelRange) {
    fail(node.from, `a FEEL range used for iteration may span at most ${limits.maxFeelRange} values`, 'limit');
  }
}

function hasChild(node: SyntaxNode, name: string): boolean {
  for (let child = node.firstChild; child; child = child.nextSibling) if (child.name === name) return true;
  return false;
}
