import { z } from 'zod';
import { isRole } from '../auth/roles';
import { startInstance } from '../commands/instances/start-instance';
import { BuiltInBpmnError, BuiltInFailure, type BuiltInOperation } from '../jobs/built-in-connectors';
import { findItems, GENEALOGY_EVENT_TYPES } from '../repos/genealogy.repo';
import { findActiveHolds } from '../repos/lot-holds.repo';
import { insertNotification } from '../repos/notifications.repo';
import { findProcessVersion, findReleasedVersion, type ProcessVersion } from '../repos/process-versions.repo';
import { placeLotHold, releaseLotHolds } from '../traceability/lot-holds';
import { LotOnHoldError, recordGenealogyEvent } from '../traceability/record-genealogy-event';
import { INSPECTION_LEVELS, SWITCHING_STATES, SamplingInputError, singleSamplingPlan } from './aql';
import { platformOperation } from './call-context';
import { checkGauge } from './gauges';

// The `gemba` connector: platform operations the standard process library calls (the contract is
// processes/connectors.json). They run inside the transaction that reports their job.

/** A blank text from a template counts as not given. */
const optionalText = (max = 200) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), z.union([z.string().trim().max(max), z.number().transform(String)]).nullish());
const text = (max = 200) => z.union([z.string().trim().min(1).max(max), z.number().transform(String)]);
const quantity = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().finite().nonnegative());

const startProcessInput = z.object({ processKey: z.string().trim().min(1).max(128), businessKey: optionalText(256) }).loose();

const genealogyInput = z
  .object({
    eventType: z.enum(GENEALOGY_EVENT_TYPES.filter((t) => t !== 'status') as [string, ...string[]]),
    material: text(),
    lot: optionalText(),
    serial: optionalText(),
    quantity,
    uom: text(16),
    intoLot: optionalText(),
    intoMaterial: optionalText(),
    intoSerial: optionalText(),
    position: optionalText(),
    location: optionalText(),
    orderId: optionalText(),
    operation: optionalText(64),
    equipmentId: optionalText(),
    reference: optionalText(500),
  })
  .strict()
  .refine((input) => input.lot || input.serial, { message: 'give the lot or the serial', path: ['lot'] });

const holdInput = z.object({ lot: text(), material: optionalText(), reason: text(1000), reference: text(500) }).strict();
const releaseInput = z.object({ lot: text(), reason: text(1000), reference: text(500) }).strict();
const checkHoldInput = z.object({ lot: text() }).strict();
const aqlInput = z
  .object({
    lotSize: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int().min(1)),
    aql: z.union([z.string().trim().min(1).max(8), z.number()]),
    inspectionLevel: z.enum(INSPECTION_LEVELS).default('II'),
    switchingState: z.enum(SWITCHING_STATES).default('normal'),
  })
  .strict();
const gaugeInput = z.object({ gaugeId: text(64) }).strict();
const versionInput = z.object({ processKey: optionalText(128), versionId: optionalText(64) }).strict();
const notifyInput = z
  .object({
    tier: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int().min(1).max(9)),
    roles: z.union([z.string(), z.array(z.string())]).transform((roles) => (Array.isArray(roles) ? roles : roles.split(',')).map((r) => r.trim()).filter(Boolean)),
    subject: text(500),
    eventClass: text(64),
  })
  .strict();

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const describeVersion = (version: ProcessVersion | undefined) =>
  version
    ? { versionId: version.id, versionKey: version.key, versionNumber: version.version, versionStatus: version.status, versionSha256: version.sha256 }
    : { versionId: null, versionKey: null, versionNumber: null, versionStatus: 'not-found', versionSha256: null };

/** startProcess: the released version of another process, started in this transaction (idempotent per job). */
const startProcess = platformOperation('startProcess', startProcessInput, ['instanceId'], async (ctx, input, origin, call) => {
  const { processKey, businessKey, ...variables } = input;
  const version = await findReleasedVersion(ctx.trx, processKey);
  if (!version) throw new BuiltInFailure(`gemba.startProcess: process "${processKey}" has no released version`);
  const started = await startInstance(ctx, call.engine, version, { businessKey: businessKey ?? null, variables: variables as Record<string, unknown> });
  ctx.emit({
    type: 'processInstance.startedByProcess',
    entity: { type: 'ProcessInstance', id: started.instanceId },
    after: { key: version.key, version: version.version, sha256: version.sha256, startedFrom: { instanceId: origin.instanceId, key: origin.processKey, activityId: origin.activityId, jobId: call.jobId } },
    context: { instanceId: origin.instanceId, key: origin.processKey },
  });
  return { instanceId: started.instanceId, versionId: version.id, versionSha256: version.sha256 };
});

/** recordGenealogy: one genealogy event (T01); consuming a held lot raises LOT_ON_HOLD (W18). */
const recordGenealogy = platformOperation('recordGenealogy', genealogyInput, ['genealogyEventId'], async (ctx, input, origin) => {
  let intoMaterial = input.intoMaterial ?? null;
  const target = input.intoSerial ?? input.intoLot;
  if (target && !intoMaterial) {
    // The output's material: the known node of that lot, else the part the instance makes.
    const known = await findItems(ctx.trx, target);
    const partNumber = origin.variables.partNumber;
    intoMaterial = known.length === 1 ? known[0].material : typeof partNumber === 'string' && partNumber ? partNumber : input.material;
  }
  try {
    const { event } = await recordGenealogyEvent(ctx, { ...input, eventType: input.eventType as never, intoMaterial, lot: input.lot ?? null, quantity: input.quantity }, origin);
    return { genealogyEventId: event.id };
  } catch (error) {
    if (error instanceof LotOnHoldError) throw new BuiltInBpmnError('LOT_ON_HOLD', error.message);
    throw error;
  }
});

