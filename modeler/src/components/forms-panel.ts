import { field, h, replace } from '../app/dom';
import type { FormSchema } from '../app/types';
import { openDialog } from './dialog';
import { problemView } from './problem-view';

const FORM_ID = /^[A-Za-z_][\w.-]{0,127}$/;

/** A blank form-js schema with a given id. */
function blankForm(id: string): FormSchema {
  return { type: 'default', id, schemaVersion: 18, components: [] };
}

/**
 * The task forms of a version (form-js schemas by id, referenced from user tasks with
 * camunda:formRef or camunda:formKey). Editable with the form-js editor (loaded on first use),
 * or shown read-only with the form-js viewer.
 */
export class FormsPanel {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private readonly stage: HTMLElement;
  private current: string | null = null;
  private editor: { importSchema(s: unknown): Promise<unknown>; saveSchema(): FormSchema; on(e: string, cb: () => void): void; destroy(): void } | null = null;
  private viewer: { destroy(): void } | null = null;

  constructor(
    private readonly forms: Record<string, FormSchema>,
    private readonly editable: boolean,
    private readonly onChange: () => void,
  ) {
    this.list = h('ul', { class: 'form-list', role: 'list' });
    this.stage = h('div', { class: 'form-stage' }, h('p', { class: 'muted' }, 'Choose a form to see it.'));
    this.element = h(
      'div',
      { class: 'forms-panel' },
      h(
        'aside',
        { class: 'form-index' },
        h('h2', { class: 'h3' }, 'Task forms'),
        this.list,
        editable ? h('button', { type: 'button', class: 'secondary', onclick: () => void this.add() }, 'Add form') : null,
      ),
      this.stage,
    );
    this.renderList();
    const first = Object.keys(forms)[0];
    if (first) void this.open(first);
  }

  /** All forms, with the one being edited saved first. */
  collect(): Record<string, FormSchema> {
    this.flush();
    return this.forms;
  }

  destroy(): void {
    this.editor?.destroy();
    this.viewer?.destroy();
  }

  private flush(): void {
    if (this.editor && this.current) this.forms[this.current] = this.editor.saveSchema();
  }

  private renderList(): void {
    const ids = Object.keys(this.forms).sort();
    replace(
      this.list,
      ids.length
        ? ids.map((id) =>
            h('li', null, h('button', { type: 'button', class: `form-link${id === this.current ? ' active' : ''}`, 'aria-current': id === this.current ? 'true' : undefined, onclick: () => void this.open(id) }, id)),
          )
        : h('li', { class: 'muted' }, 'No forms yet.'),
    );
  }

  private async add(): Promise<void> {
    const input = h('input', { name: 'formId', required: true, pattern: FORM_ID.source, maxlength: 128 });
    const id = await openDialog({
      title: 'New task form',
      body: [field('Form id', input, 'Referenced from a user task as camunda:formRef. Letters, digits, _ . -')],
      submitLabel: 'Create',
      submit: () => {
        const value = input.value.trim();
        if (!FORM_ID.test(value)) throw new Error('Use letters, digits, _ . - (starting with a letter)');
        if (this.forms[value]) throw new Error(`A form ${value} exists already`);
        return value;
      },
    });
    if (!id) return;
    this.flush();
    this.forms[id] = blankForm(id);
    this.onChange();
    await this.open(id);
  }

  private async open(id: string): Promise<void> {
    this.flush();
    this.editor?.destroy();
    this.viewer?.destroy();
    this.editor = null;
    this.viewer = null;
    this.current = id;
    this.renderList();
    const container = h('div', { class: 'form-canvas', 'data-testid': 'form-canvas' });
    replace(this.stage, h('h3', null, `Form ${id}`), container);
    try {
      if (this.editable) {
        const { createFormEditor } = await import('./form-editor');
        const editor = createFormEditor(container);
        await editor.importSchema(this.forms[id]);
        editor.on('changed', () => this.onChange());
        this.editor = editor;
      } else {
        const { renderForm } = await import('./form-viewer');
        this.viewer = await renderForm(container, this.forms[id], {}, { readOnly: true });
      }
    } catch (error) {
      replace(this.stage, h('h3', null, `Form ${id}`), h('p', null, 'This form could not be opened:'), problemView(error));
    }
  }
}
