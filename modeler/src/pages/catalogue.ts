import type { PageMount } from '../app/context';
import { h, replace, statusBadge } from '../app/dom';
import { formatTime } from '../app/format';
import { problemView } from '../components/problem-view';

/** The process catalogue: every process key with its released and latest version. */
export const mount: PageMount = async (main, _match, app) => {
  const body = h('div', null, h('p', { class: 'loading', role: 'status' }, 'Loading processes…'));
  replace(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', null, 'Processes'),
      app.session.can('create', 'ProcessVersion') ? h('a', { href: '/processes/new', class: 'button primary' }, 'New process') : null,
    ),
    body,
  );
  try {
    const processes = await app.api.processes();
    if (!processes.length) {
      replace(body, h('p', { class: 'empty' }, 'No processes yet.'));
      return;
    }
    replace(
      body,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data-table', 'data-testid': 'process-table' },
          h('caption', { class: 'sr-only' }, 'Process keys with their released and latest versions'),
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Process'), h('th', { scope: 'col' }, 'Key'), h('th', { scope: 'col' }, 'Released'), h('th', { scope: 'col' }, 'Latest'))),
          h(
            'tbody',
            null,
            processes.map((p) =>
              h(
                'tr',
                { 'data-key': p.key },
                h('td', null, h('a', { href: `/processes/${encodeURIComponent(p.key)}` }, p.name || p.key)),
                h('td', null, h('code', null, p.key)),
                h('td', null, p.released ? [`v${p.released.version}`, h('span', { class: 'muted' }, ` · ${formatTime(p.released.releasedAt)}`)] : h('span', { class: 'muted' }, 'none')),
                h('td', null, `v${p.latest.version} `, statusBadge(p.latest.status)),
              ),
            ),
          ),
        ),
      ),
    );
  } catch (error) {
    replace(body, problemView(error));
  }
};
