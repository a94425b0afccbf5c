import { createExpressions, type Expressions } from '../../expressions';

// Request templates of connector operations: `${…}` placeholders read process variables through
// the safe JUEL evaluator of server/expressions (no eval, no function calls, no prototype access).
// Only the placeholders are evaluated; the text around them is never an expression, so a literal
// that starts with `=` stays text instead of becoming FEEL.

/** A JSON value: what a body template and a rendered body are made of. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** One piece of a template: literal text, or the source of one `${…}` placeholder (without `${` and `}`). */
export type TemplatePart = { literal: string } | { expression: string };

/**
 * A template that cannot be rendered: bad syntax, an unknown variable, a value that cannot go where
 * it is placed. Rendering the same template with the same variables fails the same way.
 */
export class TemplateError extends Error {
  constructor(
    public readonly template: string,
    public readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`template "${template}": ${reason}`, options);
    this.name = 'TemplateError';
  }
}

const expressions: Expressions = createExpressions();

/**
 * Splits a template into literals and placeholders. `\${` is a literal `${`; a `}` inside a quoted
 * string of a placeholder does not close it.
 * @throws TemplateError when a placeholder is not closed or is empty.
 */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let literal = '';
  let pos = 0;
  while (pos < text.length) {
    const open = text.indexOf('${', pos);
    if (open < 0) break;
    if (open > 0 && text[open - 1] === '\\') {
      literal += text.slice(pos, open - 1) + '${';
      pos = open + 2;
      continue;
    }
    literal += text.slice(pos, open);
    const close = closingBrace(text, open + 2);
    if (close < 0) throw new TemplateError(text, `the placeholder at position ${open} is not closed with }`);
    const expression = text.slice(open + 2, close);
    if (!expression.trim()) throw new TemplateError(text, `the placeholder at position ${open} is empty`);
    if (literal) parts.push({ literal });
    literal = '';
    parts.push({ expression });
    pos = close + 1;
  }
  literal += text.slice(pos);
  if (literal) parts.push({ literal });
  return parts;
}

/**
 * Checks a template without variables: placeholders closed, and each one a valid expression that
 * only reads (a function call or `constructor` access is refused here, not at run time).
 * @returns the reason it is invalid, or undefined when it is valid.
 */
export function templateProblem(text: string): string | undefined {
  try {
    for (const part of parseTemplate(text)) {
      if ('expression' in part) expressions.compile(`\${${part.expression}}`);
    }
    return undefined;
  } catch (error) {
    return (error as { reason?: string }).reason ?? (error as Error).message;
  }
}

/** True when the whole text is one placeholder (surrounding whitespace allowed): it renders to the raw value. */
export function isWholePlaceholder(text: string): boolean {
  try {
    const parts = parseTemplate(text).filter((part) => !('literal' in part) || part.literal.trim() !== '');
    return parts.length === 1 && 'expression' in parts[0];
  } catch {
    return false;
  }
}

/**
 * Renders a template to text: placeholders become their values as text (null and undefined as
 * '', dates as ISO 8601, lists and maps as JSON).
 * @throws TemplateError on bad syntax, an unknown variable or a value that cannot be written as text.
 */
export function renderText(text: string, variables: Record<string, unknown>): string {
  return renderParts(text, variables, (value) => toText(text, value));
}

/**
 * Renders a template whose whole text is one placeholder to the raw value (a number stays a
 * number); any other template renders to text as {@link renderText}.
 * @throws TemplateError as renderText.
 */
export function renderValue(text: string, variables: Record<string, unknown>): unknown {
  const parts = parseTemplate(text);
  const meaningful = parts.filter((part) => !('literal' in part) || part.literal.trim() !== '');
  if (meaningful.length === 1 && 'expression' in meaningful[0]) return evaluate(text, meaningful[0].expression, variables);
  return renderText(text, variables);
}

