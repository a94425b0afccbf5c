import type { Next } from 'koa';
import { defineAbilityFor } from '../../auth/abilities';
import { authenticateApiKey, authenticateToken } from '../../auth/authenticate';
import { AuthenticationError, ForbiddenError } from '../../errors/app-error';
import type { AppContext } from '../context';
import type { RouteAuth } from '../route';

/**
 * Establishes who calls: a bearer token for people, `X-API-Key` for service principals.
 * Attaches the actor and its casl ability to `ctx.state`.
 */
export function authenticate(mode: RouteAuth) {
  return async (ctx: AppContext, next: Next) => {
    if (mode === 'public') return next();
    const authorization = ctx.get('authorization');
    const apiKey = ctx.get('x-api-key');
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) throw new AuthenticationError('Use "Authorization: Bearer <token>"');
      ctx.state.actor = await authenticateToken(ctx.deps, match[1], ctx.state.request);
    } else if (apiKey) {
      if (mode === 'user') throw new ForbiddenError('This endpoint is for signed-in users, not API keys');
      ctx.state.actor = await authenticateApiKey(ctx.deps, apiKey);
    } else {
      throw new AuthenticationError('Sign in, or send an API key');
    }
    ctx.state.ability = defineAbilityFor(ctx.state.actor);
    return next();
  };
}
