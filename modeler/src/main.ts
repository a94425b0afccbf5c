import './styles/app.css';
import { Api } from './app/api';
import type { App, PageMount } from './app/context';
import { h, replace } from './app/dom';
import { Realtime } from './app/realtime';
import { Router, type RouteMatch } from './app/router';
import { Session, type EndReason } from './app/session';
import { Shell, type NavItem } from './app/shell';

/**
 * Boot: the session (restored from sessionStorage), the API client, the socket, the shell with
 * role-based navigation, and the routes. Pages are loaded on demand so the BPMN and form editors
 * are fetched only by the pages that need them.
 */

const session = new Session();
const api = new Api(session);
const realtime = new Realtime(session);
const router = new Router();
const navigate = (path: string, options?: { replace?: boolean }) => router.navigate(path, options);
const app: App = { api, session, realtime, router, navigate };

const can = (action: string, subject: string) => () => session.can(action, subject);

const NAV: NavItem[] = [
  { path: '/tasks', label: 'Tasks', visible: can('complete', 'UserTask') },
  { path: '/review', label: 'Review', visible: can('approve', 'ProcessVersion') },
  { path: '/processes', label: 'Processes', visible: can('read', 'ProcessVersion') },
  { path: '/instances', label: 'Instances', visible: can('read', 'ProcessInstance') },
  { path: '/dashboard', label: 'Dashboard', visible: can('read', 'Kpi') },
];

let endReason: EndReason | null = null;

const shell = new Shell(
  document.getElementById('app') as HTMLElement,
  session,
  NAV,
  () => void signOut(),
  () => void api.me().catch(() => undefined),
);

/** The first page of each role. */
function homePath(): string {
  if (session.hasRole('operator', 'inspector')) return '/tasks';
  if (session.hasRole('validation_reviewer')) return '/review';
  if (session.hasRole('process_owner')) return '/processes';
  if (session.hasRole('quality', 'supervisor')) return '/tasks';
  return '/processes';
}

async function signOut(): Promise<void> {
  await api.logout().catch(() => undefined);
  session.end('signed-out');
}

function page(loader: () => Promise<{ mount: PageMount }>) {
  return async (match: RouteMatch) => {
    shell.render(match.path);
    replace(shell.main, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
    try {
      const module = await loader();
      replace(shell.main);
      const mounted = await module.mount(shell.main, match, app);
      shell.focusMain();
      return mounted;
    } catch (error) {
      const { problemView } = await import('./components/problem-view');
      replace(shell.main, h('h1', null, 'This page could not be shown'), problemView(error));
      return undefined;
    }
  };
}

router
  .add({ pattern: '/signin', title: 'Sign in', public: true, load: async (match) => {
    shell.render(match.path);
    const { mountSignIn } = await import('./pages/sign-in');
    return mountSignIn(shell.main, { api, session, reason: endReason, next: match.query.get('next'), onSignedIn: (next) => void navigate(next ?? homePath(), { replace: true }) });
  } })
  .add({ pattern: '/', title: 'Home', load: async () => void navigate(homePath(), { replace: true }) })
  .add({ pattern: '/processes', title: 'Processes', allow: can('read', 'ProcessVersion'), load: page(() => import('./pages/catalogue')) })
  .add({ pattern: '/processes/new', title: 'New process', allow: can('create', 'ProcessVersion'), load: page(() => import('./pages/version')) })
  .add({ pattern: '/processes/:key', title: 'Process', allow: can('read', 'ProcessVersion'), load: page(() => import('./pages/process')) })
  .add({ pattern: '/versions/:id', title: 'Process version', allow: can('read', 'ProcessVersion'), load: page(() => import('./pages/version')) })
  .add({ pattern: '/versions/:id/review', title: 'Review', allow: can('read', 'ProcessVersion'), load: page(() => import('./pages/review')) })
  .add({ pattern: '/review', title: 'Review queue', allow: can('approve', 'ProcessVersion'), load: page(() => import('./pages/review-queue')) })
  .add({ pattern: '/tasks', title: 'Tasks', allow: can('read', 'UserTask'), load: page(() => import('./pages/tasks')) })
  .add({ pattern: '/tasks/:id', title: 'Task', allow: can('read', 'UserTask'), load: page(() => import('./pages/task')) })
  .add({ pattern: '/instances', title: 'Instances', allow: can('read', 'ProcessInstance'), load: page(() => import('./pages/instances')) })
  .add({ pattern: '/instances/:id', title: 'Instance', allow: can('read', 'ProcessInstance'), load: page(() => import('./pages/instance')) })
  .add({ pattern: '/dashboard', title: 'Dashboard', allow: can('read', 'Kpi'), load: page(() => import('./pages/dashboard')) });

router.onNavigate = (route, match) => {
  if (route?.public || session.token) return true;
  const next = match.path === '/' ? '' : `?next=${encodeURIComponent(match.path + (match.query.size ? `?${match.query}` : ''))}`;
  void navigate(`/signin${next}`, { replace: true });
  return false;
};
router.onNotFound = (path) => {
  shell.render(path);
  replace(shell.main, h('h1', null, 'Not found'), h('p', null, 'There is no page at ', h('code', null, path), '. ', h('a', { href: '/' }, 'Go home')));
};
router.onForbidden = (route) => {
  shell.render();
  replace(shell.main, h('h1', null, route.title), h('p', { role: 'alert' }, 'Your roles do not allow this page. ', h('a', { href: '/' }, 'Go home')));
};

session.onIdleWarning = (seconds) => shell.warnIdle(seconds);
// A session that timed out here ends on the server too (C13), even if the server's own idle
// clock has not run out yet.
session.onEnd = (token, reason) => {
  if (reason === 'idle') void api.request('POST', '/auth/logout', { token }).catch(() => undefined);
};
session.subscribe((reason) => {
  shell.render();
  if (reason) {
    endReason = reason;
    const here = location.pathname + location.search;
    void navigate(here.startsWith('/signin') ? here : `/signin?next=${encodeURIComponent(here)}`, { replace: true });
  } else {
    endReason = null;
  }
});
realtime.onStatus((connected) => shell.setLive(connected));

// The server ends a session after the same idle time; while the person is working without
// calling the API (drawing in the modeler), tell the server now and then that they are there.
window.setInterval(() => {
  if (session.token && session.idleMs() < 60_000) void api.me().catch(() => undefined);
}, 120_000);

// A restored session may have ended on the server meanwhile: check it, then route.
if (session.token) {
  void api
    .me()
    .then(() => router.reload())
    .catch(() => router.reload());
} else {
  void router.reload();
}
