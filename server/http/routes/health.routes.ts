import Router from '@koa/router';
import { pendingMigrations } from '../../db/migrate';
import { ServiceUnavailableError } from '../../errors/app-error';
import type { AppContext } from '../context';

/**
 * `/health`: the process answers. `/ready`: the database answers and its schema is current, and
 * which database this node runs on (the embedded one is for evaluation only).
 */
export function healthRouter(): Router<any, any> {
  const router = new Router<any, any>();
  router.get('/health', (ctx: AppContext) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx: AppContext) => {
    const { database } = ctx.deps;
    let pending: string[];
    try {
      await database.knex.raw('SELECT 1');
      pending = await pendingMigrations(database.knex);
    } catch {
      throw new ServiceUnavailableError(`The ${database.kind} database is not reachable`);
    }
    if (pending.length) throw new ServiceUnavailableError(`${pending.length} database migration(s) are pending`);
    ctx.body = {
      status: 'ready',
      database: database.kind,
      ...(database.kind === 'pglite' ? { warning: 'embedded database: for evaluation and a single workstation; run production on PostgreSQL' } : {}),
      migrations: 'current',
    };
  });
  return router;
}
