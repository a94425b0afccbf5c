import type { Api } from '../app/api';
import { field, h, replace } from '../app/dom';
import type { MountedPage } from '../app/router';
import type { EndReason, Session } from '../app/session';
import { problemView } from '../components/problem-view';

const REASONS: Record<EndReason, string> = {
  idle: 'You were signed out because nothing happened for a while. Sign in again to go on.',
  expired: 'Your session has ended. Sign in again to go on.',
  'signed-out': 'You are signed out.',
  revoked: 'Your session was ended by an administrator.',
};

/**
 * Sign-in with user name and password. After an administrator reset the server requires a new
 * password before anything else; the same page asks for it.
 */
export async function mountSignIn(
  main: HTMLElement,
  options: { api: Api; session: Session; reason: EndReason | null; next: string | null; onSignedIn: (next: string | null) => void },
): Promise<MountedPage> {
  const { api, session } = options;
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const errors = h('div', { 'aria-live': 'assertive' });
  const submit = h('button', { type: 'submit', class: 'primary wide' }, 'Sign in');
  // Only same-site paths are followed after sign-in (never an absolute URL from the query).
  const next = options.next && options.next.startsWith('/') && !options.next.startsWith('//') ? options.next : null;

  const form = h(
    'form',
    { class: 'signin-form', novalidate: true },
    h('h1', null, 'Sign in to Gemba'),
    options.reason ? h('p', { class: 'notice', role: 'status' }, REASONS[options.reason]) : null,
    field('User name', username),
    field('Password', password),
    errors,
    submit,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    submit.disabled = true;
    replace(errors);
    try {
      const login = await api.login(username.value.trim(), password.value);
      password.value = '';
      // The permissions decide the navigation; they come from /me with the new token.
      const me = await api.me(login.token);
      session.start(login, me.permissions);
      if (login.user.passwordMustChange) {
        renderChangePassword(main, api, () => options.onSignedIn(next));
        return;
      }
      options.onSignedIn(next);
    } catch (error) {
      replace(errors, problemView(error));
      submit.disabled = false;
      password.focus();
    }
  });
  replace(main, h('section', { class: 'signin' }, form));
  username.focus();
  return {};
}

function renderChangePassword(main: HTMLElement, api: Api, done: () => void): void {
  const current = h('input', { type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const errors = h('div', { 'aria-live': 'assertive' });
  const form = h(
    'form',
    { class: 'signin-form', novalidate: true },
    h('h1', null, 'Choose a new password'),
    h('p', null, 'Your password was reset by an administrator. Choose your own before you go on.'),
    field('Current password', current),
    field('New password', next),
    errors,
    h('button', { type: 'submit', class: 'primary wide' }, 'Change password'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    try {
      await api.request('POST', '/auth/password', { body: { currentPassword: current.value, newPassword: next.value } });
      done();
    } catch (error) {
      replace(errors, problemView(error));
    }
  });
  replace(main, h('section', { class: 'signin' }, form));
  current.focus();
}
