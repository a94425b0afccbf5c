import { field, h, replace } from '../app/dom';
import { problemView } from './problem-view';

/**
 * Modal dialogs on the native <dialog> element (focus stays inside, Escape cancels, the page
 * behind is inert). `openDialog` resolves with the value `submit` returns, or null on cancel;
 * `submit` may throw to keep the dialog open and show the problem.
 */
export function openDialog<T>(options: {
  title: string;
  body: HTMLElement[];
  submitLabel: string;
  danger?: boolean;
  submit: (form: HTMLFormElement) => Promise<T> | T;
}): Promise<T | null> {
  return new Promise((resolve) => {
    const errorBox = h('div', { class: 'dialog-error', 'aria-live': 'assertive' });
    const submitButton = h('button', { type: 'submit', class: options.danger ? 'danger' : 'primary' }, options.submitLabel);
    const form = h(
      'form',
      { method: 'dialog', class: 'dialog-form', novalidate: true },
      h('h2', { class: 'dialog-title' }, options.title),
      ...options.body,
      errorBox,
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'secondary', onclick: () => close(null) }, 'Cancel'), submitButton),
    );
    const dialog = h('dialog', { class: 'modal', 'aria-label': options.title }, form);
    let settled = false;

    function close(value: T | null) {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(value);
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      submitButton.disabled = true;
      replace(errorBox);
      try {
        close(await options.submit(form));
      } catch (error) {
        replace(errorBox, problemView(error));
        submitButton.disabled = false;
      }
    });
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      close(null);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    const first = form.querySelector<HTMLElement>('input:not([readonly]), textarea, select');
    first?.focus();
  });
}

/** Asks for a reason for a change (C02): at least 3 characters, like the API requires. */
export function askReason(title: string, options: { label?: string; submitLabel?: string; initial?: string } = {}): Promise<string | null> {
  const input = h('textarea', { name: 'reason', required: true, minlength: 3, maxlength: 2000, rows: 3 });
  if (options.initial) input.value = options.initial;
  return openDialog({
    title,
    body: [field(options.label ?? 'Reason for the change', input, 'Recorded with the change in the audit trail.')],
    submitLabel: options.submitLabel ?? 'Save',
    submit: () => {
      const value = input.value.trim();
      if (value.length < 3) throw new Error('Give a reason of at least 3 characters');
      return value;
    },
  });
}

/** A yes/no question. */
export async function confirmAction(title: string, text: string, submitLabel: string): Promise<boolean> {
  return (await openDialog({ title, body: [h('p', null, text)], submitLabel, submit: () => true })) === true;
}