/**
 * Renders a URL path template: each placeholder's value is percent-encoded as one path segment,
 * so a variable can never add segments, a query or `..`.
 * @throws TemplateError as renderText, and when a value is missing, empty, `.` or `..`, or not a scalar.
 */
export function renderPath(text: string, variables: Record<string, unknown>): string {
  return renderParts(text, variables, (value, expression) => {
    if (value === null || value === undefined || value === '') throw new TemplateError(text, `\${${expression}} is empty; a path segment needs a value`);
    if (typeof value === 'object' && !(value instanceof Date)) throw new TemplateError(text, `\${${expression}} is a ${Array.isArray(value) ? 'list' : 'map'}; a path segment needs a text or a number`);
    const segment = toText(text, value);
    if (segment === '.' || segment === '..') throw new TemplateError(text, `\${${expression}} is "${segment}", which is not a path segment`);
    return encodeURIComponent(segment);
  });
}

/**
 * Renders a JSON body template: object keys are kept as they are; a string that is one whole
 * placeholder becomes the variable's value (undefined becomes null, dates ISO 8601 text); any
 * other string is rendered as text.
 * @throws TemplateError as renderText, and when a value is not JSON (a function, a non-finite number…).
 */
export function renderJson(template: JsonValue, variables: Record<string, unknown>, depth = 0): JsonValue {
  if (depth > 64) throw new TemplateError('(body)', 'the body template is nested more than 64 levels');
  if (typeof template === 'string') {
    if (!template.includes('${')) return template;
    return toJson(template, renderValue(template, variables));
  }
  if (Array.isArray(template)) return template.map((item) => renderJson(item, variables, depth + 1));
  if (template && typeof template === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(template)) {
      // defineProperty: a "__proto__" key in a template stays data, never a prototype.
      Object.defineProperty(out, key, { value: renderJson(value, variables, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return template;
}

/**
 * Writes one rendered value as text (null and undefined as '', dates as ISO 8601, lists and maps as JSON).
 * @throws TemplateError for a value that has no text form (a function, a non-finite number).
 */
export function valueToText(template: string, value: unknown): string {
  return toText(template, value);
}

function renderParts(text: string, variables: Record<string, unknown>, write: (value: unknown, expression: string) => string): string {
  let out = '';
  for (const part of parseTemplate(text)) {
    out += 'literal' in part ? part.literal : write(evaluate(text, part.expression, variables), part.expression);
  }
  return out;
}

function evaluate(template: string, expression: string, variables: Record<string, unknown>): unknown {
  try {
    return expressions.resolveExpression(`\${${expression}}`, { environment: { variables } });
  } catch (error) {
    const reason = (error as { reason?: string }).reason ?? (error as Error).message;
    throw new TemplateError(template, `\${${expression}}: ${reason}`, { cause: error });
  }
}

function toText(template: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TemplateError(template, `${value} cannot be written`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return isoDate(template, value);
  if (typeof value === 'object') return JSON.stringify(toJson(template, value));
  throw new TemplateError(template, `a ${typeof value} cannot be written into a request`);
}

function toJson(template: string, value: unknown, depth = 0): JsonValue {
  if (depth > 64) throw new TemplateError(template, 'the value is nested more than 64 levels');
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TemplateError(template, `${value} is not a JSON number`);
    return value;
  }
  if (value instanceof Date) return isoDate(template, value);
  if (Array.isArray(value)) return value.map((item) => toJson(template, item, depth + 1));
  if (typeof value === 'object' && isPlainObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      Object.defineProperty(out, key, { value: toJson(template, item, depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  throw new TemplateError(template, `a ${typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value} is not a JSON value`);
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isoDate(template: string, value: Date): string {
  if (Number.isNaN(value.getTime())) throw new TemplateError(template, 'an invalid date cannot be written');
  return value.toISOString();
}

/** The index of the `}` closing a placeholder whose expression starts at `from`, or -1. */
function closingBrace(text: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '}') {
      return i;
    }
  }
  return -1;
}
