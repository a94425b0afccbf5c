import type { App, PageMount } from '../app/context';
import { h, replace, shortHash, statusBadge } from '../app/dom';
import { formatDuration, timeElement } from '../app/format';
import { tokenState } from '../app/tokens';
import type { HistoryEntry, Incident, Instance, RetryOutcome } from '../app/types';
import { importDiagram } from '../bpmn/extensions';
import { focusElement, importProblemsView } from '../components/diagram-panels';
import { askReason } from '../components/dialog';
import { problemView } from '../components/problem-view';
import { toast } from '../components/toast';

type Viewer = { get(name: string, strict?: boolean): any; destroy(): void; importXML(xml: string): Promise<{ warnings: unknown[] }> };

const POLL_MS = 10_000;

/**
 * One instance: its diagram showing where tokens wait, the path taken and the incidents; what it
 * waits for, its incidents (with retry), variables and history; cancel with a reason. Live: the
 * page watches the room `processInstance:<id>` and reads the instance again on each of its events
 * (task, instance and incident changes); while the socket is down it reads it every 10 s.
 */
export const mount: PageMount = async (main, match, app) => {
  const id = match.params.id;
  let viewer: Viewer | null = null;
  let shownVersion: string | null = null;
  const head = h('div');
  const problems = h('div');
  const messages = h('div', { 'aria-live': 'assertive' });
  const canvas = h('div', { class: 'diagram-canvas', 'data-testid': 'instance-diagram', tabindex: '0', role: 'img', 'aria-label': 'Instance diagram: where tokens wait, the path taken and incidents' });
  const side = h('div', { class: 'instance-side' });
  const root = h('div', { class: 'instance-page', 'data-testid': 'instance-page', 'data-watching': 'false' }, head, problems, messages, h('div', { class: 'instance-layout' }, h('div', null, canvas, legend()), side));
  replace(main, root);

  const draw = async () => {
    let instance: Instance;
    try {
      instance = await app.api.instance(id);
    } catch (error) {
      replace(head, h('h1', null, 'Instance'), problemView(error));
      return;
    }
    replace(head, header(instance), actionsFor(app, instance, messages, refresh));
    if (!viewer || shownVersion !== instance.versionId) {
      viewer?.destroy();
      const { createViewer } = await import('../bpmn/viewer');
      viewer = createViewer(canvas);
      const xml = await app.api.versionXml(instance.versionId);
      const result = await importDiagram(viewer, xml);
      replace(problems, importProblemsView(result.problems));
      viewer.get('canvas').zoom('fit-viewport', 'auto');
      shownVersion = instance.versionId;
    }
    paint(viewer, instance);
    canvas.dataset.status = instance.status;
    replace(side, waitingView(instance, viewer), incidentsView(app, instance, messages, refresh), variablesView(instance), historyView(instance, viewer));
  };

  // One read at a time; events during a read ask for one more.
  let running: Promise<void> | null = null;
  let again = false;
  function refresh(): Promise<void> {
    if (running) {
      again = true;
      return running;
    }
    running = draw().finally(() => {
      running = null;
      if (again) {
        again = false;
        void refresh();
      }
    });
    return running;
  }
  await refresh();

  const concerns = (payload: unknown) => {
    const p = payload as { instanceId?: string; id?: string } | null;
    return !!p && (p.instanceId === id || p.id === id);
  };
  const onEvent = (_event: string, payload: unknown) => concerns(payload) && void refresh();
  const offs = [app.realtime.on('instance.', onEvent), app.realtime.on('task.', onEvent), app.realtime.on('incident.', onEvent)];
  let poller: number | undefined;
  const unwatch = app.realtime.watch(`processInstance:${id}`, (watching) => {
    const was = root.dataset.watching === 'true';
    root.dataset.watching = String(watching);
    window.clearInterval(poller);
    if (!watching) poller = window.setInterval(() => void refresh(), POLL_MS);
    // Joining (again) after a gap may have missed events.
    else if (!was) void refresh();
  });
  return {
    cleanup: () => {
      offs.forEach((off) => off());
      unwatch();
      window.clearInterval(poller);
      viewer?.destroy();
    },
  };
};

