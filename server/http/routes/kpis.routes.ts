import { z } from 'zod';
import { computeKpis } from '../../kpis/compute-kpis';
import { presentKpis } from '../../presenters/kpi.presenter';
import type { AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses } from './common.schema';

const DAY = 86_400_000;

const kpiQuery = z
  .object({ from: z.coerce.date().optional(), to: z.coerce.date().optional() })
  .strict()
  .refine((q) => !q.from || !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

const figure = z.object({ value: z.unknown(), definition: z.string(), inputs: z.record(z.string(), z.unknown()) });

const kpiSchema = z
  .object({
    window: z.object({ from: z.string(), to: z.string() }),
    generatedAt: z.string(),
    figures: z.object({ cycleTime: figure, tasks: figure, aging: figure, firstPassYield: figure, holds: figure, oee: z.array(figure.extend({ equipmentId: z.string() })) }),
  })
  .meta({ id: 'Kpis' });

export const kpiRoutes = defineRoutes([
  {
    id: 'kpis.read',
    method: 'get',
    path: '/kpis',
    summary: 'KPIs over a window (default: the last 7 days): cycle times, open and overdue tasks, NC/deviation/CAPA aging, first pass yield, OEE per equipment; each with its definition and inputs',
    tags: ['kpis'],
    auth: 'user',
    permission: ['read', 'Kpi'],
    schema: { query: kpiQuery },
    responses: { 200: { description: 'The figures', schema: kpiSchema }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const now = ctx.deps.clock.now();
      const to = ctx.state.input.query.to ?? now;
      const from = ctx.state.input.query.from ?? new Date(to.getTime() - 7 * DAY);
      ctx.body = presentKpis(await computeKpis(ctx.deps.db, { from, to }, now));
    },
  },
]);
