import { endSession } from '../repos/sessions.repo';
import type { CommandContext } from './run-command';

/**
 * Ends a session that the server found idle or past its lifetime, and records why.
 * A session already ended is left as it is.
 */
export async function expireSession(ctx: CommandContext, input: { sessionId: string; userId: string; reason: 'idle_timeout' | 'lifetime_exceeded' }): Promise<void> {
  const ended = await endSession(ctx.trx, input.sessionId, input.reason, ctx.now);
  if (!ended) return;
  ctx.emit({
    type: 'session.expired',
    entity: { type: 'Session', id: input.sessionId },
    after: { endReason: input.reason },
    context: { userId: input.userId },
    audience: { users: [input.userId] },
    payload: { sessionId: input.sessionId, reason: input.reason },
  });
}
