import { io, type Socket } from 'socket.io-client';
import type { Session } from './session';

type Handler = (event: string, payload: unknown) => void;
type WatchListener = (watching: boolean) => void;

/**
 * The socket.io connection at /socket.io, authenticated with the session's bearer token. The
 * server sends committed domain events to the rooms of their audience (server/realtime/socket.ts):
 * `task.created|assigned|unassigned|performed|completed|cancelled` (payload: the task) to the
 * task's roles, candidate users and assignee; `instance.updated` (`{id, key, status}`) and
 * `incident.created` to the rooms `instances` and `processInstance:<id>`, which a socket joins
 * only on request: `watch(room)` sends `subscribe {room}` and repeats it after every reconnect.
 * Screens subscribe to events by name prefix (`task.`).
 */
export class Realtime {
  private socket: Socket | null = null;
  private handlers = new Set<{ prefix: string; handler: Handler }>();
  private statusListeners = new Set<(connected: boolean) => void>();
  private rooms = new Map<string, Set<WatchListener>>();

  constructor(private readonly session: Session) {
    session.subscribe((ended) => (ended ? this.disconnect() : this.connect()));
    if (session.token) this.connect();
  }

  get connected(): boolean {
    return !!this.socket?.connected;
  }

  /** Calls `handler` for every event whose name starts with `prefix`; returns the unsubscribe. */
  on(prefix: string, handler: Handler): () => void {
    const entry = { prefix, handler };
    this.handlers.add(entry);
    return () => this.handlers.delete(entry);
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.statusListeners.add(listener);
    listener(this.connected);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Joins a watched room (`instances`, `processInstance:<id>`) now and after every reconnect; the
   * server admits it when the user may read what it carries. `listener` hears whether the room is
   * joined (false while offline or when refused). Returns the release.
   */
  watch(room: string, listener: WatchListener = () => undefined): () => void {
    const listeners = this.rooms.get(room) ?? new Set<WatchListener>();
    listeners.add(listener);
    this.rooms.set(room, listeners);
    if (this.socket?.connected) this.join(room);
    else listener(false);
    return () => {
      listeners.delete(listener);
      if (listeners.size) return;
      this.rooms.delete(room);
      if (this.socket?.connected) this.socket.emit('unsubscribe', { room });
    };
  }

  private join(room: string): void {
    const socket = this.socket;
    if (!socket) return;
    socket.timeout(10_000).emit('subscribe', { room }, (error: Error | null, answer?: { ok: boolean }) => {
      if (socket !== this.socket) return;
      const joined = !error && !!answer?.ok;
      for (const listener of this.rooms.get(room) ?? []) listener(joined);
    });
  }

  private connect(): void {
    this.disconnect();
    const token = this.session.token;
    if (!token) return;
    const socket = io({ path: '/socket.io', auth: { token }, transports: ['websocket', 'polling'], reconnectionDelayMax: 10_000 });
    socket.onAny((event: string, payload: unknown) => {
      for (const { prefix, handler } of this.handlers) if (event.startsWith(prefix)) handler(event, payload);
    });
    socket.on('connect', () => {
      for (const room of this.rooms.keys()) this.join(room);
      this.emitStatus(true);
    });
    socket.on('disconnect', () => this.emitStatus(false));
    socket.on('connect_error', () => this.emitStatus(false));
    this.socket = socket;
  }

  private disconnect(): void {
    if (!this.socket) return;
    this.socket.removeAllListeners();
    this.socket.disconnect();
    this.socket = null;
    this.emitStatus(false);
  }

  private emitStatus(connected: boolean): void {
    if (!connected) for (const listeners of this.rooms.values()) for (const listener of listeners) listener(false);
    for (const listener of this.statusListeners) listener(connected);
  }
}
