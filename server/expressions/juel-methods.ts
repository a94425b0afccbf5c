/**
 * The only methods an expression may call on a value, with their arity. Everything else,
 * except `environment.services.<name>(…)`, is refused when the expression is compiled.
 */
export const JUEL_METHODS: Readonly<Record<string, { min: number; max: number }>> = Object.freeze({
  size: { min: 0, max: 0 },
  length: { min: 0, max: 0 },
  isEmpty: { min: 0, max: 0 },
  contains: { min: 1, max: 1 },
  containsKey: { min: 1, max: 1 },
  get: { min: 1, max: 1 },
  indexOf: { min: 1, max: 1 },
  startsWith: { min: 1, max: 1 },
  endsWith: { min: 1, max: 1 },
  equals: { min: 1, max: 1 },
  equalsIgnoreCase: { min: 1, max: 1 },
  toUpperCase: { min: 0, max: 0 },
  toLowerCase: { min: 0, max: 0 },
  trim: { min: 0, max: 0 },
  substring: { min: 1, max: 2 },
});

/** Property names no expression may read, write or call: the ways to reach a constructor or prototype. */
export const FORBIDDEN_PROPERTIES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);
