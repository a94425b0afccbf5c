import { describeActor } from '../auth/actor';
import type { CommandContext } from '../commands/run-command';
import { findMaterialDefinitionForUpdate, upsertMaterialDefinition, type MaterialDefinition } from './material-definitions.repo';

export type MaterialDefinitionInput = { id: string; description?: string | null; unit: string; status?: 'active' | 'inactive'; reason?: string };

/**
 * Creates or changes a material definition, the master data production schedules are checked
 * against (a schedule for an undefined or inactive material is rejected). Every change is audited
 * with its old and new values.
 */
export async function defineMaterial(ctx: CommandContext, input: MaterialDefinitionInput): Promise<{ definition: MaterialDefinition; created: boolean }> {
  const before = await findMaterialDefinitionForUpdate(ctx.trx, input.id);
  const who = describeActor(ctx.actor);
  const definition = await upsertMaterialDefinition(ctx.trx, {
    id: input.id,
    description: input.description ?? before?.description ?? null,
    unit: input.unit,
    status: input.status ?? before?.status ?? 'active',
    by: who.actorName,
    now: ctx.now,
  });
  ctx.emit({
    type: before ? 'materialDefinition.updated' : 'materialDefinition.created',
    entity: { type: 'MaterialDefinition', id: input.id },
    before: before ? { description: before.description, unit: before.unit, status: before.status } : undefined,
    after: { description: definition.description, unit: definition.unit, status: definition.status },
    reason: input.reason,
  });
  return { definition, created: !before };
}
