import { randomUUID } from 'node:crypto';
import { describeActor } from '../auth/actor';
import { startInstance } from '../commands/instances/start-instance';
import type { CommandContext } from '../commands/run-command';
import { ConflictError } from '../errors/app-error';
import { canonicalJson } from '../lib/canonical-json';
import { sha256Hex } from '../lib/hash';
import type { ProcessVersion } from '../repos/process-versions.repo';
import type { EngineRuntime } from '../runtime/engine-runtime';
import {
  GEMBA_LOGICAL_ID,
  quantityOf,
  type AcknowledgedRequest,
  type AcknowledgeProductionSchedule,
  type ProcessProductionSchedule,
  type ProductionRequest,
  type RejectionReason,
} from './b2mml';
import {
  claimInboundMessage,
  countReplay,
  findInboundMessageForUpdate,
  findScheduledOrders,
  insertScheduledOrder,
  linkOrderToInstance,
  saveAcknowledgement,
} from './inbound-messages.repo';
import { findMaterialDefinitions, type MaterialDefinition } from './material-definitions.repo';

export const PRODUCTION_SCHEDULE = 'ProcessProductionSchedule';
/** The process accepted orders start (the standard library's work order release, REQUIREMENTS §1.1). */
export const RELEASE_PROCESS_KEY = 'work-order-release';
/** The message start event of the release process that a schedule starts, when the model has one. */
export const SCHEDULE_MESSAGE_NAME = 'ProductionScheduleReceived';

/** Which released version accepted orders start, and whether it starts on a message. */
export type ReleaseTarget = { version: ProcessVersion; messageName?: string };

export type ScheduleReceipt = { acknowledgement: AcknowledgeProductionSchedule; replayed: boolean; startedInstanceIds: string[] };

/**
 * Receives a ProcessProductionSchedule (I01, I04) in one transaction: the message id (BODID) is
 * claimed first, so a repeated message — even one arriving at the same moment — gets the stored
 * acknowledgement and starts nothing. Each order is checked (known active material in a matching
 * unit, quantity > 0, due date not past and not before the start, serial count = quantity,
 * order id new in the message and in the plant); accepted orders start the release process with
 * the order as variables and the order id as business key, audited with the calling principal.
 * `target` is undefined when the release process has no released version: a repeated message is
 * still answered, a new one is refused and not recorded, so that the sender can send it again.
 * @throws ConflictError when the message id was used before for a different message, or a new
 * message finds no released release process.
 */
