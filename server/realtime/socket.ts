import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { z } from 'zod';
import { subject } from '@casl/ability';
import { defineAbilityFor } from '../auth/abilities';
import type { UserActor } from '../auth/actor';
import { findInstance } from '../repos/process-instances.repo';
import { authenticateToken } from '../auth/authenticate';
import type { PublishedEvent } from '../events/domain-event';
import type { AppDeps } from '../http/context';
import { createClusterAdapter } from '../cluster/realtime-adapter';

export const roomOfUser = (id: string) => `user:${id}`;
export const roomOfRole = (role: string) => `role:${role}`;
const roomOfSession = (id: string) => `session:${id}`;

// Events after which a session, or every session of a user, must stop receiving anything.
const ENDS_SESSION = new Set(['session.ended', 'session.expired']);
const ENDS_USER_SESSIONS = new Set(['user.locked', 'user.deactivated', 'user.passwordReset']);

export type Realtime = { io: Server; close(): Promise<void> };

/**
 * socket.io on the API's HTTP server. The handshake carries the same bearer token as the API
 * (`auth: { token }`); each socket joins its user's and its roles' rooms. Committed domain events
 * with an audience are sent to those rooms only, under the event's name. On PostgreSQL the rooms
 * span the cluster: an event committed on one node reaches the room's sockets on every node.
 */
export function attachRealtime(httpServer: HttpServer, deps: AppDeps): Realtime {
  const cluster = deps.database.kind === 'postgresql' ? createClusterAdapter(deps.config.database, deps.logger) : undefined;
  const io = new Server(httpServer, {
    path: '/socket.io',
    serveClient: false,
    ...(cluster ? { adapter: cluster.adapter } : {}),
    ...(deps.config.http.corsOrigin ? { cors: { origin: deps.config.http.corsOrigin } } : {}),
  });

  io.use(async (socket, next) => {
    const token = handshakeToken(socket);
    if (!token) return next(Object.assign(new Error('unauthenticated'), { data: { code: 'unauthenticated' } }));
    try {
      socket.data.actor = await authenticateToken(deps, token, { ip: socket.handshake.address, requestId: `socket:${socket.id}` });
      next();
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'unauthenticated';
      next(Object.assign(new Error(code), { data: { code } }));
    }
  });

  io.on('connection', (socket) => {
    const actor = socket.data.actor as UserActor;
    void socket.join([roomOfUser(actor.id), `username:${actor.username}`, roomOfSession(actor.sessionId), ...actor.roles.map(roomOfRole)]);
    socket.on('subscribe', (payload: unknown, ack?: (answer: { ok: boolean; error?: string }) => void) => {
      void joinWatchedRoom(deps, socket, actor, payload).then(
        (answer) => (typeof ack === 'function' ? ack(answer) : undefined),
        () => (typeof ack === 'function' ? ack({ ok: false, error: 'internal' }) : undefined),
      );
    });
    socket.on('unsubscribe', (payload: unknown) => {
      const parsed = roomRequest.safeParse(payload);
      if (parsed.success) void socket.leave(parsed.data.room);
    });
  });

  // The events of one commit are published together; the same broadcast (name and payload) to
  // several audiences — an instance started and advanced in one transaction — goes out once, to
  // all their rooms: one message per client and, across nodes, one NOTIFY instead of several.
  let pending: Map<string, { name: string; payload: unknown; rooms: Set<string> }> | undefined;
  const flush = () => {
    const batch = pending;
    pending = undefined;
    for (const { name, payload, rooms } of batch?.values() ?? []) io.to([...rooms]).emit(name, payload);
  };
  const unsubscribe = deps.bus.subscribe((event: PublishedEvent) => {
    const rooms = audienceRooms(event);
    if (rooms.length) {
      const name = event.broadcastAs ?? event.type;
      const payload = event.payload ?? event.after ?? {};
      const key = `${name}\u0000${JSON.stringify(payload)}`;
      if (!pending) {
        pending = new Map();
        queueMicrotask(flush);
      }
      const entry = pending.get(key) ?? pending.set(key, { name, payload, rooms: new Set() }).get(key)!;
      for (const room of rooms) entry.rooms.add(room);
    }
    if (ENDS_SESSION.has(event.type) || ENDS_USER_SESSIONS.has(event.type)) flush(); // what the session was told comes first
    if (ENDS_SESSION.has(event.type)) io.in(roomOfSession(event.entity.id)).disconnectSockets(true);
    if (ENDS_USER_SESSIONS.has(event.type)) io.in(roomOfUser(event.entity.id)).disconnectSockets(true);
  });

  return {
    io,
    close: async () => {
      unsubscribe();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await cluster?.close();
    },
  };
}

// Rooms a client may ask to watch: the instance list, or one instance.
const roomRequest = z.object({ room: z.union([z.literal('instances'), z.string().regex(/^processInstance:[0-9a-f-]{36}$/)]) }).strict();

/** Joins a watched room if the user may read what it carries (the same ability as the API). */
async function joinWatchedRoom(deps: AppDeps, socket: Socket, actor: UserActor, payload: unknown): Promise<{ ok: boolean; error?: string }> {
  const parsed = roomRequest.safeParse(payload);
  if (!parsed.success) return { ok: false, error: 'invalid room' };
  const ability = defineAbilityFor(actor);
  const room = parsed.data.room;
  if (room === 'instances') {
    if (!ability.can('read', 'ProcessInstance')) return { ok: false, error: 'forbidden' };
  } else {
    const instance = await findInstance(deps.db, room.slice('processInstance:'.length));
    if (!instance || !ability.can('read', subject('ProcessInstance', { key: instance.key }))) return { ok: false, error: 'not found' };
  }
  await socket.join(room);
  return { ok: true };
}

function audienceRooms(event: PublishedEvent): string[] {
  const audience = event.audience;
  if (!audience) return [];
  return [...(audience.users ?? []).map(roomOfUser), ...(audience.roles ?? []).map(roomOfRole), ...(audience.rooms ?? [])];
}

function handshakeToken(socket: Socket): string | undefined {
  const fromAuth = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
  if (typeof fromAuth === 'string' && fromAuth) return fromAuth;
  const header = socket.handshake.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}