function header(instance: Instance): HTMLElement {
  const label = instance.businessKey ?? instance.id.slice(0, 8);
  return h(
    'div',
    null,
    h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumbs' }, h('a', { href: '/instances' }, 'Instances'), ' / ', label),
    h('h1', null, `${instance.key}${instance.version ? ` v${instance.version}` : ''} · ${label} `, h('span', { 'data-testid': 'instance-status' }, statusBadge(instance.status))),
    h(
      'dl',
      { class: 'meta' },
      h('dt', null, 'Started'),
      h('dd', null, timeElement(instance.startedAt), instance.startedBy ? ` by ${instance.startedBy}` : ''),
      instance.endedAt ? [h('dt', null, 'Ended'), h('dd', { 'data-testid': 'instance-ended' }, timeElement(instance.endedAt), instance.endReason && instance.endReason !== 'completed' ? ` — ${instance.endReason}` : '')] : null,
      h('dt', null, 'Version'),
      h('dd', null, h('a', { href: `/versions/${instance.versionId}` }, `v${instance.version ?? '?'}`), ' ', shortHash(instance.versionSha256)),
    ),
  );
}

function legend(): HTMLElement {
  return h(
    'div',
    { class: 'legend' },
    h('span', { class: 'legend-item token-waiting' }, h('span', { class: 'swatch' }), 'token waits'),
    h('span', { class: 'legend-item path-taken' }, h('span', { class: 'swatch' }), 'path taken'),
    h('span', { class: 'legend-item has-incident' }, h('span', { class: 'swatch' }), 'incident'),
  );
}

/** Colours the diagram: markers on elements (and on flows between taken elements), token badges. */
function paint(viewer: Viewer, instance: Instance): void {
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const overlays = viewer.get('overlays');
  overlays.remove({ type: 'gemba-badge' });
  for (const element of registry.getAll()) {
    for (const marker of ['token-waiting', 'path-taken', 'has-incident']) canvas.removeMarker(element.id, marker);
  }
  const { waiting, taken, incidents } = tokenState(instance);
  const markIf = (elementId: string, marker: string) => registry.get(elementId) && canvas.addMarker(elementId, marker);
  for (const elementId of taken) markIf(elementId, 'path-taken');
  for (const element of registry.getAll()) {
    const bo = element.businessObject;
    if (element.type === 'bpmn:SequenceFlow' && bo?.sourceRef && bo?.targetRef && taken.has(bo.sourceRef.id) && (taken.has(bo.targetRef.id) || waiting.has(bo.targetRef.id) || incidents.has(bo.targetRef.id))) {
      canvas.addMarker(element.id, 'path-taken');
    }
  }
  for (const [elementId, count] of waiting) {
    if (!registry.get(elementId)) continue;
    canvas.addMarker(elementId, 'token-waiting');
    const badge = document.createElement('div');
    badge.className = 'diagram-badge token';
    badge.textContent = String(count);
    badge.title = `${count} token${count === 1 ? '' : 's'} waiting`;
    badge.dataset.elementId = elementId;
    overlays.add(elementId, 'gemba-badge', { position: { bottom: 10, left: -8 }, html: badge });
  }
  for (const elementId of incidents) {
    if (!registry.get(elementId)) continue;
    canvas.addMarker(elementId, 'has-incident');
    const badge = document.createElement('div');
    badge.className = 'diagram-badge incident';
    badge.textContent = '!';
    badge.title = 'Incident';
    badge.dataset.elementId = elementId;
    overlays.add(elementId, 'gemba-badge', { position: { top: -10, right: 10 }, html: badge });
  }
}

