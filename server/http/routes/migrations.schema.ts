import { z } from 'zod';
import { SIGNATURE_MEANINGS } from '../../auth/signature-meanings';
import { reason } from './common.schema';

// Instance migration (W03, W06): plan, preview, signed execution.

const activityId = z.string().min(1).max(255);
/** Activity id in the source version → activity id in the target version. */
const mappings = z.record(activityId, activityId).refine((m) => Object.keys(m).length <= 500, 'at most 500 mappings');

export const planBody = z
  .object({ sourceVersionId: z.uuid(), targetVersionId: z.uuid(), mappings: mappings.optional() })
  .strict()
  .meta({ id: 'MigrationPlanRequest' });

export const previewBody = planBody
  .extend({ instanceIds: z.array(z.uuid()).min(1).max(500) })
  .strict()
  .meta({ id: 'MigrationPreviewRequest' });

export const executeBody = previewBody
  .extend({
    reason,
    password: z.string().min(1).max(256),
    meaning: z.enum(SIGNATURE_MEANINGS),
    comment: z.string().trim().max(2000).optional(),
  })
  .strict()
  .meta({ id: 'MigrationExecuteRequest' });

const versionRef = z.object({ id: z.uuid(), key: z.string(), version: z.number().int(), status: z.string(), sha256: z.string() });
const problem = z.object({ code: z.string(), activityId: z.string().optional(), executionId: z.string().optional(), message: z.string() });
const move = z.object({
  kind: z.string(),
  executionId: z.string(),
  newExecutionId: z.string().optional(),
  fromActivityId: z.string(),
  toActivityId: z.string().nullable(),
  row: z.object({ type: z.string(), id: z.string() }).nullable().optional(),
});

export const planSchema = z
  .object({
    source: versionRef,
    target: versionRef,
    mappings: z.record(z.string(), z.string()),
    planned: z.array(z.object({ from: z.string(), to: z.string(), type: z.string(), byId: z.boolean() })),
    problems: z.array(problem),
    runningInstances: z.number().int(),
  })
  .meta({ id: 'MigrationPlan' });

export const previewSchema = planSchema
  .extend({ instances: z.array(z.object({ instanceId: z.string(), movable: z.boolean(), problems: z.array(problem), moves: z.array(move) })) })
  .meta({ id: 'MigrationPreview' });

export const executeSchema = z
  .object({
    id: z.uuid(),
    recordHash: z.string(),
    signatureId: z.uuid(),
    results: z.array(z.object({ instanceId: z.string(), outcome: z.enum(['migrated', 'refused']), problems: z.array(problem), moves: z.array(move) })),
  })
  .meta({ id: 'MigrationResult' });
