import type { FieldError } from '../errors/app-error';

// Server-side validation of task data against the task's form-js schema. The browser validates
// too, but only this check counts: a task completed through the API is held to the same form.

type FormComponent = {
  type?: string;
  key?: string;
  label?: string;
  components?: FormComponent[];
  values?: Array<{ value: unknown }>;
  validate?: { required?: boolean; min?: number; max?: number; minLength?: number; maxLength?: number; pattern?: string; validationType?: string };
  disabled?: boolean;
  readonly?: boolean;
  /** form-js shows the field only when a FEEL condition holds; it neither checks nor sends it otherwise. */
  conditional?: { hide?: string };
};

const NUMBER_TYPES = new Set(['number']);
const BOOLEAN_TYPES = new Set(['checkbox']);
const LIST_TYPES = new Set(['checklist', 'taglist']);
const OPTION_TYPES = new Set(['select', 'radio']);
const TEXT_TYPES = new Set(['textfield', 'textarea', 'datetime']);
const INPUT_TYPES = new Set([...NUMBER_TYPES, ...BOOLEAN_TYPES, ...LIST_TYPES, ...OPTION_TYPES, ...TEXT_TYPES]);

/** The input fields of a form, nested groups flattened. */
export function formFields(form: { components?: FormComponent[] }): FormComponent[] {
  const fields: FormComponent[] = [];
  const walk = (components: FormComponent[] = []) => {
    for (const component of components) {
      if (component.components) walk(component.components);
      if (component.key && component.type && INPUT_TYPES.has(component.type) && !component.disabled && !component.readonly) fields.push(component);
    }
  };
  walk(form.components);
  return fields;
}

/**
 * Checks submitted data against a form: required fields, types, numeric limits, lengths,
 * patterns and option lists. Keys the form does not know are refused too, so a task can only
 * change the variables its form offers.
 * @returns every problem found, empty when the data is acceptable.
 */
export function validateFormData(form: { components?: FormComponent[] }, data: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  const fields = formFields(form);
  const known = new Set(fields.map((f) => f.key!));
  for (const key of Object.keys(data)) {
    if (!known.has(key)) errors.push({ path: `body.variables.${key}`, message: 'not a field of this task’s form' });
  }
  for (const field of fields) {
    const key = field.key!;
    const value = data[key];
    const at = `body.variables.${key}`;
    const label = field.label ?? key;
    const rules = field.validate ?? {};
    const empty = value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
    if (empty) {
      // A conditionally hidden field may be legitimately absent: form-js does not send it.
      if (rules.required && !field.conditional?.hide) errors.push({ path: at, message: `${label} is required` });
      continue;
    }
    const type = field.type!;
    if (NUMBER_TYPES.has(type)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        errors.push({ path: at, message: `${label} must be a number` });
        continue;
      }
      if (rules.min !== undefined && value < rules.min) errors.push({ path: at, message: `${label} must be at least ${rules.min}` });
      if (rules.max !== undefined && value > rules.max) errors.push({ path: at, message: `${label} must be at most ${rules.max}` });
    } else if (BOOLEAN_TYPES.has(type)) {
      if (typeof value !== 'boolean') errors.push({ path: at, message: `${label} must be true or false` });
    } else if (LIST_TYPES.has(type)) {
      if (!Array.isArray(value)) errors.push({ path: at, message: `${label} must be a list` });
      else if (field.values && value.some((v) => !field.values!.some((option) => option.value === v))) {
        errors.push({ path: at, message: `${label} has a value that is not one of its options` });
      }
    } else if (OPTION_TYPES.has(type)) {
      if (field.values && !field.values.some((option) => option.value === value)) errors.push({ path: at, message: `${label} must be one of its options` });
    } else if (TEXT_TYPES.has(type)) {
      if (typeof value !== 'string') {
        errors.push({ path: at, message: `${label} must be text` });
        continue;
      }
      if (rules.minLength !== undefined && value.length < rules.minLength) errors.push({ path: at, message: `${label} needs at least ${rules.minLength} characters` });
      if (rules.maxLength !== undefined && value.length > rules.maxLength) errors.push({ path: at, message: `${label} allows at most ${rules.maxLength} characters` });
      if (rules.pattern && !safePattern(rules.pattern).test(value)) errors.push({ path: at, message: `${label} does not have the expected format` });
      if (rules.validationType === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value)) errors.push({ path: at, message: `${label} must be an e-mail address` });
      if (type === 'datetime' && Number.isNaN(Date.parse(value)) && !/^\d{2}:\d{2}/.test(value)) errors.push({ path: at, message: `${label} must be a date or time` });
    }
  }
  return errors;
}

function safePattern(pattern: string): RegExp {
  // Patterns come from reviewed process versions. They are anchored (the whole value must match),
  // and the browser app anchors them the same way, so both sides agree.
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return /^$/;
  }
}
