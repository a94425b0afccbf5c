import type { Api } from './api';
import type { Realtime } from './realtime';
import type { MountedPage, RouteMatch, Router } from './router';
import type { Session } from './session';

/** The services every page receives. */
export type App = {
  api: Api;
  session: Session;
  realtime: Realtime;
  router: Router;
  navigate: (path: string, options?: { replace?: boolean }) => Promise<void>;
};

/** A page module's entry: render into `main`, return the cleanup (and an unsaved-work check). */
export type PageMount = (main: HTMLElement, match: RouteMatch, app: App) => Promise<MountedPage | void>;
