import type { RequestContext, UserActor } from '../../auth/actor';
import { planMigration, type ActivityMapping, type MigrationMove } from '../../engine';
import { AppError } from '../../errors/app-error';
import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/hash';
import { lockInstance, updateInstance, type LockedInstance } from '../../repos/process-instances.repo';
import { reconcileWaits } from '../../runtime/apply-event';
import { runCommand, type CommandContext, type CommandDeps } from '../run-command';
import { recordSignature, withSignature, type SignatureInput } from '../sign-record';
import type { Config } from '../../config';
import { loadVersionPair, previewInstance, type InstancePreview, type VersionPair } from './migration-plan';

export type ExecuteMigrationInput = {
  sourceVersionId: string;
  targetVersionId: string;
  mappings?: ActivityMapping;
  instanceIds: string[];
  reason: string;
  signature: SignatureInput;
};

export type InstanceOutcome = {
  instanceId: string;
  outcome: 'migrated' | 'refused';
  problems: InstancePreview['problems'];
  moves: InstancePreview['moves'];
};

// Whoever may migrate signs the migration record as approving it (W03: "migration needs an
// approved migration record"); a process owner, who may not sign `approved`, signs it as released.
const MIGRATION_MEANINGS = ['approved', 'released'] as const;

/**
 * Executes a signed migration: the signer re-authenticates, the migration record (versions,
 * mapping, instances, reason) is stored with the signature bound to its hash, then each instance
 * moves in a transaction of its own — one that cannot move (a token would be lost, it ended, it
 * runs another version) stays exactly as it was and is reported with its problems. The record
 * is completed with every instance's outcome.
 */
export async function executeMigration(
  deps: CommandDeps & { config: Config },
  signer: UserActor,
  request: RequestContext,
  input: ExecuteMigrationInput,
): Promise<{ id: string; recordHash: string; signatureId: string; results: InstanceOutcome[] }> {
  const pair = await loadVersionPair(deps.db, input.sourceVersionId, input.targetVersionId, input.mappings);
  const mapping = planMigration(pair.defA, pair.defB, input.mappings ?? {}).mapping;
  const instanceIds = [...new Set(input.instanceIds)];
  const recordHash = sha256Hex(canonicalJson({ sourceVersionId: pair.source.id, sourceSha256: pair.source.sha256, targetVersionId: pair.target.id, targetSha256: pair.target.sha256, mapping, instanceIds, reason: input.reason }));

  const record = await withSignature(deps, signer, request, input.signature, async (ctx) => {
    const [row] = await ctx.trx('instance_migrations')
      .insert({
        source_version_id: pair.source.id,
        target_version_id: pair.target.id,
        key: pair.source.key,
        mapping: JSON.stringify(mapping) as never,
        instance_ids: JSON.stringify(instanceIds) as never,
        reason: input.reason,
        record_hash: recordHash,
        executed_by: signer.username,
        created_at: ctx.now,
      })
      .returning('id');
    const id = (row as { id: string }).id;
    const signed = await recordSignature(ctx, { type: 'InstanceMigration', id, hash: recordHash }, input.signature, MIGRATION_MEANINGS);
    await ctx.trx('instance_migrations').where({ id }).update({ signature_id: signed.id });
    ctx.emit({
      type: 'instanceMigration.signed',
      entity: { type: 'InstanceMigration', id },
      after: { key: pair.source.key, fromVersion: pair.source.version, toVersion: pair.target.version, mapping, instanceIds, recordHash, signatureId: signed.id },
      reason: input.reason,
      context: { key: pair.source.key },
    });
    return { id, signatureId: signed.id };
  });

  const results: InstanceOutcome[] = [];
  for (const instanceId of instanceIds) {
    try {
      results.push(await runCommand(deps, signer, request, (ctx) => migrateOne(ctx, pair, mapping, instanceId, { migrationId: record.id, reason: input.reason, signatureId: record.signatureId })));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      results.push({ instanceId, outcome: 'refused', problems: [{ code: error.code, message: error.message }], moves: [] });
    }
  }

  await runCommand(deps, signer, request, async (ctx) => {
    await ctx.trx('instance_migrations').where({ id: record.id }).update({ results: JSON.stringify(results), finished_at: ctx.now });
    ctx.emit({
      type: 'instanceMigration.executed',
      entity: { type: 'InstanceMigration', id: record.id },
      after: {
        key: pair.source.key,
        migrated: results.filter((r) => r.outcome === 'migrated').map((r) => r.instanceId),
        refused: results.filter((r) => r.outcome === 'refused').map((r) => ({ instanceId: r.instanceId, problems: r.problems.map((p) => p.code) })),
      },
      reason: input.reason,
      context: { key: pair.source.key },
    });
  });
  return { id: record.id, recordHash, signatureId: record.signatureId, results };
}