/** placeHold: the lot on hold, once per lot and reference. */
const placeHold = platformOperation('placeHold', holdInput, ['holdId'], async (ctx, input, origin) => {
  const { hold, created } = await placeLotHold(ctx, { lot: input.lot, material: input.material ?? null, reason: input.reason, reference: input.reference }, origin);
  return { holdId: hold.id, alreadyHeld: !created };
});

/** releaseHold: every active hold of the lot released with the reason. */
const releaseHold = platformOperation('releaseHold', releaseInput, ['releasedAt'], async (ctx, input, origin) => {
  const { released, releasedAt } = await releaseLotHolds(ctx, input, origin);
  return { releasedAt: releasedAt.toISOString(), releasedHolds: released.length };
});

/** checkHold: is the lot on hold? */
const checkHold = platformOperation('checkHold', checkHoldInput, ['onHold'], async (ctx, input) => {
  const holds = await findActiveHolds(ctx.trx, input.lot);
  return { onHold: holds.length > 0, holdReferences: holds.map((h) => h.reference) };
});

/** aqlSampleSize: Z1.4 single sampling (code letter, n, Ac, Re). */
const aqlSampleSize = platformOperation('aqlSampleSize', aqlInput, ['codeLetter', 'sampleSize', 'acceptNumber', 'rejectNumber'], async (_ctx, input) => {
  try {
    const plan = singleSamplingPlan(input);
    return { codeLetter: plan.codeLetter, sampleSize: plan.sampleSize, acceptNumber: plan.acceptNumber, rejectNumber: plan.rejectNumber, planCodeLetter: plan.planCodeLetter, fullInspection: plan.fullInspection };
  } catch (error) {
    if (error instanceof SamplingInputError) throw new BuiltInFailure(`gemba.aqlSampleSize: ${error.message}`);
    throw error;
  }
});

/** checkGaugeCalibration: GAUGE_NOT_CALIBRATED for an unknown, retired or expired gauge (W11). */
const checkGaugeCalibration = platformOperation('checkGaugeCalibration', gaugeInput, ['calibrationDue'], async (ctx, input) => {
  const { gauge, refusal } = await checkGauge(ctx, input.gaugeId);
  if (refusal) throw new BuiltInBpmnError('GAUGE_NOT_CALIBRATED', refusal);
  return { calibrationDue: gauge!.calibrationDue };
});

/** getProcessVersion: the released version of a key, or a version by id; never fails. */
const getProcessVersion = platformOperation(
  'getProcessVersion',
  versionInput,
  ['versionId', 'versionKey', 'versionNumber', 'versionStatus', 'versionSha256'],
  async (ctx, input) => {
    if (input.versionId) return describeVersion(UUID.test(input.versionId) ? await findProcessVersion(ctx.trx, input.versionId) : undefined);
    if (input.processKey) return describeVersion(await findReleasedVersion(ctx.trx, input.processKey));
    return describeVersion(undefined);
  },
);

/** notify: a notification row, and a domain event sent live to the roles' rooms (W17). */
const notify = platformOperation('notify', notifyInput, ['notifiedAt'], async (ctx, input, origin, call) => {
  const unknown = input.roles.filter((role) => !isRole(role));
  if (input.roles.length === 0 || unknown.length) throw new BuiltInFailure(`gemba.notify: unknown roles ${unknown.join(', ') || '(none given)'}`);
  const notification = await insertNotification(ctx.trx, {
    instanceId: origin.instanceId,
    processKey: origin.processKey,
    businessKey: origin.businessKey,
    tier: input.tier,
    roles: input.roles,
    subject: input.subject,
    eventClass: input.eventClass,
    jobId: call.jobId,
    now: ctx.now,
  });
  ctx.emit({
    type: 'notification.sent',
    entity: { type: 'Notification', id: notification.id },
    after: { tier: input.tier, roles: input.roles, subject: input.subject, eventClass: input.eventClass },
    context: { instanceId: origin.instanceId, key: origin.processKey },
    audience: { roles: input.roles },
    payload: { id: notification.id, instanceId: origin.instanceId, key: origin.processKey, businessKey: origin.businessKey, tier: input.tier, roles: input.roles, subject: input.subject, eventClass: input.eventClass, createdAt: ctx.now.toISOString() },
  });
  return { notifiedAt: ctx.now.toISOString(), notificationId: notification.id };
});

/** Every operation of the built-in `gemba` connector, by name. */
export function platformOperations(): Map<string, BuiltInOperation> {
  return new Map<string, BuiltInOperation>([
    ['startProcess', startProcess],
    ['recordGenealogy', recordGenealogy],
    ['placeHold', placeHold],
    ['releaseHold', releaseHold],
    ['checkHold', checkHold],
    ['aqlSampleSize', aqlSampleSize],
    ['checkGaugeCalibration', checkGaugeCalibration],
    ['getProcessVersion', getProcessVersion],
    ['notify', notify],
  ]);
}

/**
 * The platform's built-in connectors, for `createBuiltInConnectors([...platformConnectors()])` in
 * server/node.ts.
 */
export function platformConnectors(): Array<[string, Map<string, BuiltInOperation>]> {
  return [['gemba', platformOperations()]];
}