export async function receiveProductionSchedule(
  ctx: CommandContext,
  engine: EngineRuntime,
  message: ProcessProductionSchedule,
  target: ReleaseTarget | undefined,
  processKey: string = RELEASE_PROCESS_KEY,
): Promise<ScheduleReceipt> {
  const { BODID: messageId, Sender } = message.ApplicationArea;
  const contentSha256 = sha256Hex(canonicalJson(message));
  const who = describeActor(ctx.actor);
  const claimed = await claimInboundMessage(ctx.trx, {
    kind: PRODUCTION_SCHEDULE,
    messageId,
    sender: Sender?.LogicalID ?? null,
    contentSha256,
    payload: message,
    receivedBy: who.actorId ?? who.actorName,
    now: ctx.now,
  });
  if (!claimed) return replay(ctx, messageId, contentSha256);
  if (!target) throw new ConflictError(`Process "${processKey}" has no released version; the schedule was not recorded: send it again once it is released`);

  const requests = message.DataArea.ProductionSchedule.ProductionRequest;
  const materials = await findMaterialDefinitions(ctx.trx, requests.flatMap((r) => [...r.MaterialProducedRequirement, ...(r.MaterialConsumedRequirement ?? [])].map((m) => m.MaterialDefinitionID)));
  const scheduledBefore = await findScheduledOrders(ctx.trx, requests.map((r) => r.ID));
  const seen = new Set<string>();
  const answers: AcknowledgedRequest[] = [];
  const started: string[] = [];

  for (const request of requests) {
    const reasons = checkRequest(request, { materials, now: ctx.now, duplicateInMessage: seen.has(request.ID) });
    seen.add(request.ID);
    if (scheduledBefore.has(request.ID)) reasons.push({ ReasonCode: 'ORDER_ALREADY_SCHEDULED', Description: `work order ${request.ID} was scheduled by an earlier message` });
    const produced = request.MaterialProducedRequirement[0];
    if (!reasons.length) {
      const fresh = await insertScheduledOrder(ctx.trx, { orderId: request.ID, inboundMessageId: claimed.id, materialDefinitionId: produced.MaterialDefinitionID, request, now: ctx.now });
      if (!fresh) reasons.push({ ReasonCode: 'ORDER_ALREADY_SCHEDULED', Description: `work order ${request.ID} was scheduled by another message` });
    }
    if (reasons.length) {
      answers.push({ ID: request.ID, ActionCode: 'Rejected', Reason: reasons });
      continue;
    }
    const applied = await startInstance(ctx, engine, target.version, {
      businessKey: request.ID,
      variables: orderVariables(request, message),
      ...(target.messageName ? { messageName: target.messageName } : {}),
    });
    await linkOrderToInstance(ctx.trx, request.ID, applied.instanceId);
    started.push(applied.instanceId);
    answers.push({ ID: request.ID, ActionCode: 'Accepted', ProcessInstanceID: applied.instanceId });
  }

  const accepted = answers.filter((a) => a.ActionCode === 'Accepted').length;
  const acknowledgement: AcknowledgeProductionSchedule = {
    releaseID: message.releaseID ?? '1.0',
    ApplicationArea: { Sender: { LogicalID: GEMBA_LOGICAL_ID }, BODID: randomUUID(), CreationDateTime: ctx.now.toISOString() },
    DataArea: {
      Acknowledge: {
        OriginalApplicationArea: { BODID: messageId, CreationDateTime: message.ApplicationArea.CreationDateTime, ...(Sender ? { Sender } : {}) },
        ResponseCriteria: { ResponseExpression: { actionCode: accepted === answers.length ? 'Accepted' : accepted === 0 ? 'Rejected' : 'Modified' } },
      },
      ProductionSchedule: { ID: message.DataArea.ProductionSchedule.ID ?? null, ProductionRequest: answers },
    },
  };
  await saveAcknowledgement(ctx.trx, claimed.id, acknowledgement);
  ctx.emit({
    type: 'productionSchedule.received',
    entity: { type: 'InboundMessage', id: claimed.id },
    after: {
      messageId,
      sender: Sender?.LogicalID ?? null,
      scheduleId: message.DataArea.ProductionSchedule.ID ?? null,
      accepted: answers.filter((a) => a.ActionCode === 'Accepted').map((a) => ({ orderId: a.ID, instanceId: a.ProcessInstanceID })),
      rejected: answers.filter((a) => a.ActionCode === 'Rejected').map((a) => ({ orderId: a.ID, reasons: a.Reason?.map((r) => r.ReasonCode) })),
    },
    context: { key: target.version.key, contentSha256 },
  });
  return { acknowledgement, replayed: false, startedInstanceIds: started };
}

async function replay(ctx: CommandContext, messageId: string, contentSha256: string): Promise<ScheduleReceipt> {
  const existing = await findInboundMessageForUpdate(ctx.trx, PRODUCTION_SCHEDULE, messageId);
  if (!existing) throw new ConflictError(`Message ${messageId} is being received; send it again`);
  if (existing.contentSha256 !== contentSha256) {
    throw new ConflictError(`Message id ${messageId} was already used on ${existing.receivedAt.toISOString()} for a different message; give a new message a new BODID`);
  }
  await countReplay(ctx.trx, existing.id, ctx.now);
  ctx.emit({ type: 'productionSchedule.replayed', entity: { type: 'InboundMessage', id: existing.id }, after: { messageId, replays: existing.replays + 1 } });
  return { acknowledgement: existing.acknowledgement as AcknowledgeProductionSchedule, replayed: true, startedInstanceIds: [] };
}

