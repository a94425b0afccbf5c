import { ExpressionError } from './expression-error';
import type { ExpressionErrorKind } from './expression-error';
import { FORBIDDEN_PROPERTIES } from './juel-methods';
import type { ExpressionLimits } from './limits';
import type { BinaryOperator, JuelNode } from './parse-juel';

/** What one evaluation sees: the engine's context object and what is derived from it once. */
export type JuelScope = {
  /** The whole expression text, for errors. */
  readonly source: string;
  /** The engine's context: `{ environment, fields, content, properties, … }`. */
  readonly context: Record<string, unknown>;
  /** `context.environment.variables`, looked up first for a bare name. */
  readonly variables: Record<string, unknown> | undefined;
  /** `context.environment.services`, the only functions an expression may call or return. */
  readonly services: Record<string, unknown> | undefined;
  /** `this` for a service call (bpmn-engine's expressionFnContext). */
  readonly fnContext: unknown;
  readonly limits: ExpressionLimits;
};

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^(?:0|[1-9]\d*)$/;

/**
 * Evaluates a parsed JUEL node. Coercions follow the EL specification: `null` counts as 0 in
 * arithmetic, numeric strings compare and add as numbers, `&&`/`||`/`!`/`?:` coerce strings
 * ("true" ignoring case) and null (false), and `+` never concatenates strings.
 * @throws {ExpressionError} `unknown_property` for an unknown bare name (except under `empty`),
 * `forbidden` for a function value or a refused property, `evaluation` for type errors and
 * division by zero, `unknown_function`/`service` for a missing or failing service.
 */
export function evaluateJuel(node: JuelNode, scope: JuelScope): unknown {
  return evaluate(node, scope, false);
}

function evaluate(node: JuelNode, scope: JuelScope, lenient: boolean): unknown {
  switch (node.type) {
    case 'literal':
      return node.value;
    case 'identifier':
      return resolveName(node.name, node.pos, scope, lenient);
    case 'member':
      return readProperty(evaluate(node.object, scope, lenient), node.name, node.pos, scope);
    case 'index': {
      const object = evaluate(node.object, scope, lenient);
      const key = evaluate(node.index, scope, false);
      return readProperty(object, toKey(key, node.index.pos, scope), node.index.pos, scope);
    }
    case 'method':
      return callMethod(node.name, evaluate(node.object, scope, false), node.args.map((arg) => evaluate(arg, scope, false)), node.pos, scope);
    case 'service':
      return callService(node, scope);
    case 'unary':
      return evaluateUnary(node.op, node.operand, node.pos, scope);
    case 'logical': {
      const left = toBoolean(evaluate(node.left, scope, false), node.left.pos, scope);
      if (node.op === '&&' ? !left : left) return left;
      return toBoolean(evaluate(node.right, scope, false), node.right.pos, scope);
    }
    case 'conditional':
      return toBoolean(evaluate(node.test, scope, false), node.test.pos, scope)
        ? evaluate(node.consequent, scope, false)
        : evaluate(node.alternate, scope, false);
    case 'binary':
      return evaluateBinary(node.op, evaluate(node.left, scope, false), evaluate(node.right, scope, false), node.pos, scope);
  }
}

function resolveName(name: string, pos: number, scope: JuelScope, lenient: boolean): unknown {
  const { context, variables } = scope;
  // `environment` always means the engine's environment, so that environment.variables.* and
  // environment.services.* cannot be shadowed by a process variable of that name.
  if (name === 'environment' && Object.hasOwn(context, 'environment')) return context.environment;
  let value: unknown;
  if (variables && Object.hasOwn(variables, name)) value = variables[name];
  else if (Object.hasOwn(context, name)) value = context[name];
  else if (lenient) return undefined;
  else throw fail(scope, pos, `Unknown property used in expression: ${name}`, 'unknown_property');
  if (typeof value === 'function') throw fail(scope, pos, `${name} is a function and cannot be used as a value`, 'forbidden');
  return value;
}

/** Reads own data properties, and getters of class instances (bpmn-engine's environment.variables). */
function readProperty(object: unknown, key: string | number, pos: number, scope: JuelScope): unknown {
  if (typeof key === 'string' && FORBIDDEN_PROPERTIES.has(key)) throw fail(scope, pos, `access to ${key} is not allowed`, 'forbidden');
  if (object === null || object === undefined) return undefined;
  if (typeof object === 'string') {
    if (key === 'length') return object.length;
    const index = toIndex(key);
    return index !== undefined && index < object.length ? object[index] : undefined;
  }
  if (Array.isArray(object)) {
    if (key === 'length') return object.length;
    const index = toIndex(key);
    if (index === undefined || !Object.hasOwn(object, index)) return undefined;
    return guardFunction(object[index], object, String(key), pos, scope);
  }
  if (typeof object !== 'object') return undefined;
  const name = String(key);
  const record = object as Record<string, unknown>;
  if (Object.hasOwn(record, name)) return guardFunction(record[name], object, name, pos, scope);
  if (object instanceof Map) return guardFunction(object.get(name), object, name, pos, scope);
  for (let proto = Object.getPrototypeOf(object); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (!descriptor) continue;
    if (typeof descriptor.get === 'function') return guardFunction(record[name], object, name, pos, scope);
    return guardFunction(descriptor.value, object, name, pos, scope);
  }
  return undefined;
}

