import type { App, PageMount } from '../app/context';
import { field, h, replace, shortHash, statusBadge } from '../app/dom';
import { timeElement } from '../app/format';
import { ProblemError } from '../app/problem';
import type { MountedPage } from '../app/router';
import type { FormSchema, ProcessVersionDetail } from '../app/types';
import { blankDiagram, importDiagram } from '../bpmn/extensions';
import { askReason, confirmAction } from '../components/dialog';
import { focusElement, importProblemsView, LintPanel } from '../components/diagram-panels';
import { FormsPanel } from '../components/forms-panel';
import { problemView } from '../components/problem-view';
import { toast } from '../components/toast';
import { signatureList } from './process';

const KEY = /^[A-Za-z_][\w.-]{0,127}$/;

/**
 * A process version. Drafts open in the modeler (properties panel with Camunda 7 and Gemba
 * properties, live lint with the submit-gate rules, form editor) and save with a change reason;
 * everything else opens read-only and offers "new draft from this". `/processes/new` starts a
 * new process from a blank diagram or a BPMN file.
 */
export const mount: PageMount = async (main, match, app) => {
  if (match.path === '/processes/new') return mountNewProcess(main, app);
  const id = match.params.id;
  replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading version…'));
  let version: ProcessVersionDetail;
  let xml: string;
  let forms: Record<string, FormSchema>;
  try {
    [version, xml, forms] = await Promise.all([app.api.version(id), app.api.versionXml(id), app.api.versionForms(id).catch(() => ({}))]);
  } catch (error) {
    replace(main, h('h1', null, 'Process version'), problemView(error));
    return;
  }
  const editable = version.status === 'draft' && app.session.can('update', 'ProcessVersion');
  if (editable) return mountEditor(main, app, { version, xml, forms, mode: 'draft' });
  return mountReadOnly(main, app, { version, xml, forms });
};

// --- header ----------------------------------------------------------------------------------

function header(version: ProcessVersionDetail | null, title: string, extra: Array<HTMLElement | null> = []): HTMLElement {
  const key = version?.key;
  return h(
    'div',
    { class: 'version-head' },
    h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumbs' }, h('a', { href: '/processes' }, 'Processes'), key ? [' / ', h('a', { href: `/processes/${encodeURIComponent(key)}` }, key)] : null),
    h('h1', null, title, ' ', version ? statusBadge(version.status) : null),
    version
      ? h(
          'dl',
          { class: 'meta' },
          h('dt', null, 'Content hash'),
          h('dd', null, shortHash(version.sha256)),
          h('dt', null, 'Change reason'),
          h('dd', { 'data-testid': 'change-reason' }, version.changeReason),
          h('dt', null, 'Updated'),
          h('dd', null, timeElement(version.updatedAt)),
          h('dt', null, 'Signatures'),
          h('dd', null, signatureList(version.signatures)),
        )
      : null,
    ...extra,
  );
}

function historyView(version: ProcessVersionDetail): HTMLElement {
  return h(
    'section',
    { class: 'history', 'aria-label': 'Status history' },
    h('h2', { class: 'h3' }, 'History'),
    version.history.length
      ? h(
          'ol',
          { class: 'timeline' },
          version.history.map((entry) =>
            h('li', null, timeElement(entry.at), ' ', h('strong', null, entry.action), entry.to ? [' → ', statusBadge(entry.to)] : null, ' by ', entry.printedName ?? entry.actor ?? 'system', entry.reason ? h('q', null, entry.reason) : null),
          ),
        )
      : h('p', { class: 'muted' }, 'No history.'),
  );
}

