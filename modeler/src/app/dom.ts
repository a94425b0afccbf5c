/**
 * A tiny DOM builder. Every string child becomes a text node and every attribute is set with
 * setAttribute, so names and ids from models or the API are always rendered as text, never
 * parsed as HTML (the app never assigns innerHTML with data).
 */

type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (event: any) => void;
export type Attrs = Record<string, string | number | boolean | null | undefined | Handler | Record<string, string>>;

/** Creates an element: `h('button', { class: 'primary', onclick }, 'Save')`. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value as Handler);
    } else if (name === 'dataset' && typeof value === 'object') {
      Object.assign(element.dataset, value);
    } else if (name === 'value' && 'value' in element) {
      (element as HTMLInputElement).value = String(value);
    } else if (name === 'checked' && 'checked' in element) {
      (element as HTMLInputElement).checked = Boolean(value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends children (strings become text nodes). */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

/** Replaces all children of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A unique id for label/aria wiring. */
let counter = 0;
export function uid(prefix = 'g'): string {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A labelled form field: label + control (+ hint). */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || uid('f');
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

/** Shortens a hash for display; the full value stays in the title. */
export function shortHash(hash: string | null | undefined): HTMLElement {
  return h('code', { class: 'hash', title: hash ?? '' }, hash ? hash.slice(0, 12) : '—');
}

/** A status pill. */
export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${status.replace(/[^a-z_]/gi, '')}` }, status.replace(/_/g, ' '));
}