function actionsFor(app: App, instance: Instance, messages: HTMLElement, refresh: () => Promise<void>): HTMLElement | null {
  if (!['running', 'incident'].includes(instance.status) || !app.session.can('cancel', 'ProcessInstance')) return null;
  return h(
    'div',
    { class: 'toolbar' },
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-action': 'cancel-instance',
        onclick: async () => {
          const reason = await askReason(`Cancel ${instance.key} · ${instance.businessKey ?? instance.id.slice(0, 8)}`, { label: 'Reason for cancelling', submitLabel: 'Cancel instance' });
          if (!reason) return;
          replace(messages);
          try {
            await app.api.cancelInstance(instance.id, reason);
            toast('Instance cancelled', 'success');
          } catch (error) {
            replace(messages, problemView(error));
          }
          await refresh();
        },
      },
      'Cancel instance…',
    ),
  );
}

/** What the instance waits for: tasks, timers, service jobs and messages. */
function waitingView(instance: Instance, viewer: Viewer | null): HTMLElement | null {
  if (instance.status !== 'running' && instance.status !== 'incident') return null;
  const name = (activityId: string | null) => {
    const element = activityId && viewer ? viewer.get('elementRegistry').get(activityId) : null;
    return (element?.businessObject?.name as string | undefined) || activityId || '—';
  };
  const rows: HTMLElement[] = [];
  for (const task of instance.tasks ?? []) {
    if (task.status !== 'open' && task.status !== 'awaiting_verification') continue;
    const who = task.status === 'awaiting_verification' ? `verification of ${task.completedBy ?? 'the performer'}'s entry` : task.assignee ? `assigned to ${task.assignee}` : `offered to ${[...task.candidateGroups, ...task.candidateUsers].join(', ')}`;
    rows.push(
      h(
        'li',
        { 'data-activity': task.activityId },
        h('a', { href: `/tasks/${task.id}` }, task.name ?? task.activityId),
        h('span', { class: 'muted' }, ` · ${who}`),
        task.dueAt ? [h('span', { class: 'muted' }, ' · due '), timeElement(task.dueAt)] : null,
        task.overdue ? [' ', h('span', { class: 'due overdue' }, 'overdue')] : null,
      ),
    );
  }
  for (const timer of instance.timers ?? []) {
    if (timer.status !== 'pending') continue;
    rows.push(h('li', { 'data-activity': timer.activityId ?? '' }, `⏱ ${name(timer.activityId)} · due `, timeElement(timer.dueAt), timer.value ? h('span', { class: 'muted' }, ` (${timer.value})`) : null));
  }
  for (const job of instance.jobs ?? []) {
    if (job.status !== 'pending' && job.status !== 'running') continue;
    const target = job.connector ? `${job.connector}.${job.operation ?? ''}` : (job.topic ?? job.kind);
    rows.push(h('li', { 'data-activity': job.activityId ?? '' }, `⚙ ${name(job.activityId)} · ${target} · attempt ${job.attempts + 1} of ${job.maxAttempts}`, job.lastError ? h('span', { class: 'muted' }, ` · last error: ${job.lastError}`) : null));
  }
  for (const subscription of instance.subscriptions ?? []) {
    rows.push(h('li', { 'data-activity': subscription.activityId }, `✉ ${name(subscription.activityId)} · ${subscription.kind} “${subscription.name}”`, subscription.correlationKey ? h('span', { class: 'muted' }, ` for ${subscription.correlationKey}`) : null));
  }
  return h('section', { class: 'waiting', 'aria-label': 'Waiting for' }, h('h2', { class: 'h3' }, 'Waiting for'), rows.length ? h('ul', { 'data-testid': 'waiting-for' }, rows) : h('p', { class: 'muted' }, 'Nothing: the instance is moving on.'));
}

function retryText(outcome: RetryOutcome): string {
  switch (outcome.outcome) {
    case 'resolved':
      return 'The retry succeeded: the incident is resolved.';
    case 'jobRescheduled':
      return 'The job runs again.';
    case 'failedAgain':
      return `It failed again${outcome.message ? `: ${outcome.message}` : ''}. A new incident records the attempt.`;
    default:
      return `The retry was refused${outcome.message ? `: ${outcome.message}` : ''}.`;
  }
}

