import { h, replace } from '../app/dom';
import type { ImportProblem } from '../bpmn/extensions';

type Viewer = { get(name: string, strict?: boolean): any };

/** Selects and scrolls to an element of a diagram, if it exists. */
export function focusElement(viewer: Viewer, id: string): void {
  const registry = viewer.get('elementRegistry');
  const element = registry.get(id);
  if (!element) return;
  const selection = viewer.get('selection', false) as { select(e: unknown): void } | null;
  selection?.select(element);
  const canvas = viewer.get('canvas');
  if (typeof canvas.scrollToElement === 'function') canvas.scrollToElement(element);
}

/** The problems of an import, listed (an empty list renders nothing). */
export function importProblemsView(problems: ImportProblem[], viewer?: Viewer): HTMLElement | null {
  if (!problems.length) return null;
  const errors = problems.filter((p) => p.severity === 'error').length;
  return h(
    'section',
    { class: `import-problems ${errors ? 'has-errors' : ''}`, role: errors ? 'alert' : 'status', 'data-testid': 'import-problems' },
    h('h2', { class: 'h3' }, errors ? 'The diagram could not be opened' : `Imported with ${problems.length} warning${problems.length === 1 ? '' : 's'}`),
    h(
      'ul',
      null,
      problems.map((p) =>
        h(
          'li',
          { class: p.severity },
          h('span', { class: `badge ${p.severity === 'error' ? 'status-rejected' : 'status-in_review'}` }, p.severity),
          ' ',
          p.elementId && viewer ? h('button', { type: 'button', class: 'link', onclick: () => focusElement(viewer, p.elementId as string) }, p.elementId) : null,
          p.elementId && viewer ? ': ' : null,
          p.message,
        ),
      ),
    ),
  );
}

type LintIssue = { id: string; message: string; category: string; rule?: string };

/**
 * The live lint result of the modeler (the server's submit-gate rules): a count and a list of
 * issues, each a button that selects its element. Errors here refuse the submit on the server.
 */
export class LintPanel {
  readonly element: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly list: HTMLElement;
  errors = 0;
  warnings = 0;

  constructor(private readonly viewer: Viewer) {
    this.summary = h('p', { class: 'lint-summary', 'data-testid': 'lint-summary' }, 'Checking…');
    this.list = h('ul', { class: 'lint-list' });
    this.element = h('section', { class: 'lint-panel', 'aria-label': 'Model check' }, h('h2', { class: 'h3' }, 'Model check (submit gate rules)'), this.summary, this.list);
    viewer.get('eventBus').on('linting.completed', (event: { issues: Record<string, LintIssue[]> }) => this.render(event.issues));
  }

  private render(issuesById: Record<string, LintIssue[]>): void {
    const issues = Object.entries(issuesById).flatMap(([id, list]) => list.map((issue) => ({ ...issue, id: issue.id ?? id })));
    issues.sort((a, b) => (a.category === b.category ? 0 : a.category === 'error' ? -1 : 1));
    this.errors = issues.filter((i) => i.category === 'error').length;
    this.warnings = issues.length - this.errors;
    this.summary.textContent = issues.length ? `${this.errors} error${this.errors === 1 ? '' : 's'}, ${this.warnings} warning${this.warnings === 1 ? '' : 's'}` : 'No problems found.';
    this.summary.dataset.errors = String(this.errors);
    const registry = this.viewer.get('elementRegistry');
    replace(
      this.list,
      issues.map((issue) => {
        const element = registry.get(issue.id);
        const name = element?.businessObject?.name || issue.id;
        return h(
          'li',
          { class: `lint-${issue.category}` },
          h('span', { class: `badge ${issue.category === 'error' ? 'status-rejected' : 'status-in_review'}` }, issue.category === 'error' ? 'error' : 'warning'),
          ' ',
          h('button', { type: 'button', class: 'link', onclick: () => focusElement(this.viewer, issue.id) }, name),
          ': ',
          issue.message,
          issue.rule ? h('span', { class: 'muted' }, ` (${issue.rule})`) : null,
        );
      }),
    );
  }
}
