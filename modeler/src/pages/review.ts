import type { App, PageMount } from '../app/context';
import { h, replace, shortHash, statusBadge } from '../app/dom';
import { timeElement } from '../app/format';
import type { GateFinding, ProcessVersion, ProcessVersionDetail, VersionDiff } from '../app/types';
import { importDiagram } from '../bpmn/extensions';
import { focusElement, importProblemsView } from '../components/diagram-panels';
import { problemView } from '../components/problem-view';
import { signatureDialog } from '../components/signature-dialog';
import { toast } from '../components/toast';
import { signatureList } from './process';

type Viewer = { get(name: string, strict?: boolean): any; destroy(): void; importXML(xml: string): Promise<{ warnings: unknown[] }> };

/**
 * Review of a version: the diagram beside (or over) the one it would replace, with added,
 * removed and changed elements coloured; the changed properties listed; the submit gate's lint
 * and executability findings; approve or reject with a signature; release once approved.
 */
export const mount: PageMount = async (main, match, app) => {
  const id = match.params.id;
  replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading the review…'));
  let version: ProcessVersionDetail;
  let siblings: ProcessVersion[];
  try {
    version = await app.api.version(id);
    siblings = (await app.api.versions({ key: version.key })).items.filter((v) => v.id !== version.id).sort((a, b) => b.version - a.version);
  } catch (error) {
    replace(main, h('h1', null, 'Review'), problemView(error));
    return;
  }
  const requested = match.query.get('against');
  const base =
    siblings.find((v) => v.id === requested) ??
    siblings.find((v) => v.status === 'released') ??
    siblings.find((v) => v.id === version.basedOnId) ??
    siblings.find((v) => v.version < version.version) ??
    null;

  const viewers: Viewer[] = [];
  const { createViewer, mark } = await import('../bpmn/viewer');

  const againstSelect = h(
    'select',
    { id: 'against', class: 'inline' },
    siblings.map((v) => h('option', { value: v.id, selected: v.id === base?.id ? true : undefined }, `v${v.version} (${v.status.replace('_', ' ')})`)),
  );
  againstSelect.addEventListener('change', () => void app.navigate(`/versions/${version.id}/review?against=${encodeURIComponent(againstSelect.value)}`, { replace: true }));

  const modeButtons = ['side', 'overlay'].map((mode) =>
    h('button', { type: 'button', class: 'toggle', 'aria-pressed': mode === 'side' ? 'true' : 'false', 'data-mode': mode }, mode === 'side' ? 'Side by side' : 'Overlay'),
  );
  const compare = h('div', { class: 'compare side', 'data-testid': 'compare' });
  const leftCanvas = h('div', { class: 'diagram-canvas', 'data-testid': 'diagram-before', tabindex: '0', 'aria-label': base ? `Diagram of v${base.version}` : 'No earlier version' });
  const rightCanvas = h('div', { class: 'diagram-canvas', 'data-testid': 'diagram-after', tabindex: '0', 'aria-label': `Diagram of v${version.version}` });
  replace(
    compare,
    h('figure', { class: 'pane before' }, h('figcaption', null, base ? `Before: v${base.version} (${base.status.replace('_', ' ')})` : 'Before: nothing (a new process)'), leftCanvas),
    h('figure', { class: 'pane after' }, h('figcaption', null, `After: v${version.version} (${version.status.replace('_', ' ')})`), rightCanvas),
  );
  modeButtons.forEach((button) =>
    button.addEventListener('click', () => {
      const mode = button.dataset.mode as string;
      modeButtons.forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
      compare.className = `compare ${mode}`;
      for (const viewer of viewers) viewer.get('canvas').resized();
    }),
  );

  const actions = h('div', { class: 'toolbar review-actions' });
  const messages = h('div', { 'aria-live': 'polite' });
  const problems = h('div');
  const changes = h('section', { class: 'changes', 'aria-label': 'Changes' }, h('p', { class: 'loading' }, 'Comparing…'));
  const legend = h('div', { class: 'legend', 'data-testid': 'diff-legend' });

  replace(
    main,
    h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumbs' }, h('a', { href: '/processes' }, 'Processes'), ' / ', h('a', { href: `/processes/${encodeURIComponent(version.key)}` }, version.key), ' / review'),
    h('h1', null, `Review ${version.name || version.key} · v${version.version} `, statusBadge(version.status)),
    h(
      'dl',
      { class: 'meta' },
      h('dt', null, 'Content hash'),
      h('dd', null, shortHash(version.sha256)),
      h('dt', null, 'Change reason'),
      h('dd', { 'data-testid': 'change-reason' }, version.changeReason),
      h('dt', null, 'Submitted'),
      h('dd', null, timeElement(version.submittedAt)),
      h('dt', null, 'Signatures'),
      h('dd', { 'data-testid': 'signatures' }, signatureList(version.signatures)),
    ),
    actions,
    messages,
    h('div', { class: 'toolbar' }, base ? [h('label', { for: 'against' }, 'Compare with '), againstSelect] : null, h('div', { class: 'segmented', role: 'group', 'aria-label': 'Layout' }, modeButtons), legend),
    problems,
    compare,
    changes,
    findingsView(version),
  );
  renderActions(app, version, actions, messages);

  try {
    const [afterXml, beforeXml, diff] = await Promise.all([
      app.api.versionXml(version.id),
      base ? app.api.versionXml(base.id) : Promise.resolve(null),
      base ? app.api.diff(version.id, base.id) : Promise.resolve(null),
    ]);
    const after = createViewer(rightCanvas);
    viewers.push(after);
    const afterImport = await importDiagram(after, afterXml);
    const importIssues = [...afterImport.problems.map((p) => ({ ...p, message: `v${version.version}: ${p.message}` }))];
    let before: Viewer | null = null;
    if (beforeXml !== null) {
      before = createViewer(leftCanvas);
      viewers.push(before);
      const beforeImport = await importDiagram(before, beforeXml);
      importIssues.push(...beforeImport.problems.map((p) => ({ ...p, message: `v${base?.version}: ${p.message}` })));
    }
    replace(problems, importProblemsView(importIssues));
    for (const viewer of viewers) viewer.get('canvas').zoom('fit-viewport', 'auto');
    if (before) syncViewboxes(before, after);

    if (diff) {
      const marked = {
        added: mark(after, diff.added.map((e) => e.id), 'diff-added'),
        removed: mark(before as Viewer, diff.removed.map((e) => e.id), 'diff-removed'),
        changed: [...mark(after, diff.changed.map((e) => e.id), 'diff-changed'), ...mark(before as Viewer, diff.changed.map((e) => e.id), 'diff-changed')],
        layout: mark(after, diff.layoutChanged.filter((id) => !diff.changed.some((c) => c.id === id) && !diff.added.some((a) => a.id === id)), 'diff-layout'),
      };
      compare.dataset.marked = String(marked.added.length + marked.removed.length + marked.changed.length);
      replace(legend, legendView(diff));
      replace(changes, changesView(diff, (elementId) => viewers.forEach((v) => focusElement(v, elementId))));
    } else {
      replace(changes, h('h2', { class: 'h3' }, 'Changes'), h('p', null, 'There is no earlier version: the whole process is new.'));
    }
  } catch (error) {
    replace(changes, problemView(error));
  }

  return { cleanup: () => viewers.forEach((v) => v.destroy()) };
};

