import { h, replace } from './dom';
import { ROLE_LABELS } from './format';
import type { Session } from './session';

export type NavItem = { path: string; label: string; visible: () => boolean };

/**
 * The frame around every page: a header with the role-based navigation, who is signed in, the
 * live-update indicator and sign-out; the <main> region pages render into; and the idle warning.
 */
export class Shell {
  readonly main: HTMLElement;
  private readonly nav: HTMLElement;
  private readonly userBox: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly live: HTMLElement;
  private readonly header: HTMLElement;

  constructor(
    root: HTMLElement,
    private readonly session: Session,
    private readonly items: NavItem[],
    private readonly onSignOut: () => void,
    private readonly onStayActive: () => void,
  ) {
    this.nav = h('ul', { class: 'nav-list' });
    this.userBox = h('div', { class: 'user-box' });
    this.live = h('span', { class: 'live-indicator', title: 'Live updates', 'data-connected': 'false' }, 'offline');
    this.banner = h('div', { class: 'idle-banner', role: 'alert', hidden: true });
    this.header = h(
      'header',
      { class: 'app-header' },
      h('a', { href: '/', class: 'brand', 'aria-label': 'Gemba home' }, 'Gemba'),
      h('nav', { 'aria-label': 'Main' }, this.nav),
      this.live,
      this.userBox,
    );
    this.main = h('main', { id: 'main', tabindex: '-1' });
    replace(root, this.header, this.banner, this.main);
    this.render();
  }

  /** Re-renders navigation and the user box after sign-in/out. */
  render(currentPath = location.pathname): void {
    const user = this.session.user;
    this.header.hidden = !user;
    replace(
      this.nav,
      ...(user ? this.items.filter((item) => item.visible()) : []).map((item) => {
        const active = currentPath === item.path || currentPath.startsWith(`${item.path}/`);
        return h('li', null, h('a', { href: item.path, class: active ? 'active' : '', 'aria-current': active ? 'page' : undefined }, item.label));
      }),
    );
    if (!user) {
      replace(this.userBox);
      return;
    }
    replace(
      this.userBox,
      h('span', { class: 'user-name', 'data-testid': 'current-user' }, user.printedName),
      h('span', { class: 'user-roles' }, user.roles.map((r) => ROLE_LABELS[r] ?? r).join(', ')),
      h('button', { type: 'button', class: 'secondary small', onclick: this.onSignOut }, 'Sign out'),
    );
  }

  setLive(connected: boolean): void {
    this.live.dataset.connected = String(connected);
    this.live.textContent = connected ? 'live' : 'offline';
    this.live.title = connected ? 'Live updates are on' : 'Live updates are off (reconnecting)';
  }

  /** Warns that the idle timeout is near, with a button that keeps the session. */
  warnIdle(secondsLeft: number): void {
    replace(
      this.banner,
      `You will be signed out in about ${secondsLeft} seconds because nothing happened for a while. `,
      h(
        'button',
        {
          type: 'button',
          class: 'primary small',
          onclick: () => {
            this.banner.hidden = true;
            this.onStayActive();
          },
        },
        'Stay signed in',
      ),
    );
    this.banner.hidden = false;
    const hide = () => {
      this.banner.hidden = true;
      window.removeEventListener('pointerdown', hide, true);
      window.removeEventListener('keydown', hide, true);
    };
    window.addEventListener('pointerdown', hide, true);
    window.addEventListener('keydown', hide, true);
  }

  /** Moves focus to the page (for keyboard and screen-reader users after navigation). */
  focusMain(): void {
    this.main.focus({ preventScroll: true });
  }
}