/** Moves one instance, its row locked, in the caller's transaction; a refusal writes nothing. */
async function migrateOne(ctx: CommandContext, pair: VersionPair, mapping: ActivityMapping, instanceId: string, record: { migrationId: string; reason: string; signatureId: string }): Promise<InstanceOutcome> {
  const instance = await lockInstance(ctx.trx, instanceId);
  const { preview, result } = await previewInstance(ctx.trx, pair, mapping, instanceId, ctx.now);
  if (!instance || !result || !result.ok) return { instanceId, outcome: 'refused', problems: preview.problems, moves: preview.moves };

  for (const move of result.moves) await moveRow(ctx, instance, move, result.snapshot.userTasks.find((t) => t.executionId === (move.newExecutionId ?? move.executionId))?.name);
  await ctx.trx('process_instances').where({ id: instance.id }).update({ version_id: pair.target.id });
  await updateInstance(ctx.trx, instance.id, { variables: result.snapshot.variables, engineState: result.state }, ctx.now);
  const opened = await reconcileWaits(ctx, { ...instance, versionId: pair.target.id }, result.snapshot);
  ctx.emit({
    type: 'processInstance.migrated',
    entity: { type: 'ProcessInstance', id: instance.id },
    before: { versionId: pair.source.id, version: pair.source.version, sha256: pair.source.sha256 },
    after: {
      versionId: pair.target.id,
      version: pair.target.version,
      sha256: pair.target.sha256,
      migrationId: record.migrationId,
      signatureId: record.signatureId,
      mapping,
      moves: preview.moves.map(({ row: _row, ...move }) => move),
      opened: opened.map((task) => task.activityId),
    },
    reason: record.reason,
    context: { key: instance.key, businessKey: instance.businessKey },
    audience: { rooms: [`processInstance:${instance.id}`, 'instances'] },
    broadcastAs: 'instance.updated',
    payload: { id: instance.id, key: instance.key, status: instance.status },
  });
  return { instanceId, outcome: 'migrated', problems: [], moves: preview.moves };
}

/**
 * Re-points the row of one wait to its activity in the target version; a wait that does not
 * exist there (a removed boundary timer or message) closes its row.
 */
async function moveRow(ctx: CommandContext, instance: LockedInstance, move: MigrationMove, taskName: string | undefined): Promise<void> {
  const where = { instance_id: instance.id, execution_id: move.executionId };
  const ids = move.newExecutionId ? { execution_id: move.newExecutionId } : {};
  const live = ['pending', 'running'];
  switch (move.kind) {
    case 'userTask': {
      const tasks = ctx.trx('user_tasks').where(where).whereIn('status', ['open', 'awaiting_verification']);
      if (move.toActivityId) await tasks.update({ activity_id: move.toActivityId, ...ids, ...(taskName ? { name: taskName } : {}), updated_at: ctx.now });
      else await tasks.update({ status: 'cancelled', updated_at: ctx.now });
      return;
    }
    case 'job':
    case 'timer': {
      const jobs = ctx.trx('jobs').where(where).whereIn('status', live);
      if (move.kind === 'timer') jobs.andWhere({ kind: 'timer' });
      else jobs.whereIn('kind', ['service', 'external']);
      if (move.toActivityId) await jobs.update({ activity_id: move.toActivityId, ...ids, updated_at: ctx.now });
      else await jobs.update({ status: 'cancelled', finished_at: ctx.now, updated_at: ctx.now, lease_owner: null, lease_expires_at: null });
      return;
    }
    case 'subscription': {
      const subscriptions = ctx.trx('subscriptions').where(where);
      if (move.toActivityId) await subscriptions.update({ activity_id: move.toActivityId, ...ids });
      else await subscriptions.delete();
      return;
    }
    case 'call':
      if (move.newExecutionId) await ctx.trx('process_instances').where({ parent_instance_id: instance.id, parent_execution_id: move.executionId }).update({ parent_execution_id: move.newExecutionId });
      return;
    default:
      return;
  }
}
