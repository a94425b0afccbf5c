import type { PageMount } from '../app/context';
import { h, replace, shortHash, statusBadge } from '../app/dom';
import { timeElement } from '../app/format';
import { problemView } from '../components/problem-view';

/** Versions waiting for a reviewer (in review) and for release (approved); refreshed live. */
export const mount: PageMount = async (main, _match, app) => {
  const body = h('div', null, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  replace(main, h('h1', null, 'Review queue'), body);

  const load = async () => {
    try {
      const [review, approved] = await Promise.all([app.api.versions({ status: 'in_review' }), app.api.versions({ status: 'approved' })]);
      const rows = [...review.items, ...approved.items].sort((a, b) => (a.submittedAt ?? '').localeCompare(b.submittedAt ?? ''));
      replace(
        body,
        rows.length
          ? h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'data-table', 'data-testid': 'review-queue' },
                h('thead', null, h('tr', null, ['Process', 'Version', 'Status', 'Content hash', 'Change reason', 'Submitted', ''].map((t) => h('th', { scope: 'col' }, t)))),
                h(
                  'tbody',
                  null,
                  rows.map((v) =>
                    h(
                      'tr',
                      { 'data-key': v.key },
                      h('td', null, v.name || v.key),
                      h('td', null, `v${v.version}`),
                      h('td', null, statusBadge(v.status)),
                      h('td', null, shortHash(v.sha256)),
                      h('td', { class: 'reason' }, v.changeReason),
                      h('td', null, timeElement(v.submittedAt)),
                      h('td', null, h('a', { class: 'button small primary', href: `/versions/${v.id}/review` }, 'Review')),
                    ),
                  ),
                ),
              ),
            )
          : h('p', { class: 'empty' }, 'Nothing waits for review.'),
      );
    } catch (error) {
      replace(body, problemView(error));
    }
  };
  await load();
  const off = app.realtime.on('processVersion.', () => void load());
  return { cleanup: off };
};
