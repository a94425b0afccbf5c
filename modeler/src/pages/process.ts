import type { PageMount } from '../app/context';
import { h, replace, shortHash, statusBadge } from '../app/dom';
import { timeElement } from '../app/format';
import type { ProcessVersion, Signature } from '../app/types';
import { problemView } from '../components/problem-view';

/** Who signed what and when: printed name, meaning and time, all three as C08 requires. */
export function signatureList(signatures: Signature[]): HTMLElement {
  if (!signatures.length) return h('span', { class: 'muted' }, 'no signatures');
  return h(
    'ul',
    { class: 'signatures' },
    signatures.map((s) =>
      h(
        'li',
        { class: s.valid ? '' : 'invalid' },
        h('strong', null, s.meaning),
        ' by ',
        s.printedName,
        ', ',
        timeElement(s.signedAt),
        s.valid ? null : h('span', { class: 'badge status-rejected', title: 'The record changed after it was signed' }, 'invalid'),
      ),
    ),
  );
}

/** What a person may do with a version, as links. */
function versionActions(version: ProcessVersion, can: (action: string, subject: string) => boolean): HTMLElement {
  const links: HTMLElement[] = [h('a', { href: `/versions/${version.id}`, class: 'button small secondary' }, version.status === 'draft' && can('update', 'ProcessVersion') ? 'Edit' : 'Open')];
  if (['in_review', 'approved'].includes(version.status)) {
    links.push(h('a', { href: `/versions/${version.id}/review`, class: 'button small secondary' }, 'Review'));
  }
  return h('div', { class: 'row-actions' }, links);
}

/** One process key: all its versions with status, hash, reason and signatures. */
export const mount: PageMount = async (main, match, app) => {
  const key = match.params.key;
  const body = h('div', null, h('p', { class: 'loading', role: 'status' }, 'Loading versions…'));
  replace(main, h('nav', { class: 'breadcrumbs', 'aria-label': 'Breadcrumbs' }, h('a', { href: '/processes' }, 'Processes'), ' / ', key), h('h1', null, key), body);
  try {
    const page = await app.api.versions({ key });
    const versions = [...page.items].sort((a, b) => b.version - a.version);
    const can = (action: string, subject: string) => app.session.can(action, subject);
    replace(
      body,
      versions[0]?.name ? h('p', { class: 'lead' }, versions[0].name) : null,
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { class: 'data-table', 'data-testid': 'version-table' },
          h('caption', { class: 'sr-only' }, `Versions of ${key}`),
          h(
            'thead',
            null,
            h('tr', null, ['Version', 'Status', 'Content hash', 'Change reason', 'Signatures', 'Updated', ''].map((t) => h('th', { scope: 'col' }, t))),
          ),
          h(
            'tbody',
            null,
            versions.map((v) =>
              h(
                'tr',
                { 'data-version': String(v.version), 'data-status': v.status },
                h('td', null, `v${v.version}`),
                h('td', null, statusBadge(v.status)),
                h('td', null, shortHash(v.sha256)),
                h('td', { class: 'reason' }, v.changeReason),
                h('td', null, signatureList(v.signatures)),
                h('td', null, timeElement(v.updatedAt)),
                h('td', null, versionActions(v, can)),
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