function checkRequest(request: ProductionRequest, known: { materials: Map<string, MaterialDefinition>; now: Date; duplicateInMessage: boolean }): RejectionReason[] {
  const reasons: RejectionReason[] = [];
  const reject = (ReasonCode: string, Description: string) => reasons.push({ ReasonCode, Description });
  if (known.duplicateInMessage) reject('DUPLICATE_ORDER_ID', `work order ${request.ID} appears more than once in this message`);
  const produced = request.MaterialProducedRequirement[0];
  const material = known.materials.get(produced.MaterialDefinitionID);
  if (!material || material.status !== 'active') {
    reject('UNKNOWN_MATERIAL', `material ${produced.MaterialDefinitionID} is ${material ? 'inactive' : 'not defined'} in Gemba's master data`);
  } else if (material.unit.toLowerCase() !== produced.Quantity.UnitOfMeasure.toLowerCase()) {
    reject('UNIT_MISMATCH', `material ${material.id} is counted in ${material.unit}, not ${produced.Quantity.UnitOfMeasure}`);
  }
  const quantity = quantityOf(produced.Quantity);
  if (!(quantity > 0)) reject('QUANTITY_NOT_POSITIVE', `the quantity must be greater than 0 (got ${produced.Quantity.QuantityString})`);
  const serials = produced.MaterialSubLotID ?? [];
  if (serials.length && serials.length !== quantity) reject('SERIAL_COUNT_MISMATCH', `${serials.length} serial number(s) for a quantity of ${quantity}`);
  if (serials.length && new Set(serials).size !== serials.length) reject('DUPLICATE_SERIAL', 'a serial number appears more than once');
  for (const component of request.MaterialConsumedRequirement ?? []) {
    const known_ = known.materials.get(component.MaterialDefinitionID);
    if (!known_ || known_.status !== 'active') reject('UNKNOWN_MATERIAL', `component material ${component.MaterialDefinitionID} is not defined in Gemba's master data`);
    if (!(quantityOf(component.Quantity) > 0)) reject('QUANTITY_NOT_POSITIVE', `the quantity of component ${component.MaterialDefinitionID} must be greater than 0`);
  }
  const due = request.EndTime ? new Date(request.EndTime) : undefined;
  const start = request.StartTime ? new Date(request.StartTime) : undefined;
  if (due && due.getTime() < known.now.getTime()) reject('DUE_DATE_IN_PAST', `the due date ${request.EndTime} has passed`);
  if (due && start && start.getTime() > due.getTime()) reject('END_BEFORE_START', `the order ends (${request.EndTime}) before it starts (${request.StartTime})`);
  return reasons;
}

/**
 * The variables an accepted order starts the release process with: the names the standard
 * `work-order-release` model reads (orderId, partNumber, quantity, unit, equipmentId,
 * componentMaterial/-Quantity/-Lot, operation), the whole order, and its parameters by ID.
 */
export function orderVariables(request: ProductionRequest, message: ProcessProductionSchedule): Record<string, unknown> {
  const produced = request.MaterialProducedRequirement[0];
  const components = (request.MaterialConsumedRequirement ?? []).map((c) => ({
    material: c.MaterialDefinitionID,
    quantity: quantityOf(c.Quantity),
    unit: c.Quantity.UnitOfMeasure,
    lots: c.MaterialLotID ?? [],
  }));
  const parameters: Record<string, unknown> = {};
  for (const parameter of request.Parameter ?? []) parameters[parameter.ID] = parameterValue(parameter.Value);
  const core: Record<string, unknown> = {
    orderId: request.ID,
    partNumber: produced.MaterialDefinitionID,
    productProductionRuleId: request.ProductProductionRuleID ?? null,
    quantity: quantityOf(produced.Quantity),
    unit: produced.Quantity.UnitOfMeasure,
    lots: produced.MaterialLotID ?? [],
    serials: produced.MaterialSubLotID ?? [],
    dueDate: request.EndTime ? new Date(request.EndTime).toISOString() : null,
    startTime: request.StartTime ? new Date(request.StartTime).toISOString() : null,
    priority: request.Priority ?? null,
    components,
    equipmentIds: (request.EquipmentRequirement ?? []).map((e) => e.EquipmentID),
    scheduleMessageId: message.ApplicationArea.BODID,
    productionScheduleId: message.DataArea.ProductionSchedule.ID ?? null,
    ...(request.ProcessSegmentID ? { operation: request.ProcessSegmentID } : {}),
    ...(request.EquipmentRequirement?.length ? { equipmentId: request.EquipmentRequirement[0].EquipmentID } : {}),
    ...(components.length
      ? { componentMaterial: components[0].material, componentQuantity: components[0].quantity, ...(components[0].lots.length ? { componentLot: components[0].lots[0] } : {}) }
      : {}),
  };
  // The order's own fields win over a parameter of the same name.
  return { ...parameters, ...core };
}

function parameterValue(value: { ValueString: string | number | boolean; DataType?: string }): unknown {
  const raw = value.ValueString;
  if (typeof raw !== 'string') return raw;
  switch (value.DataType) {
    case 'integer':
    case 'double':
    case 'decimal': {
      const number = Number(raw);
      return Number.isFinite(number) ? number : raw;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}
