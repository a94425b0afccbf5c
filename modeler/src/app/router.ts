/**
 * A small history-API router: paths like `/versions/:id/review`, pages loaded lazily (so the
 * heavy editors are only fetched by the pages that use them), one page mounted at a time with
 * a cleanup when it leaves, and an optional "leave this page?" check for unsaved work.
 */

export type RouteMatch = { params: Record<string, string>; query: URLSearchParams; path: string };

export type MountedPage = { cleanup?: () => void; canLeave?: () => boolean | Promise<boolean> };

export type Route = {
  pattern: string;
  title: string;
  /** Loads and mounts the page; resolves with its cleanup. */
  load: (match: RouteMatch) => Promise<MountedPage | void>;
  /** Who may open it; a route without `allow` is open to every signed-in user. */
  allow?: () => boolean;
  public?: boolean;
};

type Compiled = Route & { regex: RegExp; names: string[] };

export class Router {
  private routes: Compiled[] = [];
  private current: MountedPage | null = null;
  private navigation = 0;
  onNotFound: (path: string) => void = () => undefined;
  onForbidden: (route: Route) => void = () => undefined;
  onNavigate: (route: Route | null, match: RouteMatch) => boolean = () => true;

  constructor() {
    window.addEventListener('popstate', () => void this.resolve(location.pathname + location.search));
    document.addEventListener('click', (event) => {
      const anchor = (event.target as Element | null)?.closest?.('a[href]') as HTMLAnchorElement | null;
      if (!anchor || anchor.target || anchor.hasAttribute('download') || event.defaultPrevented) return;
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      const url = new URL(anchor.href, location.href);
      if (url.origin !== location.origin || url.pathname.startsWith('/api/')) return;
      event.preventDefault();
      void this.navigate(url.pathname + url.search);
    });
  }

  add(route: Route): this {
    const names: string[] = [];
    const source = route.pattern.replace(/\/:([a-zA-Z]+)/g, (_, name: string) => {
      names.push(name);
      return '/([^/]+)';
    });
    this.routes.push({ ...route, regex: new RegExp(`^${source}/?$`), names });
    return this;
  }

  /** Goes to `path` (pushes history unless `replace`). */
  async navigate(path: string, options: { replace?: boolean } = {}): Promise<void> {
    if (this.current?.canLeave && !(await this.current.canLeave())) return;
    if (options.replace) history.replaceState(null, '', path);
    else if (path !== location.pathname + location.search) history.pushState(null, '', path);
    await this.resolve(path);
  }

  /** Re-renders the current location. */
  reload(): Promise<void> {
    return this.resolve(location.pathname + location.search);
  }

  private async resolve(fullPath: string): Promise<void> {
    const url = new URL(fullPath, location.origin);
    const path = url.pathname;
    const found = this.match(path);
    const match: RouteMatch = { params: found?.params ?? {}, query: url.searchParams, path };
    if (!this.onNavigate(found?.route ?? null, match)) return;
    if (!found) {
      this.unmount();
      this.onNotFound(path);
      return;
    }
    if (found.route.allow && !found.route.allow()) {
      this.unmount();
      this.onForbidden(found.route);
      return;
    }
    this.unmount();
    const ticket = ++this.navigation;
    document.title = `${found.route.title} · Gemba`;
    const mounted = await found.route.load(match);
    if (ticket !== this.navigation) {
      mounted?.cleanup?.();
      return;
    }
    this.current = mounted ?? null;
  }

  private unmount(): void {
    this.current?.cleanup?.();
    this.current = null;
  }

  private match(path: string): { route: Compiled; params: Record<string, string> } | null {
    for (const route of this.routes) {
      const result = route.regex.exec(path);
      if (result) {
        const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(result[i + 1])]));
        return { route, params };
      }
    }
    return null;
  }
}
