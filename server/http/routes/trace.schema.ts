import { z } from 'zod';
import { MAX_TRACE_DEPTH } from '../../traceability/trace';

// Inputs of the traceability routes (T02, T03, W18).

const identifier = z.string().trim().min(1).max(200);

export const traceParams = z.object({ identifier }).strict();

export const traceQuery = z
  .object({
    direction: z.enum(['backward', 'forward']).default('backward'),
    depth: z.coerce.number().int().min(1).max(MAX_TRACE_DEPTH).default(10),
    material: z.string().trim().min(1).max(200).optional(),
    asOf: z.coerce.date().optional(),
  })
  .strict();

export const whereUsedQuery = z
  .object({
    depth: z.coerce.number().int().min(1).max(MAX_TRACE_DEPTH).default(10),
    material: z.string().trim().min(1).max(200).optional(),
    asOf: z.coerce.date().optional(),
  })
  .strict();

export const exposureQuery = z
  .object({
    equipmentId: z.string().trim().min(1).max(200).optional(),
    performedBy: z.string().trim().min(1).max(64).optional(),
    processKey: z.string().trim().min(1).max(128).optional(),
    version: z.coerce.number().int().min(1).optional(),
    versionSha256: z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex').optional(),
    gaugeId: z.string().trim().min(1).max(64).optional(),
    from: z.coerce.date(),
    to: z.coerce.date(),
    asOf: z.coerce.date().optional(),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export const lotParams = z.object({ lot: identifier }).strict();

const node = z.object({ ref: z.string(), kind: z.enum(['lot', 'serial']), material: z.string(), identifier: z.string(), status: z.string(), location: z.string().nullable(), depth: z.number().int().optional() });

export const genealogyEventSchema = z
  .object({
    id: z.uuid(),
    seq: z.number().int(),
    eventType: z.string(),
    material: z.string(),
    lot: z.string().nullable(),
    serial: z.string().nullable(),
    quantity: z.number().nullable(),
    uom: z.string().nullable(),
    into: z.object({ material: z.string().nullable(), lot: z.string().nullable(), serial: z.string().nullable(), position: z.string().nullable() }).nullable(),
    location: z.string().nullable(),
    status: z.object({ from: z.string().nullable(), to: z.string() }).nullable(),
    reference: z.string().nullable(),
    orderId: z.string().nullable(),
    operation: z.string().nullable(),
    equipmentId: z.string().nullable(),
    performedBy: z.string().nullable(),
    performedByName: z.string().nullable(),
    instanceId: z.string().nullable(),
    processKey: z.string().nullable(),
    versionId: z.string().nullable(),
    versionSha256: z.string().nullable(),
    activityId: z.string().nullable(),
    taskId: z.string().nullable(),
    source: z.string(),
    occurredAt: z.string(),
    recordedAt: z.string(),
  })
  .meta({ id: 'GenealogyEvent' });

export const traceSchema = z
  .object({
    query: z.object({ identifier: z.string(), material: z.string().nullable(), direction: z.enum(['backward', 'forward']), depth: z.number().int(), asOf: z.string() }),
    generatedAt: z.string(),
    roots: z.array(node),
    nodes: z.array(node),
    edges: z.array(
      z.object({ from: z.string().nullable(), to: z.string().nullable(), depth: z.number().int(), eventType: z.string(), quantity: z.number().nullable(), uom: z.string().nullable(), occurredAt: z.string(), event: genealogyEventSchema.nullable() }),
    ),
    history: z.array(genealogyEventSchema),
    ends: z.array(node),
    truncated: z.boolean(),
    summary: z.object({ nodes: z.number().int(), edges: z.number().int(), maxDepth: z.number().int() }),
  })
  .meta({ id: 'Trace' });

export const whereUsedSchema = z
  .object({
    query: traceSchema.shape.query,
    generatedAt: z.string(),
    roots: z.array(node),
    usedIn: z.array(z.object({ item: z.string().nullable(), quantity: z.number().nullable(), uom: z.string().nullable(), eventType: z.string(), occurredAt: z.string(), orderId: z.string().nullable(), instanceId: z.string().nullable() })),
    endItems: z.array(node),
    truncated: z.boolean(),
  })
  .meta({ id: 'WhereUsed' });

export const exposureSchema = z
  .object({
    query: z.record(z.string(), z.unknown()),
    generatedAt: z.string(),
    units: z.array(
      z.object({
        ref: z.string(),
        kind: z.enum(['lot', 'serial']),
        material: z.string(),
        identifier: z.string(),
        role: z.enum(['processed', 'output']),
        firstAt: z.string().nullable(),
        lastAt: z.string().nullable(),
        events: z.array(z.record(z.string(), z.unknown())),
      }),
    ),
    total: z.number().int(),
    events: z.number().int(),
    truncated: z.boolean(),
  })
  .meta({ id: 'Exposure' });

export const holdSchema = z
  .object({
    id: z.uuid(),
    lot: z.string(),
    material: z.string().nullable(),
    status: z.enum(['active', 'released']),
    reason: z.string(),
    reference: z.string(),
    placedBy: z.string(),
    placedByName: z.string().nullable(),
    placedAt: z.string(),
    instanceId: z.string().nullable(),
    releasedBy: z.string().nullable(),
    releasedByName: z.string().nullable(),
    releasedAt: z.string().nullable(),
    releaseReason: z.string().nullable(),
    releaseReference: z.string().nullable(),
  })
  .meta({ id: 'LotHold' });
