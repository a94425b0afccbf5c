import type { Problem } from './problem';
import type { FormSchema } from './types';

/**
 * Pure rules for task forms, shared by the task page and its tests: which fields a person
 * fills in, how the form's patterns are read, and which field a server error belongs to.
 */

type Component = {
  id?: string;
  type?: string;
  key?: string;
  label?: string;
  disabled?: boolean;
  readonly?: boolean | string;
  components?: Component[];
  validate?: { pattern?: string; [rule: string]: unknown };
  [property: string]: unknown;
};

// The field types whose value is data (server/runtime/form-validation.ts reads the same ones).
const INPUT_TYPES = new Set(['number', 'checkbox', 'checklist', 'taglist', 'select', 'radio', 'textfield', 'textarea', 'datetime']);

function walk(components: Component[] | undefined, visit: (component: Component) => void): void {
  for (const component of components ?? []) {
    visit(component);
    if (Array.isArray(component.components)) walk(component.components, visit);
  }
}

/** The keyed input fields of a form that a person can change (not disabled, not read-only). */
export function editableFields(schema: FormSchema): Array<{ id: string; key: string; label: string }> {
  const fields: Array<{ id: string; key: string; label: string }> = [];
  walk(schema.components as Component[], (c) => {
    if (c.key && c.type && INPUT_TYPES.has(c.type) && !c.disabled && c.readonly !== true) fields.push({ id: c.id ?? c.key, key: c.key, label: c.label ?? c.key });
  });
  return fields;
}

/**
 * The data to send on completion: only the fields a person can change. Read-only fields show
 * instance data; sending them back would change variables the step does not own (and the
 * server refuses keys that are not inputs of the form).
 */
export function dataToSubmit(schema: FormSchema, data: Record<string, unknown>): Record<string, unknown> {
  const keys = new Set(editableFields(schema).map((f) => f.key));
  return Object.fromEntries(Object.entries(data).filter(([key]) => keys.has(key)));
}

/** Values of `variables` for the form's fields, to prefill the form. */
export function prefill(schema: FormSchema, variables: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  walk(schema.components as Component[], (c) => {
    if (c.key && c.key in variables) values[c.key] = variables[c.key];
  });
  return values;
}

/**
 * The schema as the server reads it: a `validate.pattern` must match the whole value (the server
 * anchors it), while form-js tests it anywhere in the value. Anchoring it here too makes the
 * browser refuse exactly what the server would.
 */
export function anchorPatterns(schema: FormSchema): FormSchema {
  const copy = structuredClone(schema) as FormSchema;
  walk(copy.components as Component[], (c) => {
    const pattern = c.validate?.pattern;
    if (typeof pattern === 'string' && pattern && !(pattern.startsWith('^') && pattern.endsWith('$'))) c.validate!.pattern = `^(?:${pattern})$`;
  });
  return copy;
}

/**
 * Splits the errors of a refused completion (400, `errors[].path` = `body.variables.<key>`) into
 * messages per form field key and the rest (a missing signature, a key the form does not have).
 */
export function fieldErrors(problem: Problem, fieldKeys: Iterable<string>): { byKey: Record<string, string[]>; other: Array<{ path?: string; message: string }> } {
  const keys = new Set(fieldKeys);
  const byKey: Record<string, string[]> = {};
  const other: Array<{ path?: string; message: string }> = [];
  for (const error of problem.errors ?? []) {
    const key = error.path?.startsWith('body.variables.') ? error.path.slice('body.variables.'.length).split('.')[0] : null;
    if (key && keys.has(key)) (byKey[key] ??= []).push(error.message);
    else other.push({ path: error.path, message: error.message });
  }
  return { byKey, other };
}
