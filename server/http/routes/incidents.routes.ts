import { z } from 'zod';
import { retryIncident, type RetryOutcome } from '../../commands/instances/retry-incident';
import { runCommand } from '../../commands/run-command';
import { AppError, NotFoundError } from '../../errors/app-error';
import { presentIncident } from '../../presenters/instance.presenter';
import { findIncident, listIncidents } from '../../repos/incidents.repo';
import { actorOf, type AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses, idParams, pagination } from './common.schema';

const listQuery = z.object({ status: z.enum(['open', 'resolved']).default('open'), key: z.string().max(128).optional(), instanceId: z.uuid().optional(), ...pagination }).strict();
const bulkBody = z.object({ ids: z.array(z.uuid()).min(1).max(500) }).strict().meta({ id: 'BulkRetryRequest' });

const incidentSchema = z
  .object({
    id: z.uuid(),
    instanceId: z.uuid(),
    key: z.string().optional(),
    businessKey: z.string().nullable().optional(),
    jobId: z.uuid().nullable(),
    activityId: z.string().nullable(),
    kind: z.string(),
    message: z.string(),
    status: z.enum(['open', 'resolved']),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .meta({ id: 'Incident' });

const outcomeSchema = z
  .object({ incidentId: z.uuid(), outcome: z.enum(['resolved', 'failedAgain', 'jobRescheduled', 'refused']), message: z.string().optional(), newIncidentId: z.uuid().optional() })
  .meta({ id: 'RetryOutcome' });

/** Retries one incident in its own transaction; a refusal is reported, not thrown (bulk retry). */
async function retryOne(ctx: AppContext, id: string): Promise<RetryOutcome | { incidentId: string; outcome: 'refused'; message: string }> {
  try {
    const result = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => retryIncident(c, ctx.deps.engine, id));
    // A rescheduled job runs now, so that the caller sees its real outcome.
    if (result.outcome === 'jobRescheduled') await ctx.deps.drainJobs();
    return result;
  } catch (error) {
    if (error instanceof AppError) return { incidentId: id, outcome: 'refused', message: error.detail ?? error.title };
    throw error;
  }
}

export const incidentRoutes = defineRoutes([
  {
    id: 'incidents.list',
    method: 'get',
    path: '/incidents',
    summary: 'Incidents: failed jobs and failed engine events, open by default',
    tags: ['incidents'],
    auth: 'user',
    permission: ['read', 'Incident'],
    schema: { query: listQuery },
    responses: { 200: { description: 'A page of incidents', schema: z.object({ items: z.array(incidentSchema), total: z.number() }) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const page = await listIncidents(ctx.deps.db, ctx.state.input.query);
      ctx.body = { items: page.items.map((i) => presentIncident(i, i)), total: page.total };
    },
  },
  {
    id: 'incidents.retry',
    method: 'post',
    path: '/incidents/:id/retry',
    summary: 'Retry an incident: a failed job runs again, a failed engine event is applied again',
    tags: ['incidents'],
    auth: 'user',
    permission: ['retry', 'Incident'],
    schema: { params: idParams },
    responses: { 200: { description: 'What the retry did', schema: outcomeSchema }, ...errorResponses(401, 403, 404, 409) },
    async handler(ctx: AppContext) {
      const id = ctx.state.input.params.id;
      if (!(await findIncident(ctx.deps.db, id))) throw new NotFoundError(`No incident ${id}`);
      const result = await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => retryIncident(c, ctx.deps.engine, id));
      if (result.outcome === 'jobRescheduled') await ctx.deps.drainJobs();
      ctx.body = result;
    },
  },
  {
    id: 'incidents.retryMany',
    method: 'post',
    path: '/incidents/retry',
    summary: 'Retry several incidents; reports each one’s real outcome',
    tags: ['incidents'],
    auth: 'user',
    permission: ['retry', 'Incident'],
    schema: { body: bulkBody },
    responses: { 200: { description: 'One outcome per incident', schema: z.object({ results: z.array(outcomeSchema) }) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const results = [];
      for (const id of [...new Set(ctx.state.input.body.ids as string[])]) results.push(await retryOne(ctx, id));
      // A job that failed again after its retry shows as a new open incident of the same job.
      ctx.body = { results: await Promise.all(results.map((r) => settleJobOutcome(ctx, r))) };
    },
  },
]);

/** For a rescheduled job, report whether it then succeeded or failed again. */
async function settleJobOutcome(ctx: AppContext, result: Awaited<ReturnType<typeof retryOne>>) {
  if (result.outcome !== 'jobRescheduled') return result;
  const incident = await findIncident(ctx.deps.db, result.incidentId);
  if (!incident?.jobId) return result;
  const again = await ctx.deps.db('incidents').where({ job_id: incident.jobId, status: 'open' }).first();
  const job = await ctx.deps.db('jobs').where({ id: incident.jobId }).first();
  if (again) return { incidentId: result.incidentId, outcome: 'failedAgain' as const, message: again.message, newIncidentId: again.id };
  if (job?.status === 'done') return { incidentId: result.incidentId, outcome: 'resolved' as const };
  return { ...result, message: job?.last_error ?? undefined };
}