function tabs(panels: Array<{ id: string; label: string; panel: HTMLElement }>): HTMLElement {
  const tablist = h('div', { role: 'tablist', class: 'tabs' });
  const buttons = panels.map((p, i) =>
    h('button', { type: 'button', role: 'tab', id: `tab-${p.id}`, 'aria-controls': `panel-${p.id}`, 'aria-selected': i === 0 ? 'true' : 'false', tabindex: i === 0 ? '0' : '-1' }, p.label),
  );
  const select = (index: number) => {
    buttons.forEach((b, i) => {
      b.setAttribute('aria-selected', String(i === index));
      b.tabIndex = i === index ? 0 : -1;
      panels[i].panel.hidden = i !== index;
    });
    buttons[index].focus();
  };
  buttons.forEach((button, i) => {
    button.addEventListener('click', () => select(i));
    button.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowRight') select((i + 1) % buttons.length);
      if (event.key === 'ArrowLeft') select((i - 1 + buttons.length) % buttons.length);
    });
  });
  tablist.append(...buttons);
  panels.forEach((p, i) => {
    p.panel.id = `panel-${p.id}`;
    p.panel.setAttribute('role', 'tabpanel');
    p.panel.setAttribute('aria-labelledby', `tab-${p.id}`);
    p.panel.hidden = i !== 0;
  });
  return h('div', { class: 'tabbed' }, tablist, ...panels.map((p) => p.panel));
}

// --- read-only -------------------------------------------------------------------------------

