import type { PageMount } from '../app/context';
import { field, h, replace, statusBadge } from '../app/dom';
import { formatDuration, timeElement } from '../app/format';
import type { Instance } from '../app/types';
import { problemView } from '../components/problem-view';

const STATUSES = ['running', 'incident', 'completed', 'cancelled'];
const PAGE = 50;

/**
 * The instance monitor: instances filtered by process, status and business key, newest first,
 * a page at a time. Live: it watches the room `instances` and reads the page again when an
 * instance starts, moves or ends.
 */
export const mount: PageMount = async (main, match, app) => {
  const key = h('select', { name: 'key' }, h('option', { value: '' }, 'All processes'));
  const status = h('select', { name: 'status' }, h('option', { value: '' }, 'Any status'), STATUSES.map((s) => h('option', { value: s }, s)));
  const businessKey = h('input', { name: 'businessKey', type: 'search', maxlength: 200, autocomplete: 'off' });
  key.value = match.query.get('key') ?? '';
  status.value = match.query.get('status') ?? '';
  businessKey.value = match.query.get('businessKey') ?? '';
  let offset = Math.max(0, Number(match.query.get('offset')) || 0);
  const results = h('div', { 'data-testid': 'instance-results', 'aria-live': 'polite', 'aria-busy': 'true' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter instances' },
    field('Process', key),
    field('Status', status),
    field('Business key', businessKey),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'),
  );
  replace(main, h('h1', null, 'Instances'), form, results);

  app.api
    .processes()
    .then((processes) => {
      const selected = key.value;
      key.append(...processes.map((p) => h('option', { value: p.key }, p.name ? `${p.name} (${p.key})` : p.key)));
      key.value = selected;
    })
    .catch(() => undefined);

  const row = (i: Instance) =>
    h(
      'tr',
      { 'data-instance-id': i.id, 'data-status': i.status },
      h('td', null, i.businessKey ?? h('span', { class: 'muted' }, '—')),
      h('td', null, i.key),
      h('td', null, statusBadge(i.status)),
      h('td', null, timeElement(i.startedAt), i.startedBy ? h('div', { class: 'muted small-text' }, i.startedBy) : null),
      h('td', null, i.endedAt ? [timeElement(i.endedAt), h('div', { class: 'muted small-text' }, formatDuration(Date.parse(i.endedAt) - Date.parse(i.startedAt)))] : h('span', { class: 'muted' }, '—')),
      h('td', null, h('a', { href: `/instances/${i.id}`, class: 'button small secondary', 'aria-label': `Open ${i.key} ${i.businessKey ?? i.id.slice(0, 8)}` }, 'Open')),
    );

  const load = async () => {
    try {
      const page = await app.api.instances({ key: key.value || undefined, status: status.value || undefined, businessKey: businessKey.value.trim() || undefined, limit: PAGE, offset });
      results.setAttribute('aria-busy', 'false');
      const from = page.items.length ? offset + 1 : 0;
      const pager = h(
        'div',
        { class: 'toolbar pager' },
        h('button', { type: 'button', class: 'secondary', disabled: offset === 0, onclick: () => go(Math.max(0, offset - PAGE)) }, 'Newer'),
        h('span', { class: 'muted' }, `${from}–${offset + page.items.length} of ${page.total}`),
        h('button', { type: 'button', class: 'secondary', disabled: offset + page.items.length >= page.total, onclick: () => go(offset + PAGE) }, 'Older'),
      );
      replace(
        results,
        page.items.length
          ? [
              h(
                'div',
                { class: 'table-wrap' },
                h(
                  'table',
                  { class: 'data-table' },
                  h('caption', { class: 'sr-only' }, `${page.total} instance${page.total === 1 ? '' : 's'}`),
                  h('thead', null, h('tr', null, ['Business key', 'Process', 'Status', 'Started', 'Ended', ''].map((t) => h('th', { scope: 'col' }, t)))),
                  h('tbody', null, page.items.map(row)),
                ),
              ),
              page.total > PAGE ? pager : null,
            ]
          : h('p', { class: 'empty' }, 'No instances match.'),
      );
    } catch (error) {
      replace(results, problemView(error));
    }
  };

  const updateUrl = () => {
    const query = new URLSearchParams();
    if (key.value) query.set('key', key.value);
    if (status.value) query.set('status', status.value);
    if (businessKey.value.trim()) query.set('businessKey', businessKey.value.trim());
    if (offset) query.set('offset', String(offset));
    history.replaceState(null, '', `/instances${query.size ? `?${query}` : ''}`);
  };
  const go = (next: number) => {
    offset = next;
    updateUrl();
    void load();
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    go(0);
  });
  await load();

  let pending: number | undefined;
  const reload = () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(() => void load(), 250);
  };
  const off = app.realtime.on('instance.', reload);
  const unwatch = app.realtime.watch('instances', (watching) => watching && reload());
  return { cleanup: () => (off(), unwatch(), window.clearTimeout(pending)) };
};
