import { z } from 'zod';
import { runCommand } from '../../commands/run-command';
import { ConflictError } from '../../errors/app-error';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses } from './common.schema';

const clockBody = z.object({ advanceMs: z.number().int().min(0).max(10 * 365 * 24 * 3_600_000) }).strict().meta({ id: 'AdvanceClockRequest' });

export const adminRoutes = defineRoutes([
  {
    id: 'admin.clock',
    method: 'post',
    path: '/admin/clock',
    summary: 'Move a controlled clock forward (GEMBA_CLOCK_CONTROLLED only, never in production); due timers fire before the answer',
    tags: ['admin'],
    auth: 'user',
    permission: ['advance', 'Clock'],
    schema: { body: clockBody },
    responses: { 200: { description: 'The new time and the jobs run', schema: z.object({ now: z.string(), jobsRun: z.number() }) }, ...errorResponses(400, 401, 403, 409) },
    async handler(ctx: AppContext) {
      const { clock } = ctx.deps;
      if (!clock.controlled) throw new ConflictError('The clock is not controlled on this server');
      const advanceMs = ctx.state.input.body.advanceMs as number;
      const offset = clock.offsetMs() + advanceMs;
      await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, async (c) => {
        await c.trx.raw(
          `INSERT INTO clock_settings (id, offset_ms, updated_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET offset_ms = GREATEST(clock_settings.offset_ms, EXCLUDED.offset_ms), updated_at = EXCLUDED.updated_at`,
          [offset, c.now],
        );
        c.emit({ type: 'clock.advanced', entity: { type: 'Clock', id: 'controlled' }, before: { offsetMs: clock.offsetMs() }, after: { offsetMs: offset, advanceMs } });
      });
      // setOffset only ever moves forward, so setting the same target twice is harmless.
      clock.setOffset(offset);
      const jobsRun = await ctx.deps.drainJobs();
      ctx.body = { now: clock.now().toISOString(), jobsRun };
    },
  },
]);
