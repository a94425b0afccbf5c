import type { UserActor } from '../auth/actor';
import { endSession } from '../repos/sessions.repo';
import type { CommandContext } from './run-command';

/** Ends the caller's session; its token is refused from then on. */
export async function logout(ctx: CommandContext & { actor: UserActor }): Promise<void> {
  const ended = await endSession(ctx.trx, ctx.actor.sessionId, 'logout', ctx.now);
  if (ended) {
    ctx.emit({ type: 'session.ended', entity: { type: 'Session', id: ctx.actor.sessionId }, after: { endReason: 'logout' } });
  }
}
