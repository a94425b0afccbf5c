import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { moddleExtensions } from './extensions';

/** A read-only, navigable diagram (zoom, pan) with the Camunda and Gemba extensions. */
export function createViewer(container: HTMLElement): NavigatedViewer {
  return new NavigatedViewer({ container, moddleExtensions });
}

export type Viewer = NavigatedViewer;

type Canvas = { addMarker(id: string, marker: string): void; zoom(level: string | number, center?: unknown): number; viewbox(box?: unknown): any };
type Overlays = { add(id: string, type: string, overlay: { position: Record<string, number>; html: HTMLElement }): string; remove(filter: { type?: string }): void };
type Registry = { get(id: string): unknown; getAll(): Array<{ id: string; type: string; businessObject?: { name?: string } }> };

/** Services of a viewer used by the pages (typed loosely: bpmn-js resolves them by name). */
export function services(viewer: { get(name: string): unknown }) {
  return {
    canvas: viewer.get('canvas') as Canvas,
    overlays: viewer.get('overlays') as Overlays,
    registry: viewer.get('elementRegistry') as Registry,
    eventBus: viewer.get('eventBus') as { on(event: string, cb: (e: any) => void): void },
  };
}

/** Adds a CSS marker class to each id that exists in the diagram; returns the ids marked. */
export function mark(viewer: { get(name: string): unknown }, ids: Iterable<string>, marker: string): string[] {
  const { canvas, registry } = services(viewer);
  const marked: string[] = [];
  for (const id of ids) {
    if (registry.get(id)) {
      canvas.addMarker(id, marker);
      marked.push(id);
    }
  }
  return marked;
}

/** Puts a small text badge on an element (its text is set as text, never HTML). */
export function badge(viewer: { get(name: string): unknown }, id: string, text: string, className: string, position: Record<string, number> = { top: -12, right: 12 }): void {
  const { overlays, registry } = services(viewer);
  if (!registry.get(id)) return;
  const element = document.createElement('div');
  element.className = `diagram-badge ${className}`;
  element.textContent = text;
  overlays.add(id, 'gemba-badge', { position, html: element });
}
