import { z } from 'zod';
import { describeActor } from '../../auth/actor';
import { runCommand } from '../../commands/run-command';
import { RECORD_TYPES } from '../../records/build-record';
import { auditRecordExport, prepareRecordExport } from '../../records/export-record';
import { actorOf, type AppContext } from '../context';
import { authorize } from '../middleware/authorize';
import { defineRoutes } from '../route';
import { errorResponses } from './common.schema';

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

const recordParams = z.object({ type: z.enum(RECORD_TYPES), identifier: z.string().trim().min(1).max(200) }).strict();
const recordQuery = z
  .object({
    format: z.enum(['json', 'pdf']).default('json'),
    timeZone: z.string().max(64).refine(isTimeZone, 'an IANA time zone, e.g. Europe/Berlin').default('UTC'),
  })
  .strict();
const pdfQuery = z.object({ timeZone: recordQuery.shape.timeZone }).strict();

const recordSchema = z
  .object({
    recordType: z.enum(RECORD_TYPES),
    identifier: z.string(),
    title: z.string(),
    generatedAt: z.string(),
    generatedAtSite: z.string(),
    generatedBy: z.string(),
    siteTimeZone: z.string(),
    header: z.record(z.string(), z.unknown()),
    masterReference: z.array(z.record(z.string(), z.unknown())),
    instances: z.array(z.record(z.string(), z.unknown())),
    components: z.array(z.record(z.string(), z.unknown())),
    equipment: z.array(z.record(z.string(), z.unknown())),
    gauges: z.array(z.record(z.string(), z.unknown())),
    steps: z.array(z.record(z.string(), z.unknown())),
    inspections: z.array(z.record(z.string(), z.unknown())),
    exceptions: z.record(z.string(), z.unknown()),
    genealogy: z.array(z.record(z.string(), z.unknown())),
    changedEntries: z.array(z.record(z.string(), z.unknown())),
    reviewByException: z.record(z.string(), z.unknown()),
    auditTrail: z.array(z.record(z.string(), z.unknown())),
    integrity: z.object({ algorithm: z.string(), sha256: z.string() }),
  })
  .meta({ id: 'ProductionRecord' });

/** Builds, audits and sends a record export. */
async function sendRecord(ctx: AppContext, type: (typeof RECORD_TYPES)[number], identifier: string, format: 'json' | 'pdf', timeZone: string) {
  const who = describeActor(actorOf(ctx));
  const exported = await prepareRecordExport(ctx.deps.db, { type, identifier, format, timeZone, now: ctx.deps.clock.now(), generatedBy: who.printedName ?? who.actorName });
  await runCommand(ctx.deps, actorOf(ctx), ctx.state.request, (c) => auditRecordExport(c, exported));
  ctx.set('X-Content-SHA256', exported.sha256);
  if (exported.format === 'pdf') {
    ctx.type = 'application/pdf';
    ctx.set('Content-Disposition', `attachment; filename="${type}-${identifier.replace(/[^A-Za-z0-9._-]/g, '_')}.pdf"`);
  }
  ctx.body = exported.body;
}

export const recordRoutes = defineRoutes([
  {
    id: 'records.read',
    method: 'get',
    path: '/records/:type/:identifier',
    summary: 'The electronic device history / batch record of a work order, lot or serial, as JSON (or ?format=pdf); every export is audited',
    tags: ['records'],
    auth: 'user',
    permission: ['read', 'Record'],
    schema: { params: recordParams, query: recordQuery },
    responses: { 200: { description: 'The record', schema: recordSchema }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const { params, query } = ctx.state.input;
      if (query.format === 'pdf') authorize(ctx, 'export', 'Record');
      await sendRecord(ctx, params.type, params.identifier, query.format, query.timeZone);
    },
  },
  {
    id: 'records.pdf',
    method: 'get',
    path: '/records/:type/:identifier/record.pdf',
    summary: 'The record as a PDF with signatures (printed name, meaning, UTC and site time) and changed entries flagged; audited',
    tags: ['records'],
    auth: 'user',
    permission: ['export', 'Record'],
    schema: { params: recordParams, query: pdfQuery },
    responses: { 200: { description: 'The PDF', contentType: 'application/pdf' }, ...errorResponses(400, 401, 403, 404) },
    async handler(ctx: AppContext) {
      const { params, query } = ctx.state.input;
      await sendRecord(ctx, params.type, params.identifier, 'pdf', query.timeZone);
    },
  },
]);