function guardFunction(value: unknown, holder: object, name: string, pos: number, scope: JuelScope): unknown {
  if (typeof value !== 'function' || (scope.services !== undefined && holder === scope.services)) return value;
  throw fail(scope, pos, `${name} is a function; only environment.services.<name> can be used`, 'forbidden');
}

function callService(node: Extract<JuelNode, { type: 'service' }>, scope: JuelScope): unknown {
  const { services } = scope;
  const fn = services && Object.hasOwn(services, node.name) ? services[node.name] : undefined;
  if (typeof fn !== 'function') throw fail(scope, node.pos, `no service function environment.services.${node.name}`, 'unknown_function');
  // As bpmn-engine does: a service called without arguments receives the context object.
  const args = node.args.length ? node.args.map((arg) => evaluate(arg, scope, false)) : [scope.context];
  try {
    return fn.apply(scope.fnContext, args);
  } catch (err) {
    throw fail(scope, node.pos, `environment.services.${node.name}() failed: ${err instanceof Error ? err.message : String(err)}`, 'service', err);
  }
}

function evaluateUnary(op: '!' | '-' | 'empty', operand: JuelNode, pos: number, scope: JuelScope): unknown {
  if (op === 'empty') return isEmpty(evaluate(operand, scope, true));
  const value = evaluate(operand, scope, false);
  if (op === '!') return !toBoolean(value, operand.pos, scope);
  return finite(-toNumber(value, operand.pos, scope), pos, scope);
}

function evaluateBinary(op: BinaryOperator, left: unknown, right: unknown, pos: number, scope: JuelScope): unknown {
  switch (op) {
    case '==':
      return equals(left, right, pos, scope, 0);
    case '!=':
      return !equals(left, right, pos, scope, 0);
    case '<':
    case '>':
    case '<=':
    case '>=': {
      const order = compare(left, right, pos, scope);
      if (order === undefined) return false;
      return op === '<' ? order < 0 : op === '>' ? order > 0 : op === '<=' ? order <= 0 : order >= 0;
    }
    default:
      break;
  }
  const a = toNumber(left, pos, scope);
  const b = toNumber(right, pos, scope);
  switch (op) {
    case '+':
      return finite(a + b, pos, scope);
    case '-':
      return finite(a - b, pos, scope);
    case '*':
      return finite(a * b, pos, scope);
    case '/':
      if (b === 0) throw fail(scope, pos, 'division by zero', 'evaluation');
      return finite(a / b, pos, scope);
    case '%':
      if (b === 0) throw fail(scope, pos, 'division by zero', 'evaluation');
      return finite(a % b, pos, scope);
  }
}

/** EL's `empty`: null, '', an empty list, map or object. */
function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === 'string' || Array.isArray(value)) return value.length === 0;
  if (value instanceof Map || value instanceof Set) return value.size === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

function equals(a: unknown, b: unknown, pos: number, scope: JuelScope, depth: number): boolean {
  if (a === b) return true;
  if (isNil(a) || isNil(b)) return isNil(a) && isNil(b);
  if (typeof a === 'number' || typeof b === 'number') return toNumber(a, pos, scope) === toNumber(b, pos, scope);
  if (typeof a === 'boolean' || typeof b === 'boolean') return toBoolean(a, pos, scope) === toBoolean(b, pos, scope);
  if (typeof a === 'string' || typeof b === 'string') return false;
  if (depth >= scope.limits.maxValueDepth) throw fail(scope, pos, `values nest deeper than ${scope.limits.maxValueDepth} levels`, 'limit');
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => equals(item, b[i], pos, scope, depth + 1));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && equals(a[key], b[key], pos, scope, depth + 1));
  }
  return false;
}

/** Ordering of two values, or undefined when one is null (every relational operator is then false). */
function compare(a: unknown, b: unknown, pos: number, scope: JuelScope): number | undefined {
  if (isNil(a) || isNil(b)) return undefined;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = toNumber(a, pos, scope);
    const y = toNumber(b, pos, scope);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  throw fail(scope, pos, `cannot compare ${typeName(a)} with ${typeName(b)}`, 'evaluation');
}

