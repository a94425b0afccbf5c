import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import { Form } from '@bpmn-io/form-js-viewer';
import { anchorPatterns } from '../app/form-data';
import type { FormSchema } from '../app/types';

export type RenderedForm = {
  /** Validates and returns the data, or the errors by field id. */
  submit(): { data: Record<string, unknown>; errors: Record<string, string[]> };
  /** Shows errors (by field key) on their fields, as form-js shows its own; the next edit of a field clears its error. */
  showErrors(byKey: Record<string, string[]>): void;
  /** Calls `listener` after each change of a field's value. */
  onFieldChange(listener: () => void): void;
  destroy(): void;
};

type FieldRegistry = { getAll(): Array<{ id: string; key?: string }> };
type FormInternals = { _getState(): { errors: Record<string, unknown> }; _setState(state: { errors: Record<string, unknown> }): void };

/**
 * Renders a form-js schema with data (task forms, and read-only views of submitted data).
 * Changes apply at once (form-js debounces typed values by 300 ms by default: a tap on another
 * field inside that window was lost). Patterns are anchored as the server reads them.
 */
export async function renderForm(container: HTMLElement, schema: FormSchema, data: Record<string, unknown>, options: { readOnly?: boolean } = {}): Promise<RenderedForm> {
  const form = new Form({ container, debounce: false } as never);
  await form.importSchema(anchorPatterns(schema) as never, data);
  if (options.readOnly) form.setProperty('readOnly', true);
  return {
    submit: () => form.submit() as { data: Record<string, unknown>; errors: Record<string, string[]> },
    showErrors: (byKey) => {
      const registry = form.get('formFieldRegistry') as FieldRegistry;
      const internals = form as unknown as FormInternals;
      // form-js keeps field errors by field id in its state and renders them (with
      // aria-describedby); it has no public setter, so the state is set the way its own
      // validation sets it. form-js is pinned (1.23.0).
      const errors: Record<string, unknown> = { ...internals._getState().errors };
      for (const field of registry.getAll()) if (field.key && byKey[field.key]) errors[field.id] = byKey[field.key];
      internals._setState({ errors });
    },
    onFieldChange: (listener) => form.on('field.updated', listener),
    destroy: () => form.destroy(),
  };
}
