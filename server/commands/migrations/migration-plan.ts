import type { Knex } from 'knex';
import { DefinitionCache, migrateState, planMigration, type ActivityMapping, type CompiledDefinition, type MigrationResult, type StoredState } from '../../engine';
import { ConflictError, NotFoundError, ValidationError } from '../../errors/app-error';
import { loadExpressions } from '../../expressions';
import { findProcessVersion, type ProcessVersionWithContent } from '../../repos/process-versions.repo';

// Plans and previews of instance migrations (W03, W06): read-only, no transaction of their own.
// Definitions are compiled in this thread (the engine workers only run events); migrateState is
// a pure function of the two definitions and one stored state.

const definitions = new DefinitionCache({ max: 50 });
let expressions: ReturnType<typeof loadExpressions> | undefined;

/** The safe expression evaluator the engine workers use, loaded once (migration re-evaluates waits on B). */
export const migrationExpressions = () => (expressions ??= loadExpressions());

export type VersionPair = { source: ProcessVersionWithContent; target: ProcessVersionWithContent; defA: CompiledDefinition; defB: CompiledDefinition };

/**
 * Loads and compiles the two versions of a migration.
 * @throws NotFoundError; ValidationError (same version, different keys, mapping naming what A does
 *   not have); ConflictError when the target is not the released version.
 */
export async function loadVersionPair(db: Knex | Knex.Transaction, sourceVersionId: string, targetVersionId: string, mapping: ActivityMapping = {}): Promise<VersionPair> {
  if (sourceVersionId === targetVersionId) throw new ValidationError('Source and target are the same version', [{ path: 'body.targetVersionId', message: 'must differ from sourceVersionId' }]);
  const source = await findProcessVersion(db, sourceVersionId);
  if (!source) throw new NotFoundError(`No process version ${sourceVersionId}`);
  const target = await findProcessVersion(db, targetVersionId);
  if (!target) throw new NotFoundError(`No process version ${targetVersionId}`);
  if (source.key !== target.key) {
    throw new ValidationError(`Instances move only between versions of one process: '${source.key}' is not '${target.key}'`, [{ path: 'body.targetVersionId', message: `must be a version of ${source.key}` }]);
  }
  if (target.status !== 'released') throw new ConflictError(`Version ${target.version} of ${target.key} is ${target.status}: instances move only to the released version`);
  const defA = await definitions.get(source.id, async () => source.xml);
  const defB = await definitions.get(target.id, async () => target.xml);
  const unknown = Object.keys(mapping).filter((from) => !defA.activities.has(from));
  if (unknown.length) {
    throw new ValidationError(`Version ${source.version} has no activity ${unknown.map((id) => `'${id}'`).join(', ')}`, unknown.map((id) => ({ path: `body.mappings.${id}`, message: 'no such activity in the source version' })));
  }
  return { source, target, defA, defB };
}

const versionView = (v: ProcessVersionWithContent) => ({ id: v.id, key: v.key, version: v.version, status: v.status, sha256: v.sha256 });

/** The static plan: proposed mappings (equal ids, plus the given ones) and what cannot move. */
export async function planInstanceMigration(db: Knex, input: { sourceVersionId: string; targetVersionId: string; mappings?: ActivityMapping }) {
  const pair = await loadVersionPair(db, input.sourceVersionId, input.targetVersionId, input.mappings);
  const plan = planMigration(pair.defA, pair.defB, input.mappings ?? {});
  const [{ count }] = await db('process_instances').where({ version_id: pair.source.id, status: 'running' }).count({ count: '*' });
  return {
    source: versionView(pair.source),
    target: versionView(pair.target),
    mappings: plan.mapping,
    planned: plan.planned,
    problems: plan.problems,
    runningInstances: Number(count),
  };
}

export type InstancePreview = {
  instanceId: string;
  movable: boolean;
  problems: Array<{ code: string; activityId?: string; executionId?: string; message: string }>;
  moves: Array<{ kind: string; executionId: string; newExecutionId?: string; fromActivityId: string; toActivityId: string | null; row: { type: string; id: string } | null }>;
};

/** What migrating one instance would do, without doing it (the state is only read). */
export async function previewInstance(db: Knex | Knex.Transaction, pair: VersionPair, mapping: ActivityMapping, instanceId: string, now: Date): Promise<{ preview: InstancePreview; result?: MigrationResult }> {
  const row = await db('process_instances').where({ id: instanceId }).first('id', 'version_id', 'status', 'engine_state');
  const refused = (code: string, message: string) => ({ preview: { instanceId, movable: false, problems: [{ code, message }], moves: [] } });
  if (!row) return refused('not-found', `No instance ${instanceId}`);
  if (row.version_id !== pair.source.id) return refused('other-version', `The instance runs another version, not version ${pair.source.version}`);
  if (row.status !== 'running') return refused('not-running', `The instance is ${row.status}: only running instances move (resolve an incident first)`);
  const result = migrateState(pair.defA, pair.defB, row.engine_state as StoredState, mapping, { now, expressions: await migrationExpressions() });
  const moves: InstancePreview['moves'] = [];
  for (const move of result.moves) {
    moves.push({
      kind: move.kind,
      executionId: move.executionId,
      ...(move.newExecutionId ? { newExecutionId: move.newExecutionId } : {}),
      fromActivityId: move.fromActivityId,
      toActivityId: move.toActivityId ?? null,
      row: await rowOf(db, instanceId, move.kind, move.executionId),
    });
  }
  return { preview: { instanceId, movable: result.ok, problems: result.problems, moves }, result };
}

/** The row that stands for a wait: the task, job, timer, subscription or child instance. */
async function rowOf(db: Knex | Knex.Transaction, instanceId: string, kind: string, executionId: string): Promise<{ type: string; id: string } | null> {
  const found = async (type: string, query: Knex.QueryBuilder) => {
    const hit = await query.first('id');
    return hit ? { type, id: hit.id as string } : null;
  };
  switch (kind) {
    case 'userTask':
      return found('UserTask', db('user_tasks').where({ instance_id: instanceId, execution_id: executionId }).whereIn('status', ['open', 'awaiting_verification']));
    case 'job':
      return found('Job', db('jobs').where({ instance_id: instanceId, execution_id: executionId }).whereIn('kind', ['service', 'external']).whereIn('status', ['pending', 'running']));
    case 'timer':
      return found('Timer', db('jobs').where({ instance_id: instanceId, execution_id: executionId, kind: 'timer' }).whereIn('status', ['pending', 'running']));
    case 'subscription':
      return found('Subscription', db('subscriptions').where({ instance_id: instanceId, execution_id: executionId }));
    case 'call':
      return found('ProcessInstance', db('process_instances').where({ parent_instance_id: instanceId, parent_execution_id: executionId }));
    default:
      return null;
  }
}
