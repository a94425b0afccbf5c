'use strict';

/**
 * Small moddle helpers shared by Gemba's rules. They avoid bpmnlint's internal helper module so
 * the rules bundle for the browser with nothing but this package.
 */

/** True when `node` is a moddle element of `type` (or a subtype). */
function is(node, type) {
  return !!node && typeof node.$instanceOf === 'function' && node.$instanceOf(type);
}

/** True when `node` is of any of `types`. */
function isAny(node, types) {
  return types.some((type) => is(node, type));
}

/** The nearest enclosing bpmn:Process of `node`, or undefined. */
function findProcess(node) {
  let current = node && node.$parent;
  while (current) {
    if (is(current, 'bpmn:Process')) return current;
    current = current.$parent;
  }
  return undefined;
}

/**
 * True when `node` sits in a process marked isExecutable="true". Gemba's rules only judge what
 * will run; descriptive pools are left to the generic bpmnlint rules.
 */
function isInExecutableProcess(node) {
  const process = findProcess(node);
  return !!process && process.isExecutable === true;
}

/** Reads a (possibly namespaced) property, tolerating elements without moddle's `get`. */
function prop(node, name) {
  if (!node) return undefined;
  if (typeof node.get === 'function') return node.get(name);
  return node[name];
}

/** True for undefined, null and strings that are empty after trimming. */
function isBlank(value) {
  return value === undefined || value === null || String(value).trim() === '';
}

/** The extension elements of `node` that are of `type`. */
function extensionsOf(node, type) {
  const ext = node && node.extensionElements;
  const values = (ext && ext.values) || [];
  return values.filter((value) => is(value, type) || value.$type === type);
}

/** A short human label for an element: its name in quotes, else its id. */
function label(node) {
  const name = node && typeof node.name === 'string' ? node.name.replace(/\s+/g, ' ').trim() : '';
  return name ? `'${name}'` : `<${node && node.id}>`;
}

module.exports = { is, isAny, findProcess, isInExecutableProcess, prop, isBlank, extensionsOf, label };
