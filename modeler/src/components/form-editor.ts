import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import '@bpmn-io/form-js-editor/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js-editor/dist/assets/properties-panel.css';
import { FormEditor } from '@bpmn-io/form-js-editor';
import type { FormSchema } from '../app/types';

/** The form-js editor (a separate chunk: only the modeler's Forms tab loads it). */
export function createFormEditor(container: HTMLElement) {
  const editor = new FormEditor({ container });
  return {
    importSchema: (schema: unknown) => editor.importSchema(schema as never),
    saveSchema: () => editor.saveSchema() as FormSchema,
    on: (event: string, callback: () => void) => editor.on(event, callback),
    destroy: () => editor.destroy(),
  };
}
