import type { Role } from './roles';

/** A signed-in person, acting through a session. */
export type UserActor = {
  kind: 'user';
  id: string;
  username: string;
  printedName: string;
  roles: Role[];
  sessionId: string;
  passwordMustChange: boolean;
};

/** An external system acting with an API key, within its scopes. */
export type ServiceActor = {
  kind: 'service';
  id: string;
  name: string;
  apiKeyId: string;
  allowedActions: string[];
  allowedProcessKeys: string[];
};

/** Gemba itself: timers, job workers, seeds, start-up. */
export type SystemActor = { kind: 'system'; id: 'system'; name: string };

/** Someone not yet identified, e.g. a login attempt with an unknown user name. */
export type AnonymousActor = { kind: 'anonymous'; claimedName: string };

export type Actor = UserActor | ServiceActor | SystemActor | AnonymousActor;

/** Where a request came from; recorded with every audit entry it causes (C01). */
export type RequestContext = {
  requestId?: string;
  ip?: string;
  station?: string;
  userAgent?: string;
};

export const systemActor = (name = 'gemba'): SystemActor => ({ kind: 'system', id: 'system', name });

/** The printable identity of an actor for records: user name and printed name. */
export function describeActor(actor: Actor): {
  actorType: 'user' | 'service' | 'system';
  actorId: string | null;
  actorName: string;
  printedName: string | null;
} {
  switch (actor.kind) {
    case 'user':
      return { actorType: 'user', actorId: actor.id, actorName: actor.username, printedName: actor.printedName };
    case 'service':
      return { actorType: 'service', actorId: actor.id, actorName: actor.name, printedName: `${actor.name} (service principal)` };
    case 'system':
      return { actorType: 'system', actorId: 'system', actorName: actor.name, printedName: 'Gemba system' };
    case 'anonymous':
      return { actorType: 'user', actorId: null, actorName: actor.claimedName, printedName: null };
  }
}
