import type { OpcuaConnectorConfig } from '../adapters/http/connector-config';
import { toEquipmentEndpoint } from '../adapters/http/connector-config';
import { revealConnectorConfig } from '../adapters/http/connector-secrets';
import { EquipmentBpmnError } from '../adapters/opcua/equipment-gateway';
import type { createOpcUaGateway as CreateOpcUaGateway } from '../adapters/opcua/opcua-gateway';
import type { Actor, RequestContext } from '../auth/actor';
import { connectorSecretBox } from '../commands/manage-connectors';
import { runCommand, type CommandDeps } from '../commands/run-command';
import type { Config } from '../config';
import { ConflictError, NotFoundError } from '../errors/app-error';
import { findConnectorByName } from '../repos/connectors.repo';
import { latestConditions, type Condition } from './equipment.repo';

// Alarms & Conditions from the MOS (E03): the conditions an equipment reports, and acknowledge,
// confirm and comment as audited user actions. The OPC UA method runs first, outside any
// transaction; its outcome (Good or the status name) is then audited, so a refused action is on
// record too and answers 409.

export type ConditionAction = 'acknowledge' | 'confirm' | 'comment';

const AUDIT_ACTION: Record<ConditionAction, string> = {
  acknowledge: 'equipment.alarmAcknowledged',
  confirm: 'equipment.alarmConfirmed',
  comment: 'equipment.alarmCommented',
};

/**
 * Still needs attention: active, or not yet acknowledged or confirmed while the server retains it.
 * Active conditions are listed whatever Retain says: node-opcua clears Retain on Confirm even while
 * the condition is still active.
 */
const needsAttention = (c: Condition) => c.active === true || (c.retain !== false && (c.acked === false || c.confirmed === false));

/**
 * The conditions of the equipment that are active or not yet acknowledged/confirmed.
 * @throws NotFoundError when no opcua connector has this name
 */
export async function listActiveConditions(deps: Pick<CommandDeps, 'db'>, equipmentId: string): Promise<Condition[]> {
  const connector = await findConnectorByName(deps.db, equipmentId);
  if (!connector || connector.kind !== 'opcua') throw new NotFoundError(`No equipment "${equipmentId}"`);
  return (await latestConditions(deps.db, equipmentId)).filter(needsAttention);
}

/**
 * Calls Acknowledge, Confirm or AddComment on the condition with its latest recorded EventId, on a
 * short-lived session of the connector's endpoint and PKI, and audits the outcome.
 * @throws NotFoundError for an unknown equipment or condition
 * @throws ConflictError (409, extension `statusCode`) when the equipment answers with a non-Good status
 * @throws EquipmentUnavailableError, EquipmentTimeoutError when the equipment cannot be reached (not audited: nothing happened)
 */
export async function actOnCondition(
  deps: CommandDeps & { config: Config },
  actor: Actor,
  request: RequestContext,
  input: { equipmentId: string; conditionId: string; action: ConditionAction; comment: string; reason?: string },
): Promise<{ condition: Condition; statusCode: string }> {
  const { equipmentId, conditionId, action, comment, reason } = input;
  const connector = await findConnectorByName(deps.db, equipmentId);
  if (!connector || connector.kind !== 'opcua') throw new NotFoundError(`No equipment "${equipmentId}"`);
  const [condition] = await latestConditions(deps.db, equipmentId, conditionId);
  if (!condition?.eventId) throw new NotFoundError(`Equipment "${equipmentId}" has reported no condition "${conditionId}"`);

  const config = revealConnectorConfig(connectorSecretBox(deps.config, deps.logger), connector) as OpcuaConnectorConfig;
  // Loaded on first use, as the connector does: node-opcua takes seconds to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createOpcUaGateway } = require('../adapters/opcua/opcua-gateway') as { createOpcUaGateway: typeof CreateOpcUaGateway };
  const gateway = createOpcUaGateway({
    endpoints: [toEquipmentEndpoint(equipmentId, config)],
    pkiDir: deps.config.opcua.pkiDir,
    trustUnknownServerCertificates: deps.config.opcua.trustUnknownServerCertificates,
    logger: deps.logger,
  });
  let statusCode = 'Good';
  try {
    if (action === 'acknowledge') await gateway.acknowledgeCondition(equipmentId, conditionId, condition.eventId, comment);
    else if (action === 'confirm') await gateway.confirmCondition(equipmentId, conditionId, condition.eventId, comment);
    else await gateway.addConditionComment(equipmentId, conditionId, condition.eventId, comment);
  } catch (error) {
    if (!(error instanceof EquipmentBpmnError)) throw error;
    statusCode = error.code;
  } finally {
    await gateway.close().catch(() => undefined);
  }

  await runCommand(deps, actor, request, async (ctx) => {
    ctx.emit({
      type: AUDIT_ACTION[action],
      entity: { type: 'Equipment', id: equipmentId },
      before: { active: condition.active, acked: condition.acked, confirmed: condition.confirmed },
      after: { conditionId, conditionName: condition.conditionName, eventId: condition.eventId, comment, statusCode },
      reason,
    });
  });
  if (statusCode !== 'Good') throw new ConflictError(`${action} of ${conditionId} on ${equipmentId} answered ${statusCode}`, { statusCode });
  return { condition, statusCode };
}