async function mountReadOnly(main: HTMLElement, app: App, input: { version: ProcessVersionDetail; xml: string; forms: Record<string, FormSchema> }): Promise<MountedPage> {
  const { version, xml, forms } = input;
  const { createViewer } = await import('../bpmn/viewer');
  const canvas = h('div', { class: 'diagram-canvas', 'data-testid': 'diagram', tabindex: '0', 'aria-label': 'Diagram (read-only)' });
  const details = h('aside', { class: 'element-details', 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Select an element to see its properties.'));
  const problems = h('div');
  const actions = h('div', { class: 'toolbar' });
  if (app.session.can('create', 'ProcessVersion') && version.status !== 'draft') {
    actions.append(h('button', { type: 'button', class: 'primary', 'data-testid': 'new-draft', onclick: () => void startDraftFrom() }, 'New draft from this'));
  }
  if (['in_review', 'approved'].includes(version.status)) actions.append(h('a', { class: 'button secondary', href: `/versions/${version.id}/review` }, 'Open review'));
  actions.append(downloadLink(version, xml));

  const formsPanel = new FormsPanel({ ...forms }, false, () => undefined);
  replace(
    main,
    header(version, `${version.name || version.key} · v${version.version}`, [actions, h('p', { class: 'notice' }, 'This version is ', h('strong', null, version.status.replace('_', ' ')), ' and opens read-only.')]),
    problems,
    tabs([
      { id: 'diagram', label: 'Diagram', panel: h('div', { class: 'modeler-layout read-only' }, canvas, details) },
      { id: 'forms', label: `Forms (${Object.keys(forms).length})`, panel: formsPanel.element },
      { id: 'history', label: 'History', panel: historyView(version) },
    ]),
  );
  const viewer = createViewer(canvas);
  const result = await importDiagram(viewer, xml);
  replace(problems, importProblemsView(result.problems, viewer));
  if (result.ok) (viewer.get('canvas') as { zoom(v: string, center?: string): void }).zoom('fit-viewport', 'auto');
  (viewer.get('eventBus') as any).on('element.click', (event: { element: { businessObject: any } }) => replace(details, elementDetails(event.element.businessObject)));

  async function startDraftFrom() {
    viewer.destroy();
    formsPanel.destroy();
    replace(main);
    const mounted = await mountEditor(main, app, { version, xml, forms, mode: 'from' });
    current.canLeave = mounted.canLeave;
    current.cleanup = mounted.cleanup;
  }
  const current: MountedPage = {
    cleanup: () => {
      viewer.destroy();
      formsPanel.destroy();
    },
  };
  return current;
}

/** The attributes of a business object as a definition list (values as text). */
function elementDetails(bo: any): HTMLElement {
  const rows: Array<[string, string]> = [
    ['Id', bo.id],
    ['Type', bo.$type],
  ];
  if (bo.name) rows.push(['Name', bo.name]);
  for (const [name, value] of Object.entries(bo.$attrs ?? {})) rows.push([name, String(value)]);
  for (const property of bo.$descriptor?.properties ?? []) {
    if (!property.isAttr || ['id', 'name'].includes(property.name)) continue;
    const value = bo.get(property.ns?.name ?? property.name);
    if (value !== undefined && value !== null && value !== '' && typeof value !== 'object') rows.push([property.ns?.name ?? property.name, String(value)]);
  }
  return h('dl', { class: 'details-list' }, rows.flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

function downloadLink(version: ProcessVersionDetail, xml: string): HTMLElement {
  const url = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
  return h('a', { class: 'button secondary', href: url, download: `${version.key}-v${version.version}.bpmn` }, 'Download BPMN');
}

// --- editing ---------------------------------------------------------------------------------

type EditInput = { version: ProcessVersionDetail | null; xml: string; forms: Record<string, FormSchema>; mode: 'draft' | 'from' | 'new' };

async function mountEditor(main: HTMLElement, app: App, input: EditInput): Promise<MountedPage> {
  const { version, mode } = input;
  const forms: Record<string, FormSchema> = structuredClone(input.forms);
  replace(main, h('p', { class: 'loading', role: 'status' }, 'Loading the modeler…'));
  const { createEditor } = await import('../bpmn/editor');

  let dirty = mode !== 'draft';
  const canvas = h('div', { class: 'diagram-canvas editing', 'data-testid': 'diagram', tabindex: '0', 'aria-label': 'Diagram editor' });
  const properties = h('aside', { class: 'properties-panel-parent', 'aria-label': 'Properties', 'data-testid': 'properties-panel' });
  const problems = h('div');
  const messages = h('div', { 'aria-live': 'polite' });
  const status = h('span', { class: 'save-state', 'data-testid': 'save-state' });
  const saveButton = h('button', { type: 'button', class: 'primary', 'data-testid': 'save' }, mode === 'draft' ? 'Save draft' : 'Save as new draft');
  const submitButton = h('button', { type: 'button', class: 'secondary', 'data-testid': 'submit' }, 'Submit for review');
  const title =
    mode === 'draft' && version
      ? `${version.name || version.key} · v${version.version}`
      : mode === 'from' && version
        ? `New draft of ${version.key} (from v${version.version})`
        : 'New process';

  const editor = createEditor(canvas, properties);
  const lint = new LintPanel(editor);
  const formsPanel = new FormsPanel(forms, true, () => setDirty(true));

  function setDirty(value: boolean) {
    dirty = value;
    status.textContent = dirty ? 'Unsaved changes' : 'Saved';
    status.dataset.dirty = String(dirty);
    submitButton.disabled = dirty || mode !== 'draft';
    submitButton.title = mode !== 'draft' ? 'Save the draft first' : dirty ? 'Save your changes before submitting' : '';
  }

  replace(
    main,
    header(mode === 'draft' ? version : null, title, [
      h('div', { class: 'toolbar' }, saveButton, submitButton, status),
      mode === 'from' && version ? h('p', { class: 'notice' }, `Based on v${version.version} (${version.status}). Nothing is stored until you save with a reason.`) : null,
    ]),
    messages,
    problems,
    tabs([
      { id: 'diagram', label: 'Diagram', panel: h('div', null, h('div', { class: 'modeler-layout' }, canvas, properties), lint.element) },
      { id: 'forms', label: 'Forms', panel: formsPanel.element },
      ...(version && mode === 'draft' ? [{ id: 'history', label: 'History', panel: historyView(version) }] : []),
    ]),
  );
  setDirty(dirty);

  const result = await importDiagram(editor, input.xml);
  replace(problems, importProblemsView(result.problems, editor));
  if (result.ok) (editor.get('canvas') as { zoom(v: string, center?: string): void }).zoom('fit-viewport', 'auto');
  (editor.get('eventBus') as any).on('commandStack.changed', () => setDirty(true));

  saveButton.addEventListener('click', () => void save());
  submitButton.addEventListener('click', () => void submit());

  async function save(): Promise<void> {
    replace(messages);
    const reason = await askReason(mode === 'draft' ? 'Save the draft' : 'Save as a new draft', { submitLabel: 'Save' });
    if (!reason) return;
    saveButton.disabled = true;
    try {
      const { xml } = await editor.saveXML({ format: true });
      const body = { xml: xml as string, changeReason: reason, forms: formsPanel.collect() };
      if (mode === 'draft' && version) {
        const saved = await app.api.updateVersion(version.id, body);
        setDirty(false);
        showWarnings(saved.warnings);
        toast(`Saved v${saved.version}`, 'success');
      } else {
        const created = await app.api.createVersion({ ...body, basedOnId: mode === 'from' && version ? version.id : undefined });
        dirty = false;
        toast(`Draft v${created.version} of ${created.key} created`, 'success');
        await app.navigate(`/versions/${created.id}`, { replace: true });
      }
    } catch (error) {
      replace(messages, problemView(error, { onElement: (id) => focusElement(editor, id) }));
    } finally {
      saveButton.disabled = false;
    }
  }

  async function submit(): Promise<void> {
    if (!version || mode !== 'draft' || dirty) return;
    replace(messages);
    if (lint.errors && !(await confirmAction('Submit with errors?', `The model check reports ${lint.errors} error(s); the server will refuse the submit until they are fixed. Try anyway?`, 'Submit'))) return;
    submitButton.disabled = true;
    try {
      const submitted = await app.api.submitVersion(version.id);
      toast(`v${submitted.version} submitted for review`, 'success');
      await app.navigate(`/versions/${submitted.id}`, { replace: true });
    } catch (error) {
      replace(messages, problemView(error, { onElement: (id) => focusElement(editor, id) }));
      submitButton.disabled = false;
    }
  }

  function showWarnings(warnings: Array<{ message: string }> | undefined) {
    if (warnings?.length) replace(messages, h('div', { class: 'notice', role: 'status' }, h('strong', null, 'Saved with warnings: '), h('ul', null, warnings.map((w) => h('li', null, w.message)))));
  }

  const beforeUnload = (event: BeforeUnloadEvent) => {
    if (dirty) event.preventDefault();
  };
  window.addEventListener('beforeunload', beforeUnload);

  return {
    canLeave: async () => !dirty || (await confirmAction('Leave without saving?', 'Your changes to this model are not saved and will be lost.', 'Leave')),
    cleanup: () => {
      window.removeEventListener('beforeunload', beforeUnload);
      formsPanel.destroy();
      editor.destroy();
    },
  };
}

// --- new process -----------------------------------------------------------------------------

async function mountNewProcess(main: HTMLElement, app: App): Promise<MountedPage> {
  const key = h('input', { name: 'key', required: true, pattern: KEY.source, maxlength: 128, autocapitalize: 'none', spellcheck: 'false' });
  const name = h('input', { name: 'name', required: true, maxlength: 200 });
  const file = h('input', { name: 'file', type: 'file', accept: '.bpmn,.xml,application/xml,text/xml' });
  const errors = h('div', { 'aria-live': 'assertive' });
  const form = h(
    'form',
    { class: 'card narrow', novalidate: true },
    h('h1', null, 'New process'),
    h('p', null, 'Start from a blank diagram, or open a BPMN file (its executable process id becomes the key).'),
    field('Process key', key, 'The id of the executable process: letters, digits, _ . -'),
    field('Name', name),
    field('Or open a BPMN file', file),
    errors,
    h('div', { class: 'toolbar' }, h('button', { type: 'submit', class: 'primary' }, 'Open in the modeler'), h('a', { href: '/processes', class: 'button secondary' }, 'Cancel')),
  );
  const mounted: MountedPage = {};
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    replace(errors);
    let xml: string;
    const chosen = file.files?.[0];
    if (chosen) {
      xml = await chosen.text();
    } else {
      if (!KEY.test(key.value.trim()) || !name.value.trim()) {
        replace(errors, problemView(new ProblemError({ status: 400, detail: 'Give a key (letters, digits, _ . -) and a name, or choose a file' })));
        return;
      }
      xml = blankDiagram(key.value.trim(), name.value.trim());
    }
    const editing = await mountEditor(main, app, { version: null, xml, forms: {}, mode: 'new' });
    mounted.canLeave = editing.canLeave;
    mounted.cleanup = editing.cleanup;
  });
  replace(main, form);
  key.focus();
  return mounted;
}
