// Maps a connector response into process variables: `{ variableName: path }`, where path is
//   - a JSON pointer (RFC 6901) into the body: `/lots/0/status`, `/a~1b` for the key "a/b";
//   - a dotted path into the body: `lots[0].status` or `lots.0.status`;
//   - `$body` (the whole body), `$status` (the HTTP status), `$headers.<name>` (a response header).
// Only own properties are read, so no path reaches a prototype. A path that finds nothing maps to null.

/** What a mapping reads from. */
export type MappableResponse = { status: number; body: unknown; headers?: Record<string, string> };

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const DOTTED = /^[A-Za-z_$][\w$-]*(\[\d+\])*(\.([A-Za-z_$][\w$-]*|\d+)(\[\d+\])*)*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A variable name a mapping may write: an identifier, and not one that could reach a prototype. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A mapping path that cannot be read: its syntax is wrong or it names a forbidden key. */
export class MappingPathError extends Error {
  constructor(
    public readonly path: string,
    public readonly reason: string,
  ) {
    super(`response path "${path}": ${reason}`);
    this.name = 'MappingPathError';
  }
}

type Step = string | number;
type CompiledPath = { source: 'body'; steps: Step[] } | { source: 'status' } | { source: 'header'; name: string };

/**
 * Parses a mapping path.
 * @throws MappingPathError for a malformed path or a forbidden key (`__proto__`, `constructor`, `prototype`).
 */
export function compileMappingPath(path: string): CompiledPath {
  if (path === '$body' || path === '$' || path === '') return { source: 'body', steps: [] };
  if (path === '$status') return { source: 'status' };
  if (path.startsWith('$headers.')) {
    const name = path.slice('$headers.'.length);
    if (!HEADER_NAME.test(name)) throw new MappingPathError(path, 'not a header name');
    return { source: 'header', name: name.toLowerCase() };
  }
  const steps = path.startsWith('/') ? pointerSteps(path) : dottedSteps(path);
  for (const step of steps) {
    if (typeof step === 'string' && FORBIDDEN_KEYS.has(step)) throw new MappingPathError(path, `the key ${step} is not allowed`);
  }
  return { source: 'body', steps };
}

/** The reason a mapping path is invalid, or undefined when it is valid. */
export function mappingPathProblem(path: string): string | undefined {
  try {
    compileMappingPath(path);
    return undefined;
  } catch (error) {
    return (error as MappingPathError).reason;
  }
}

/**
 * Reads one path of a response; nothing found is `null` (a variable is always set).
 * @throws MappingPathError for an invalid path.
 */
export function readMappingPath(response: MappableResponse, path: string): unknown {
  const compiled = compileMappingPath(path);
  if (compiled.source === 'status') return response.status;
  if (compiled.source === 'header') return response.headers?.[compiled.name] ?? null;
  let current: unknown = response.body;
  for (const step of compiled.steps) {
    if (current === null || typeof current !== 'object') return null;
    if (Array.isArray(current)) {
      const index = typeof step === 'number' ? step : /^\d+$/.test(step) ? Number(step) : NaN;
      if (!Number.isInteger(index) || index >= current.length) return null;
      current = current[index];
    } else {
      const key = String(step);
      if (!Object.hasOwn(current, key)) return null;
      current = (current as Record<string, unknown>)[key];
    }
  }
  return current === undefined ? null : current;
}

/**
 * Applies a response mapping: one variable per entry, in a fresh object without a prototype
 * chain to pollute.
 * @throws MappingPathError for an invalid path (configurations are validated before they are stored).
 */
export function mapResponse(mapping: Record<string, string> | undefined, response: MappableResponse): Record<string, unknown> {
  const output: Record<string, unknown> = {};
  for (const [variable, path] of Object.entries(mapping ?? {})) {
    if (!VARIABLE_NAME.test(variable) || FORBIDDEN_KEYS.has(variable)) throw new MappingPathError(path, `"${variable}" is not a variable name`);
    Object.defineProperty(output, variable, { value: readMappingPath(response, path), enumerable: true, writable: true, configurable: true });
  }
  return output;
}

function pointerSteps(pointer: string): string[] {
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw new MappingPathError(pointer, 'a "~" must be followed by 0 or 1 (RFC 6901)');
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function dottedSteps(path: string): Step[] {
  if (!DOTTED.test(path)) {
    throw new MappingPathError(path, 'use a JSON pointer (/a/0/b), a dotted path (a[0].b), $body, $status or $headers.<name>');
  }
  const steps: Step[] = [];
  for (const segment of path.split('.')) {
    const name = segment.replace(/\[\d+\]/g, '');
    steps.push(/^\d+$/.test(name) ? Number(name) : name);
    for (const match of segment.matchAll(/\[(\d+)\]/g)) steps.push(Number(match[1]));
  }
  return steps;
}