/** Keeps two viewers showing the same part of the diagram. */
function syncViewboxes(a: Viewer, b: Viewer): void {
  let syncing = false;
  const link = (from: Viewer, to: Viewer) =>
    from.get('eventBus').on('canvas.viewbox.changed', (event: { viewbox: { x: number; y: number; width: number; height: number } }) => {
      if (syncing) return;
      syncing = true;
      const { x, y, width, height } = event.viewbox;
      to.get('canvas').viewbox({ x, y, width, height });
      syncing = false;
    });
  link(a, b);
  link(b, a);
  b.get('canvas').viewbox(a.get('canvas').viewbox());
}

function legendView(diff: VersionDiff): HTMLElement[] {
  const moved = diff.layoutChanged.filter((id) => !diff.changed.some((c) => c.id === id) && !diff.added.some((a) => a.id === id));
  const item = (cls: string, label: string, count: number) => h('span', { class: `legend-item ${cls}`, 'data-count': String(count) }, h('span', { class: 'swatch', 'aria-hidden': 'true' }), `${label} (${count})`);
  return [
    item('diff-added', 'added', diff.added.length),
    item('diff-removed', 'removed', diff.removed.length),
    item('diff-changed', 'changed', diff.changed.length),
    item('diff-layout', 'moved', moved.length),
  ];
}

