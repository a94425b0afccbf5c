import type { LoginResult, Permission, User } from './types';

/**
 * The signed-in session: the bearer token (kept in sessionStorage, so it dies with the tab and is
 * never shared across tabs or written to localStorage), the user, their permissions, and the idle
 * timeout the server enforces. The idle clock runs on the person's own input (pointer, keys,
 * touch): when it runs out the session is ended here and on the server (C13).
 */

const STORAGE_KEY = 'gemba.session';
const ACTIVITY_EVENTS = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

export type SessionState = {
  token: string;
  user: User;
  expiresAt: string;
  idleTimeoutSeconds: number;
  permissions: Permission[];
};

type Listener = (reason: EndReason | null) => void;
export type EndReason = 'idle' | 'expired' | 'signed-out' | 'revoked';

/** The one session of the tab. */
export class Session {
  private state: SessionState | null = null;
  private lastActivity = Date.now();
  private timer: number | undefined;
  private listeners = new Set<Listener>();
  private warned = false;
  /** Called with the ending session's token (so the server can be told), before listeners run. */
  onEnd: ((token: string, reason: EndReason) => void) | null = null;
  /** Called shortly before the idle timeout, so the shell can warn; returns nothing. */
  onIdleWarning: ((secondsLeft: number) => void) | null = null;

  constructor(private readonly storage: Storage = window.sessionStorage) {
    const saved = storage.getItem(STORAGE_KEY);
    if (saved) {
      try {
        const parsed = JSON.parse(saved) as SessionState & { lastActivity?: number };
        this.state = parsed;
        this.lastActivity = parsed.lastActivity ?? Date.now();
      } catch {
        storage.removeItem(STORAGE_KEY);
      }
    }
    for (const name of ACTIVITY_EVENTS) window.addEventListener(name, this.touch, { passive: true, capture: true });
    if (this.state) {
      if (this.idleMsLeft() <= 0) this.end('idle');
      else this.arm();
    }
  }

  get current(): SessionState | null {
    return this.state;
  }

  get token(): string | null {
    return this.state?.token ?? null;
  }

  get user(): User | null {
    return this.state?.user ?? null;
  }

  /** True when the user's permissions include `action` on `subject`. */
  can(action: string, subject: string): boolean {
    return !!this.state?.permissions.some((p) => (p.action === action || p.action === 'manage') && (p.subject === subject || p.subject === 'all'));
  }

  hasRole(...roles: string[]): boolean {
    return !!this.state?.user.roles.some((role) => roles.includes(role));
  }

  /** Starts a session from a login answer and the caller's permissions. */
  start(login: LoginResult, permissions: Permission[]): void {
    this.state = { token: login.token, user: login.user, expiresAt: login.expiresAt, idleTimeoutSeconds: login.idleTimeoutSeconds, permissions };
    this.lastActivity = Date.now();
    this.persist();
    this.arm();
    this.emit(null);
  }

  /** Ends the session locally (the caller tells the server, when it still can). */
  end(reason: EndReason): void {
    if (!this.state) return;
    const token = this.state.token;
    this.state = null;
    this.onEnd?.(token, reason);
    this.storage.removeItem(STORAGE_KEY);
    window.clearTimeout(this.timer);
    this.emit(reason);
  }

  /** Subscribes to session start (null) and end (a reason). */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Milliseconds until the idle timeout ends the session. */
  idleMsLeft(): number {
    if (!this.state) return 0;
    return this.lastActivity + this.state.idleTimeoutSeconds * 1000 - Date.now();
  }

  /** Milliseconds since the person last touched the app. */
  idleMs(): number {
    return Date.now() - this.lastActivity;
  }

  private touch = (): void => {
    if (!this.state) return;
    this.lastActivity = Date.now();
    this.warned = false;
    // Writing storage on every key press is wasteful; once every few seconds is plenty.
    if (!this.persistQueued) {
      this.persistQueued = true;
      window.setTimeout(() => {
        this.persistQueued = false;
        this.persist();
      }, 5000);
    }
  };

  private persistQueued = false;

  private persist(): void {
    if (this.state) this.storage.setItem(STORAGE_KEY, JSON.stringify({ ...this.state, lastActivity: this.lastActivity }));
  }

  private arm(): void {
    window.clearTimeout(this.timer);
    const tick = () => {
      if (!this.state) return;
      const left = this.idleMsLeft();
      if (left <= 0) {
        this.end('idle');
        return;
      }
      if (left <= 60_000 && !this.warned) {
        this.warned = true;
        this.onIdleWarning?.(Math.ceil(left / 1000));
      }
      this.timer = window.setTimeout(tick, Math.min(left, 1000));
    };
    tick();
  }

  private emit(reason: EndReason | null): void {
    for (const listener of this.listeners) listener(reason);
  }
}
