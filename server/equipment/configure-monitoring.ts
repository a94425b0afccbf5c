import type { CommandContext } from '../commands/run-command';
import { NotFoundError } from '../errors/app-error';
import { findConnectorByName } from '../repos/connectors.repo';
import { upsertMonitoring } from './equipment.repo';
import type { MonitoringConfig } from './monitoring-config';
import { describeActor } from '../auth/actor';


/**
 * Sets what the equipment monitor watches on an opcua connector, audited with a reason. Every
 * node's monitor resubscribes (this node at once, the others within their refresh interval).
 * @throws NotFoundError when no opcua connector has this name
 */
export async function configureMonitoring(ctx: CommandContext, equipmentId: string, config: MonitoringConfig, reason: string): Promise<void> {
  const connector = await findConnectorByName(ctx.trx, equipmentId);
  if (!connector || connector.kind !== 'opcua') throw new NotFoundError(`No equipment "${equipmentId}": register an opcua connector of that name first`);
  const { before, after } = await upsertMonitoring(ctx.trx, equipmentId, config, describeActor(ctx.actor).actorName, ctx.now);
  ctx.emit({
    type: 'equipment.monitoringConfigured',
    entity: { type: 'Equipment', id: equipmentId },
    before: before?.config,
    after: after.config,
    reason,
  });
}