function changesView(diff: VersionDiff, focus: (id: string) => void): HTMLElement[] {
  const label = (e: { id: string; name?: string | null; type: string }) => h('button', { type: 'button', class: 'link', onclick: () => focus(e.id) }, e.name || e.id);
  const type = (t: string) => h('span', { class: 'muted' }, t.replace(/^bpmn:/, ''));
  const rows: HTMLElement[] = [];
  for (const e of diff.added) rows.push(h('tr', { class: 'row-added' }, h('td', null, h('span', { class: 'badge diff-added' }, 'added')), h('td', null, label(e), ' ', type(e.type)), h('td', { colspan: '3' }, '')));
  for (const e of diff.removed) rows.push(h('tr', { class: 'row-removed' }, h('td', null, h('span', { class: 'badge diff-removed' }, 'removed')), h('td', null, label(e), ' ', type(e.type)), h('td', { colspan: '3' }, '')));
  for (const e of diff.changed) {
    e.attributes.forEach((attribute, i) =>
      rows.push(
        h(
          'tr',
          { class: 'row-changed', 'data-element': e.id, 'data-attribute': attribute.name },
          h('td', null, i === 0 ? h('span', { class: 'badge diff-changed' }, 'changed') : ''),
          h('td', null, i === 0 ? [label(e), ' ', type(e.type)] : ''),
          h('td', null, h('code', null, attribute.name)),
          h('td', { class: 'before' }, attribute.before ?? h('span', { class: 'muted' }, '(none)')),
          h('td', { class: 'after' }, attribute.after ?? h('span', { class: 'muted' }, '(none)')),
        ),
      ),
    );
  }
  return [
    h('h2', { class: 'h3' }, `Changes from v${diff.from.version} to v${diff.to.version}`),
    rows.length
      ? h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'data-table', 'data-testid': 'changes-table' },
            h('thead', null, h('tr', null, ['', 'Element', 'Property', 'Before', 'After'].map((t) => h('th', { scope: 'col' }, t)))),
            h('tbody', null, rows),
          ),
        )
      : h('p', null, diff.layoutChanged.length ? 'Only the layout changed.' : 'No semantic changes.'),
  ];
}

/** The submit gate's findings (lint and executability) stored with the version. */
function findingsView(version: ProcessVersionDetail): HTMLElement {
  const findings: GateFinding[] = version.lint?.warnings ?? version.lint?.findings ?? [];
  const executability = findings.filter((f) => /execut/i.test(f.rule));
  const lint = findings.filter((f) => !/execut/i.test(f.rule));
  const elementOf = (f: GateFinding) => f.elementId ?? f.id ?? null;
  const list = (items: GateFinding[], empty: string) =>
    items.length
      ? h(
          'ul',
          { class: 'lint-list' },
          items.map((f) =>
            h('li', { class: `lint-${f.category}` }, h('span', { class: `badge ${f.category === 'error' ? 'status-rejected' : 'status-in_review'}` }, f.category === 'error' ? 'error' : 'warning'), ' ', elementOf(f) ? h('code', null, elementOf(f)) : null, elementOf(f) ? ': ' : null, f.message, h('span', { class: 'muted' }, ` (${f.rule})`)),
          ),
        )
      : h('p', { class: 'ok' }, empty);
  return h(
    'section',
    { class: 'findings', 'data-testid': 'findings' },
    h('h2', { class: 'h3' }, 'Submit gate'),
    version.lint?.checkedAt ? h('p', { class: 'muted' }, 'Checked ', timeElement(version.lint.checkedAt)) : h('p', { class: 'muted' }, 'Not checked yet (the gate runs when a draft is submitted).'),
    h('h3', { class: 'h4' }, 'Lint (errors refuse the submit; warnings are kept)'),
    list(lint, version.lint ? 'No lint errors or warnings.' : '—'),
    h('h3', { class: 'h4' }, 'Executability'),
    list(executability, version.lint ? 'The engine can run every element (checked at submit).' : '—'),
  );
}

function renderActions(app: App, version: ProcessVersionDetail, actions: HTMLElement, messages: HTMLElement): void {
  const user = app.session.user;
  if (!user) return;
  const record = `${version.key} v${version.version}`;
  const authored = version.createdBy === user.id || version.authors.includes(user.id);
  const sign = async (meaning: 'approved' | 'rejected' | 'released') => {
    replace(messages);
    const done = await signatureDialog({
      record,
      recordHash: version.sha256,
      meaning,
      signer: user,
      commentRequired: meaning === 'rejected',
      submitLabel: meaning === 'approved' ? 'Sign and approve' : meaning === 'rejected' ? 'Sign and reject' : 'Sign and release',
      sign: (signature) => (meaning === 'approved' ? app.api.approveVersion(version.id, signature) : meaning === 'rejected' ? app.api.rejectVersion(version.id, signature) : app.api.releaseVersion(version.id, signature)),
    });
    if (done) {
      toast(`${record} ${done.status.replace('_', ' ')}`, 'success');
      await app.router.reload();
    }
  };
  if (version.status === 'in_review' && app.session.can('approve', 'ProcessVersion')) {
    if (authored) {
      actions.append(h('p', { class: 'notice' }, 'You authored or edited this version: another reviewer must approve or reject it.'));
    } else {
      actions.append(
        h('button', { type: 'button', class: 'primary', 'data-testid': 'approve', onclick: () => void sign('approved') }, 'Approve…'),
        h('button', { type: 'button', class: 'danger', 'data-testid': 'reject', onclick: () => void sign('rejected') }, 'Reject…'),
      );
    }
  }
  if (version.status === 'approved' && app.session.can('release', 'ProcessVersion')) {
    actions.append(h('button', { type: 'button', class: 'primary', 'data-testid': 'release', onclick: () => void sign('released') }, 'Release…'));
  }
  if (!actions.childElementCount) actions.append(h('a', { class: 'button secondary', href: `/versions/${version.id}` }, 'Open the version'));
}
