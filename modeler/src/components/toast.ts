import { h } from '../app/dom';

let region: HTMLElement | null = null;

/** A short, polite notification (screen readers hear it; it fades after a few seconds). */
export function toast(message: string, kind: 'info' | 'success' | 'error' = 'info'): void {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  const item = h('div', { class: `toast toast-${kind}` }, message);
  region.appendChild(item);
  window.setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4000);
}