function callMethod(name: string, target: unknown, args: unknown[], pos: number, scope: JuelScope): unknown {
  const wrong = (): never => {
    throw fail(scope, pos, `${name}() cannot be called on ${typeName(target)}`, 'evaluation');
  };
  const text = (value: unknown): string => (typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : wrong());
  switch (name) {
    case 'size':
      if (typeof target === 'string' || Array.isArray(target)) return target.length;
      if (target instanceof Map || target instanceof Set) return target.size;
      if (isPlainObject(target)) return Object.keys(target).length;
      return wrong();
    case 'length':
      return typeof target === 'string' ? target.length : wrong();
    case 'isEmpty':
      return typeof target === 'string' || Array.isArray(target) || isPlainObject(target) || target instanceof Map ? isEmpty(target) : wrong();
    case 'contains':
      if (typeof target === 'string') return target.includes(text(args[0]));
      if (Array.isArray(target)) return target.some((item) => equalsOrFalse(item, args[0], pos, scope));
      return wrong();
    case 'containsKey':
      if (isPlainObject(target)) return Object.hasOwn(target, text(args[0]));
      if (target instanceof Map) return target.has(args[0]);
      return wrong();
    case 'get':
      if (Array.isArray(target) || isPlainObject(target) || target instanceof Map) return readProperty(target, toKey(args[0], pos, scope), pos, scope);
      return wrong();
    case 'indexOf':
      if (typeof target === 'string') return target.indexOf(text(args[0]));
      if (Array.isArray(target)) return target.findIndex((item) => equalsOrFalse(item, args[0], pos, scope));
      return wrong();
    case 'startsWith':
      return typeof target === 'string' ? target.startsWith(text(args[0])) : wrong();
    case 'endsWith':
      return typeof target === 'string' ? target.endsWith(text(args[0])) : wrong();
    case 'equals':
      return isNil(target) ? wrong() : equalsOrFalse(target, args[0], pos, scope);
    case 'equalsIgnoreCase':
      return typeof target === 'string' ? typeof args[0] === 'string' && target.toLowerCase() === args[0].toLowerCase() : wrong();
    case 'toUpperCase':
      return typeof target === 'string' ? target.toUpperCase() : wrong();
    case 'toLowerCase':
      return typeof target === 'string' ? target.toLowerCase() : wrong();
    case 'trim':
      return typeof target === 'string' ? target.trim() : wrong();
    case 'substring': {
      if (typeof target !== 'string') return wrong();
      const begin = toInteger(args[0], pos, scope);
      const end = args.length > 1 ? toInteger(args[1], pos, scope) : target.length;
      // Java's String.substring throws on a bad range instead of clamping it.
      if (begin < 0 || end > target.length || begin > end) throw fail(scope, pos, `substring(${begin}, ${end}) is out of range for a string of length ${target.length}`, 'evaluation');
      return target.substring(begin, end);
    }
    default:
      throw fail(scope, pos, `unknown method ${name}()`, 'unknown_function');
  }
}

/** Java's Object.equals never throws: a value of another type is simply not equal. */
function equalsOrFalse(a: unknown, b: unknown, pos: number, scope: JuelScope): boolean {
  try {
    return equals(a, b, pos, scope, 0);
  } catch (err) {
    if (err instanceof ExpressionError && err.kind === 'evaluation') return false;
    throw err;
  }
}

/** EL coercion to boolean: null is false, a string is "true" ignoring case. */
export function toBoolean(value: unknown, pos: number, scope: Pick<JuelScope, 'source'>): boolean {
  if (typeof value === 'boolean') return value;
  if (isNil(value)) return false;
  if (typeof value === 'string') return value.toLowerCase() === 'true';
  throw fail(scope, pos, `cannot use ${describeValue(value)} as a boolean`, 'evaluation');
}

/** EL coercion to number: null and '' are 0, numeric strings are parsed, anything else is an error. */
function toNumber(value: unknown, pos: number, scope: JuelScope): number {
  if (typeof value === 'number') return value;
  if (isNil(value)) return 0;
  if (typeof value === 'string') {
    if (value === '') return 0;
    if (NUMERIC.test(value)) return Number(value);
  }
  throw fail(scope, pos, `cannot use ${describeValue(value)} as a number`, 'evaluation');
}

function toInteger(value: unknown, pos: number, scope: JuelScope): number {
  const n = toNumber(value, pos, scope);
  if (!Number.isInteger(n)) throw fail(scope, pos, `${n} is not an integer`, 'evaluation');
  return n;
}

function toKey(value: unknown, pos: number, scope: JuelScope): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  if (typeof value === 'boolean') return String(value);
  throw fail(scope, pos, `cannot use ${typeName(value)} as a property name or index`, 'evaluation');
}

function toIndex(key: string | number): number | undefined {
  if (typeof key === 'number') return Number.isInteger(key) && key >= 0 ? key : undefined;
  return INTEGER.test(key) ? Number(key) : undefined;
}

function finite(value: number, pos: number, scope: JuelScope): number {
  if (!Number.isFinite(value)) throw fail(scope, pos, 'the result is not a finite number', 'evaluation');
  return value;
}

function isNil(value: unknown): value is null | undefined {
  return value === null || value === undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short name of a value's type for messages. */
export function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Date) return 'date';
  if (typeof value === 'object') return 'map';
  return typeof value;
}

/** The type and, for a scalar, the value: `string "abc"`, `number 5`, `list`. */
function describeValue(value: unknown): string {
  if (typeof value === 'object' || typeof value === 'function' || value === undefined) return typeName(value);
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `${typeName(value)} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}

function fail(scope: Pick<JuelScope, 'source'>, pos: number, reason: string, kind: ExpressionErrorKind, cause?: unknown): ExpressionError {
  return new ExpressionError(scope.source, pos, reason, kind, cause === undefined ? undefined : { cause });
}
