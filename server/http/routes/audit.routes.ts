import { z } from 'zod';
import { presentAuditEvent } from '../../presenters/audit-event.presenter';
import { verifyAuditChain } from '../../queries/verify-audit-chain';
import { listAuditEvents } from '../../repos/audit-events.repo';
import type { AppContext } from '../context';
import { defineRoutes } from '../route';
import { errorResponses, pagination } from './common.schema';

const auditQuery = z
  .object({
    entityType: z.string().max(100).optional(),
    entityId: z.string().max(200).optional(),
    actorId: z.string().max(200).optional(),
    action: z.string().max(100).optional(),
    from: z.coerce.date().optional(),
    to: z.coerce.date().optional(),
    ...pagination,
  })
  .strict();

const auditEventSchema = z
  .object({
    seq: z.number().int(),
    occurredAt: z.string(),
    actor: z.object({ type: z.enum(['user', 'service', 'system']), id: z.string().nullable(), name: z.string().nullable(), printedName: z.string().nullable() }),
    action: z.string(),
    entity: z.object({ type: z.string(), id: z.string() }),
    before: z.unknown(),
    after: z.unknown(),
    changedFields: z.array(z.string()),
    reason: z.string().nullable(),
    requestId: z.string().nullable(),
    context: z.record(z.string(), z.unknown()).nullable(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEvent' });

const verificationSchema = z
  .object({ ok: z.boolean(), checked: z.number().int(), lastSeq: z.number().int(), firstBrokenSeq: z.number().int().nullable(), problem: z.string().nullable() })
  .meta({ id: 'AuditVerification' });

export const auditRoutes = defineRoutes([
  {
    id: 'audit.list',
    method: 'get',
    path: '/audit',
    summary: 'The audit trail, newest first, filtered by entity, actor, action and time',
    tags: ['audit'],
    auth: 'user',
    permission: ['read', 'AuditEvent'],
    schema: { query: auditQuery },
    responses: { 200: { description: 'A page of entries', schema: z.object({ items: z.array(auditEventSchema), total: z.number() }) }, ...errorResponses(400, 401, 403) },
    async handler(ctx: AppContext) {
      const page = await listAuditEvents(ctx.deps.db, ctx.state.input.query);
      ctx.body = { items: page.items.map(presentAuditEvent), total: page.total };
    },
  },
  {
    id: 'audit.verify',
    method: 'get',
    path: '/audit/verify',
    summary: 'Recompute the hash chain and report the first entry that does not match',
    tags: ['audit'],
    auth: 'user',
    permission: ['verify', 'AuditEvent'],
    responses: { 200: { description: 'The verification', schema: verificationSchema }, ...errorResponses(401, 403) },
    async handler(ctx: AppContext) {
      ctx.body = await verifyAuditChain(ctx.deps.db);
    },
  },
]);