function incidentsView(app: App, instance: Instance, messages: HTMLElement, refresh: () => Promise<void>): HTMLElement | null {
  const incidents = instance.incidents ?? [];
  if (!incidents.length) return null;
  const open = incidents.filter((i) => i.status === 'open');
  const resolved = incidents.filter((i) => i.status !== 'open');
  const canRetry = app.session.can('retry', 'Incident') && (instance.status === 'running' || instance.status === 'incident');
  const item = (incident: Incident) =>
    h(
      'li',
      { class: `incident ${incident.status}`, 'data-incident-id': incident.id },
      h('strong', null, incident.activityId ?? 'instance'),
      ': ',
      h('span', { class: 'incident-message' }, incident.message ?? 'failed'),
      incident.createdAt ? [' · ', timeElement(incident.createdAt)] : null,
      incident.status !== 'open' ? h('span', { class: 'muted' }, ` · ${incident.resolution ?? 'resolved'}${incident.resolvedBy ? ` by ${incident.resolvedBy}` : ''}`) : null,
      incident.status === 'open' && canRetry
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary small',
              'data-action': 'retry',
              onclick: async (event: Event) => {
                (event.currentTarget as HTMLButtonElement).disabled = true;
                replace(messages);
                try {
                  const outcome = await app.api.retryIncident(incident.id);
                  const text = retryText(outcome);
                  replace(messages, h('p', { class: outcome.outcome === 'resolved' || outcome.outcome === 'jobRescheduled' ? 'notice' : 'problem', role: 'status', 'data-testid': 'retry-outcome', 'data-outcome': outcome.outcome }, text));
                } catch (error) {
                  replace(messages, problemView(error));
                }
                await refresh();
              },
            },
            'Retry',
          )
        : null,
    );
  return h(
    'section',
    { class: 'incidents', 'aria-label': 'Incidents' },
    h('h2', { class: 'h3' }, `Incidents${open.length ? ` (${open.length} open)` : ''}`),
    open.length ? h('ul', { 'data-testid': 'open-incidents' }, open.map(item)) : h('p', { class: 'muted' }, 'No open incident.'),
    resolved.length ? h('details', null, h('summary', null, `${resolved.length} resolved`), h('ul', null, resolved.map(item))) : null,
  );
}

function variablesView(instance: Instance): HTMLElement {
  const entries = Object.entries(instance.variables ?? {});
  return h(
    'section',
    { class: 'variables', 'aria-label': 'Variables' },
    h('h2', { class: 'h3' }, 'Variables'),
    entries.length
      ? h('dl', { class: 'details-list', 'data-testid': 'variables' }, entries.flatMap(([name, value]) => [h('dt', null, name), h('dd', { 'data-variable': name }, typeof value === 'string' ? value : JSON.stringify(value))]))
      : h('p', { class: 'muted' }, 'No variables.'),
  );
}

function duration(entry: HistoryEntry): number | null {
  if (typeof entry.durationMs === 'number') return entry.durationMs;
  return entry.endedAt ? Date.parse(entry.endedAt) - Date.parse(entry.startedAt) : null;
}

function historyView(instance: Instance, viewer: Viewer | null): HTMLElement {
  const history = [...(instance.history ?? [])].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  return h(
    'section',
    { class: 'history', 'aria-label': 'History' },
    h('h2', { class: 'h3' }, 'History'),
    history.length
      ? h(
          'ol',
          { class: 'timeline', 'data-testid': 'instance-history' },
          history.map((entry) =>
            h(
              'li',
              { 'data-activity': entry.activityId, 'data-ended': String(!!entry.endedAt) },
              timeElement(entry.startedAt),
              ' ',
              viewer ? h('button', { type: 'button', class: 'link', onclick: () => focusElement(viewer, entry.activityId) }, entry.name || entry.activityId) : entry.name || entry.activityId,
              entry.endedAt ? h('span', { class: 'muted' }, ` · ${formatDuration(duration(entry))}`) : h('span', { class: 'badge status-in_review' }, 'waiting'),
              entry.actor ? h('span', { class: 'muted' }, ` · ${entry.actor}`) : null,
              entry.outcome && entry.outcome !== 'completed' ? h('span', { class: 'muted' }, ` · ${entry.outcome}`) : null,
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'No history yet.'),
  );
}
