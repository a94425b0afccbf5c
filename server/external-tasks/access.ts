import { subject } from '@casl/ability';
import { defineAbilityFor } from '../auth/abilities';
import type { Actor } from '../auth/actor';

/**
 * The process keys whose external tasks an actor may work, or null for every key. The `work`
 * permission itself comes from the casl abilities; a service principal is further limited to its
 * allowed process keys, as it is for starting instances (I06).
 */
export function workableKeys(actor: Actor): string[] | null {
  if (actor.kind === 'service') return actor.allowedProcessKeys.includes('*') ? null : [...actor.allowedProcessKeys];
  return null;
}

/** Whether the actor may work the external tasks of this process key. */
export function mayWorkKey(actor: Actor, key: string): boolean {
  const keys = workableKeys(actor);
  if (keys && !keys.includes(key)) return false;
  return defineAbilityFor(actor).can('work', subject('ExternalTask', { key }));
}

/** The identity that holds a lock besides the worker id: the principal's id (system: its name). */
export function lockHolderOf(actor: Actor): string {
  switch (actor.kind) {
    case 'service':
    case 'user':
      return actor.id;
    case 'system':
      return `system:${actor.name}`;
    case 'anonymous':
      return `anonymous:${actor.claimedName}`;
  }
}
