import type { Knex } from 'knex';
import { taskRecordHash } from '../commands/instances/work-user-task';
import { NotFoundError } from '../errors/app-error';
import { canonicalJson } from '../lib/canonical-json';
import { sha256Hex } from '../lib/hash';
import { findHistoryOfInstance, type ActivityRecord } from '../repos/activity-history.repo';
import { findEventsOfIdentifier, findEventsOfInstances, findEventsOfOrders, type GenealogyEvent } from '../repos/genealogy.repo';
import { findGauge } from '../repos/gauges.repo';
import { listIncidents } from '../repos/incidents.repo';
import { findHoldsOfLots, type LotHold } from '../repos/lot-holds.repo';
import { findStartedInstances } from '../repos/platform-call-results.repo';
import { findProcessVersion, type ProcessVersionWithContent } from '../repos/process-versions.repo';
import {
  findAuditEntriesOf,
  findInstancesByIds,
  findInstancesOfLots,
  findInstancesOfOrders,
  findInstancesOfSerial,
  findPrintedNames,
  type RecordInstance,
} from '../repos/records.repo';
import { findSignaturesOfMany, type Signature } from '../repos/signatures.repo';
import { findTasksOfInstance, type UserTask } from '../repos/user-tasks.repo';
import { formFields } from '../runtime/form-validation';

// The electronic device history record / batch record of a work order, lot or serial (T04, C15;
// REQUIREMENTS 2.2): header, master reference, components, equipment and gauges, every step with
// its data and signatures, inspections, exceptions, genealogy and the audit trail, with the entries
// changed after their first entry flagged (Annex 11 §8.2).

export const RECORD_TYPES = ['work-order', 'lot', 'serial'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Processes whose tasks are production steps; the others are exception handling. */
const PRODUCTION_KEYS = new Set(['work-order-release', 'operation-execution', 'inspection']);

export type RecordSignature = {
  role: 'performer' | 'verifier';
  printedName: string;
  username: string;
  meaning: string;
  comment: string | null;
  signedAt: string;
  signedAtSite: string;
  recordHash: string;
  /** The signature still binds the data shown (C09). */
  valid: boolean;
};

export type RecordDataEntry = {
  field: string;
  label: string;
  value: unknown;
  unit: string | null;
  limits: { min: number | null; max: number | null } | null;
  specification: { lsl: number; usl: number; unit: string | null; withinLimits: boolean } | null;
  changedAfterFirstEntry: { firstValue: unknown; firstEnteredAt: string; firstEnteredBy: string | null } | null;
};

export type RecordStep = {
  instanceId: string;
  processKey: string;
  versionNumber: number | null;
  category: 'production' | 'exception';
  taskId: string | null;
  activityId: string;
  name: string;
  source: 'manual' | 'automatic';
  status: string;
  startedAt: string | null;
  completedAt: string | null;
  completedAtSite: string | null;
  performedBy: string | null;
  performedByName: string | null;
  verifiedBy: string | null;
  verifiedByName: string | null;
  data: RecordDataEntry[];
  signatures: RecordSignature[];
  /** This activity was entered again; the earlier entries stay in the record (C05). */
  repeated: number;
};

export type RecordDocument = ReturnType<typeof assemble>;

type Options = { now: Date; timeZone: string; generatedBy: string };

/** An instant as UTC ISO text and in the site's time zone (C08). */
export function siteTime(date: Date, timeZone: string): string {
  const text = new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' }).format(date);
  return `${text} (${timeZone})`;
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);
const str = (value: unknown) => (typeof value === 'string' && value ? value : null);
const numeric = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : null);

/** Finds the instances and genealogy of the record's subject. */
async function scope(db: Knex, type: RecordType, identifier: string) {
  let events: GenealogyEvent[] = [];
  let instances: RecordInstance[] = [];
  let lots = new Set<string>();
  let orderIds = new Set<string>();
  if (type === 'lot') {
    lots.add(identifier);
    events = await findEventsOfIdentifier(db, identifier);
    for (const e of events) if (e.orderId) orderIds.add(e.orderId);
    instances = await findInstancesOfLots(db, [identifier]);
    for (const i of instances) if (str(i.variables.orderId)) orderIds.add(i.variables.orderId as string);
    // the release of the order that made the lot
    instances.push(...(await findInstancesOfOrders(db, [...orderIds])).filter((i) => i.key === 'work-order-release'));
  } else if (type === 'work-order') {
    orderIds.add(identifier);
    instances = await findInstancesOfOrders(db, [identifier]);
    events = await findEventsOfOrders(db, [identifier]);
    for (const i of instances) if (str(i.variables.outputLot)) lots.add(i.variables.outputLot as string);
    for (const e of events) if (e.eventType === 'produce' && e.lot) lots.add(e.lot);
    instances.push(...(await findInstancesOfLots(db, [...lots])));
  } else {
    events = await findEventsOfIdentifier(db, identifier);
    events = events.filter((e) => e.serial === identifier || e.intoSerial === identifier);
    instances = await findInstancesOfSerial(db, identifier);
    for (const e of events) if (e.orderId) orderIds.add(e.orderId);
  }
  const known = new Set(instances.map((i) => i.id));
  const fromEvents = [...new Set(events.map((e) => e.instanceId).filter((id): id is string => !!id && !known.has(id)))];
  instances.push(...(await findInstancesByIds(db, fromEvents)));
  // Instances these started (inspection, NC handling, escalations), one level down.
  const started = await findStartedInstances(db, [...new Set(instances.map((i) => i.id))]);
  instances.push(...(await findInstancesByIds(db, started.map((s) => s.startedInstanceId))));
  const unique = new Map(instances.map((i) => [i.id, i]));
  instances = [...unique.values()].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const more = await findEventsOfInstances(db, instances.map((i) => i.id));
  const byId = new Map([...events, ...more].map((e) => [e.id, e]));
  events = [...byId.values()].sort((a, b) => a.seq - b.seq);
  for (const e of events) {
    if (type !== 'serial' && e.eventType === 'produce' && e.lot) lots.add(e.lot);
  }
  lots = new Set([...lots].filter(Boolean));
  orderIds = new Set([...orderIds].filter(Boolean));
  return { events, instances, lots: [...lots], orderIds: [...orderIds] };
}

/**
 * Builds the record of a work order, lot or serial from what the database holds now.
 * @throws NotFoundError when nothing was recorded about it.
 */
export async function buildRecord(db: Knex, type: RecordType, identifier: string, options: Options) {
  const { events, instances, lots, orderIds } = await scope(db, type, identifier);
  if (events.length === 0 && instances.length === 0) throw new NotFoundError(`Nothing was recorded about ${type} ${identifier}`);

  const versions = new Map<string, ProcessVersionWithContent>();
  for (const instance of instances) {
    if (!versions.has(instance.versionId)) {
      const version = await findProcessVersion(db, instance.versionId);
      if (version) versions.set(version.id, version);
    }
  }
  const tasksByInstance = new Map<string, UserTask[]>();
  const historyByInstance = new Map<string, ActivityRecord[]>();
  for (const instance of instances) {
    tasksByInstance.set(instance.id, await findTasksOfInstance(db, instance.id));
    historyByInstance.set(instance.id, await findHistoryOfInstance(db, instance.id));
  }
  const allTasks = [...tasksByInstance.values()].flat();
  const signatures = await findSignaturesOfMany(db, 'UserTask', allTasks.map((t) => t.id));
  const names = await findPrintedNames(db, [...new Set(allTasks.flatMap((t) => [t.completedBy, t.verifiedBy]).filter((u): u is string => !!u))]);
  const holds = await findHoldsOfLots(db, lots);
  const incidents = (await Promise.all(instances.map((i) => listIncidents(db, { instanceId: i.id, limit: 200, offset: 0 })))).flatMap((page) => page.items);
  const gaugeIds = [...new Set(allTasks.map((t) => str(t.submitted?.gaugeId)).filter((g): g is string => !!g))];
  const gauges = (await Promise.all(gaugeIds.map((g) => findGauge(db, g)))).filter((g) => g !== undefined);
  const audit = await findAuditEntriesOf(
    db,
    [...instances.map((i) => i.id), ...allTasks.map((t) => t.id), ...holds.map((h) => h.id), ...events.map((e) => e.id)],
    instances.map((i) => i.id),
  );
  return assemble({ type, identifier, options, events, instances, lots, orderIds, versions, tasksByInstance, historyByInstance, signatures, names, holds, incidents, gauges, audit });
}

type Parts = {
  type: RecordType;
  identifier: string;
  options: Options;
  events: GenealogyEvent[];
  instances: RecordInstance[];
  lots: string[];
  orderIds: string[];
  versions: Map<string, ProcessVersionWithContent>;
  tasksByInstance: Map<string, UserTask[]>;
  historyByInstance: Map<string, ActivityRecord[]>;
  signatures: Map<string, Signature[]>;
  names: Map<string, string>;
  holds: LotHold[];
  incidents: Awaited<ReturnType<typeof listIncidents>>['items'];
  gauges: Array<NonNullable<Awaited<ReturnType<typeof findGauge>>>>;
  audit: Awaited<ReturnType<typeof findAuditEntriesOf>>;
};

function dataEntries(task: UserTask, form: { components?: unknown[] } | undefined, variables: Record<string, unknown>): RecordDataEntry[] {
  const submitted = task.submitted ?? {};
  const fields = form ? formFields(form as never) : [];
  const labelled = new Map(fields.map((f) => [f.key!, f]));
  const formText = JSON.stringify(form ?? {});
  const hasSpecification = formText.includes('{{lsl}}') && formText.includes('{{usl}}');
  const lsl = numeric(variables.lsl);
  const usl = numeric(variables.usl);
  const unit = str(variables.measurementUnit);
  return Object.entries(submitted).map(([field, value]) => {
    const definition = labelled.get(field);
    const rules = definition?.validate ?? {};
    const isNumber = typeof value === 'number';
    const specification =
      isNumber && hasSpecification && lsl !== null && usl !== null && /measured|value/i.test(field) ? { lsl, usl, unit, withinLimits: (value as number) >= lsl && (value as number) <= usl } : null;
    return {
      field,
      label: definition?.label ?? field,
      value,
      unit: specification ? unit : null,
      limits: isNumber && (rules.min !== undefined || rules.max !== undefined) ? { min: rules.min ?? null, max: rules.max ?? null } : null,
      specification,
      changedAfterFirstEntry: null,
    };
  });
}

function assemble(parts: Parts) {
  const { options, instances, versions } = parts;
  const tz = options.timeZone;
  const steps: RecordStep[] = [];
  for (const instance of instances) {
    const version = versions.get(instance.versionId);
    const category = PRODUCTION_KEYS.has(instance.key) ? 'production' : 'exception';
    const tasks = (parts.tasksByInstance.get(instance.id) ?? []).filter((t) => t.status === 'completed' || t.status === 'awaiting_verification');
    const firstByActivity = new Map<string, UserTask>();
    const countByActivity = new Map<string, number>();
    for (const task of tasks.sort((a, b) => (a.completedAt?.getTime() ?? 0) - (b.completedAt?.getTime() ?? 0))) {
      const form = task.formRef ? (version?.forms[task.formRef] as { components?: unknown[] } | undefined) : undefined;
      const data = dataEntries(task, form, instance.variables);
      const first = firstByActivity.get(task.activityId);
      countByActivity.set(task.activityId, (countByActivity.get(task.activityId) ?? 0) + 1);
      if (first) {
        // Annex 11 §8.2: a value entered again differently is flagged with the original entry.
        for (const entry of data) {
          const original = first.submitted?.[entry.field];
          if (canonicalJson(original ?? null) !== canonicalJson(entry.value ?? null)) {
            entry.changedAfterFirstEntry = { firstValue: original ?? null, firstEnteredAt: iso(first.completedAt)!, firstEnteredBy: first.completedBy };
          }
        }
      } else {
        firstByActivity.set(task.activityId, task);
      }
      const expectedHash = taskRecordHash(task, task.submitted ?? {});
      const signed = (parts.signatures.get(task.id) ?? []).map((s) => ({
        role: (s.id === task.verificationSignatureId || s.meaning === 'verified' ? 'verifier' : 'performer') as RecordSignature['role'],
        printedName: s.printedName,
        username: s.signerUsername,
        meaning: s.meaning,
        comment: s.comment,
        signedAt: s.signedAt.toISOString(),
        signedAtSite: siteTime(s.signedAt, tz),
        recordHash: s.recordHash,
        valid: s.recordHash === expectedHash,
      }));
      steps.push({
        instanceId: instance.id,
        processKey: instance.key,
        versionNumber: version?.version ?? null,
        category,
        taskId: task.id,
        activityId: task.activityId,
        name: task.name ?? task.activityId,
        source: 'manual',
        status: task.status,
        startedAt: iso(task.createdAt),
        completedAt: iso(task.completedAt),
        completedAtSite: task.completedAt ? siteTime(task.completedAt, tz) : null,
        performedBy: task.completedBy,
        performedByName: task.completedBy ? (parts.names.get(task.completedBy) ?? null) : null,
        verifiedBy: task.verifiedBy,
        verifiedByName: task.verifiedBy ? (parts.names.get(task.verifiedBy) ?? null) : null,
        data,
        signatures: signed,
        repeated: (countByActivity.get(task.activityId) ?? 1) - 1,
      });
    }
    for (const activity of parts.historyByInstance.get(instance.id) ?? []) {
      if (!/ServiceTask|SendTask|ScriptTask|BusinessRuleTask/i.test(activity.activityType) || !activity.endedAt) continue;
      steps.push({
        instanceId: instance.id,
        processKey: instance.key,
        versionNumber: version?.version ?? null,
        category,
        taskId: null,
        activityId: activity.activityId,
        name: activity.name ?? activity.activityId,
        source: 'automatic',
        status: activity.outcome ?? 'completed',
        startedAt: iso(activity.startedAt),
        completedAt: iso(activity.endedAt),
        completedAtSite: siteTime(activity.endedAt, tz),
        performedBy: activity.actor ?? 'gemba',
        performedByName: 'Gemba system',
        verifiedBy: null,
        verifiedByName: null,
        data: [],
        signatures: [],
        repeated: 0,
      });
    }
  }
  steps.sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? ''));

  const onHoldAt = (lot: string | null, at: Date) => !!lot && parts.holds.some((h) => h.lot === lot && h.placedAt <= at && (!h.releasedAt || h.releasedAt > at));
  const targetLots = new Set(parts.lots);
  const components = parts.events
    .filter((e) => e.eventType === 'consume' && (targetLots.has(e.intoLot ?? '') || (parts.type === 'serial' && e.intoSerial === parts.identifier)))
    .map((e) => ({
      material: e.material,
      lot: e.lot,
      serial: e.serial,
      quantity: e.quantity,
      uom: e.uom,
      into: e.intoLot ?? e.intoSerial,
      consumedAt: e.occurredAt.toISOString(),
      consumedAtSite: siteTime(e.occurredAt, tz),
      performedBy: e.performedBy,
      performedByName: e.performedByName,
      equipmentId: e.equipmentId,
      statusAtUse: onHoldAt(e.lot, e.occurredAt) ? 'on hold' : 'released',
      eventId: e.id,
    }));

  const equipment = new Map<string, { equipmentId: string; firstUse: string; lastUse: string; events: number; orderIds: Set<string> }>();
  for (const e of parts.events) {
    if (!e.equipmentId) continue;
    const entry = equipment.get(e.equipmentId) ?? { equipmentId: e.equipmentId, firstUse: e.occurredAt.toISOString(), lastUse: e.occurredAt.toISOString(), events: 0, orderIds: new Set<string>() };
    entry.lastUse = e.occurredAt.toISOString();
    entry.events++;
    if (e.orderId) entry.orderIds.add(e.orderId);
    equipment.set(e.equipmentId, entry);
  }
  for (const instance of instances) {
    const id = str(instance.variables.equipmentId);
    if (id && !equipment.has(id)) equipment.set(id, { equipmentId: id, firstUse: instance.startedAt.toISOString(), lastUse: (instance.endedAt ?? instance.startedAt).toISOString(), events: 0, orderIds: new Set() });
  }
  const gaugeUses = steps.flatMap((s) =>
    s.data.filter((d) => d.field === 'gaugeId' && typeof d.value === 'string').map((d) => ({ gaugeId: d.value as string, usedAt: s.completedAt, step: s.name, instanceId: s.instanceId })),
  );
  const gaugesUsed = gaugeUses.map((use) => {
    const gauge = parts.gauges.find((g) => g.id.toLowerCase() === use.gaugeId.toLowerCase());
    return {
      ...use,
      registered: !!gauge,
      calibrationDue: gauge?.calibrationDue ?? null,
      calibratedAtUse: !!gauge && gauge.status === 'active' && !!use.usedAt && gauge.calibrationDue >= use.usedAt.slice(0, 10),
    };
  });

  const inspections = instances
    .filter((i) => i.key === 'inspection')
    .map((i) => {
      const v = i.variables;
      const history = parts.historyByInstance.get(i.id) ?? [];
      const ended = (id: string) => history.some((h) => h.activityId === id && h.endedAt);
      const decisionStep = steps.find((s) => s.instanceId === i.id && (s.activityId === 'AcceptLot' || s.activityId === 'RejectLot'));
      return {
        instanceId: i.id,
        lot: str(v.lot),
        inspectionType: str(v.inspectionType),
        plan: { samplingPlan: str(v.samplingPlan), aql: v.aql ?? null, inspectionLevel: v.inspectionLevel ?? 'II', switchingState: v.switchingState ?? 'normal', codeLetter: v.codeLetter ?? null, sampleSize: v.sampleSize ?? null, acceptNumber: v.acceptNumber ?? null, rejectNumber: v.rejectNumber ?? null },
        results: { sampleInspected: v.sampleInspected ?? null, defectsFound: v.defectsFound ?? null, measuredMin: v.measuredMin ?? null, measuredMax: v.measuredMax ?? null, lsl: v.lsl ?? null, usl: v.usl ?? null, unit: str(v.measurementUnit), gaugeId: str(v.gaugeId) },
        decision: ended('EndAccepted') || decisionStep?.activityId === 'AcceptLot' ? 'accepted' : ended('EndRejected') || decisionStep?.activityId === 'RejectLot' ? 'rejected' : 'pending',
        signatures: decisionStep?.signatures ?? [],
        ncNumber: str(v.ncNumber),
      };
    });

  const nonconformances = instances
    .filter((i) => i.key === 'deviation-capa')
    .map((i) => ({
      instanceId: i.id,
      recordType: str(i.variables.recordType),
      ncNumber: str(i.variables.ncNumber),
      lot: str(i.variables.lot),
      severity: str(i.variables.severity),
      description: str(i.variables.description),
      disposition: str(i.variables.disposition),
      capaRequired: str(i.variables.capaRequired),
      status: i.status,
      openedAt: i.startedAt.toISOString(),
      closedAt: iso(i.endedAt),
    }));
  const ncNumbers = new Set([...nonconformances.map((n) => n.ncNumber), ...instances.map((i) => str(i.variables.ncNumber))].filter(Boolean));
  const changedEntries = steps.flatMap((s) => s.data.filter((d) => d.changedAfterFirstEntry).map((d) => ({ step: s.name, activityId: s.activityId, instanceId: s.instanceId, field: d.field, label: d.label, firstValue: d.changedAfterFirstEntry!.firstValue, firstEnteredAt: d.changedAfterFirstEntry!.firstEnteredAt, firstEnteredBy: d.changedAfterFirstEntry!.firstEnteredBy, value: d.value, enteredAt: s.completedAt, enteredBy: s.performedBy })));

  const production = parts.events.filter((e) => e.eventType === 'produce' && (parts.type === 'serial' || targetLots.has(e.lot ?? '')));
  const scrap = parts.events.filter((e) => e.eventType === 'scrap' && targetLots.has(e.lot ?? ''));
  const orderVariables = instances.find((i) => i.key === 'operation-execution')?.variables ?? instances[0]?.variables ?? {};
  const partNumber = production[0]?.material ?? str(orderVariables.partNumber) ?? parts.events[0]?.material ?? null;
  const allTimes = [...parts.events.map((e) => e.occurredAt), ...instances.flatMap((i) => [i.startedAt, ...(i.endedAt ? [i.endedAt] : [])])].map((d) => d.getTime());
  const openTasks = [...parts.tasksByInstance.values()].flat().filter((t) => t.status === 'open' || t.status === 'awaiting_verification');
  const activeHolds = parts.holds.filter((h) => h.status === 'active');

  const document = {
    recordType: parts.type,
    identifier: parts.identifier,
    title: `${parts.type === 'work-order' ? 'Work order' : parts.type === 'lot' ? 'Lot' : 'Serial'} ${parts.identifier}: electronic device history / batch record`,
    generatedAt: options.now.toISOString(),
    generatedAtSite: siteTime(options.now, tz),
    generatedBy: options.generatedBy,
    siteTimeZone: tz,
    header: {
      partNumber,
      lots: parts.lots,
      serial: parts.type === 'serial' ? parts.identifier : null,
      orderIds: parts.orderIds,
      quantities: {
        ordered: numeric(orderVariables.quantity),
        produced: production.reduce((sum, e) => sum + (e.quantity ?? 0), 0),
        scrapped: scrap.reduce((sum, e) => sum + (e.quantity ?? 0), 0) + (numeric(orderVariables.scrapQuantity) ?? 0),
        unit: str(orderVariables.unit) ?? production[0]?.uom ?? null,
      },
      firstActivityAt: allTimes.length ? new Date(Math.min(...allTimes)).toISOString() : null,
      lastActivityAt: allTimes.length ? new Date(Math.max(...allTimes)).toISOString() : null,
      equipment: [...equipment.keys()],
      status: activeHolds.length ? 'on hold' : openTasks.length ? 'in progress' : 'complete',
    },
    masterReference: [...new Map(instances.map((i) => [i.versionId, i])).values()].map((i) => {
      const v = versions.get(i.versionId);
      return { processKey: i.key, version: v?.version ?? null, versionId: i.versionId, sha256: v?.sha256 ?? null, status: v?.status ?? null, releasedAt: iso(v?.releasedAt), changeReason: v?.changeReason ?? null };
    }),
    instances: instances.map((i) => ({
      id: i.id,
      processKey: i.key,
      version: versions.get(i.versionId)?.version ?? null,
      sha256: versions.get(i.versionId)?.sha256 ?? null,
      businessKey: i.businessKey,
      status: i.status,
      category: PRODUCTION_KEYS.has(i.key) ? 'production' : 'exception',
      startedAt: i.startedAt.toISOString(),
      startedBy: i.startedByName ?? i.startedBy,
      endedAt: iso(i.endedAt),
    })),
    components,
    equipment: [...equipment.values()].map((e) => ({ equipmentId: e.equipmentId, firstUse: e.firstUse, lastUse: e.lastUse, genealogyEvents: e.events, orderIds: [...e.orderIds] })),
    gauges: gaugesUsed,
    steps,
    inspections,
    exceptions: {
      nonconformances,
      ncNumbers: [...ncNumbers],
      holds: parts.holds.map((h) => ({
        id: h.id,
        lot: h.lot,
        status: h.status,
        reason: h.reason,
        reference: h.reference,
        placedBy: h.placedByName ?? h.placedBy,
        placedAt: h.placedAt.toISOString(),
        releasedBy: h.releasedByName ?? h.releasedBy,
        releasedAt: iso(h.releasedAt),
        releaseReason: h.releaseReason,
      })),
      incidents: parts.incidents.map((i) => ({ id: i.id, instanceId: i.instanceId, kind: i.kind, message: i.message, status: i.status, createdAt: i.createdAt.toISOString(), resolvedAt: iso(i.resolvedAt), resolution: i.resolution })),
      escalations: instances.filter((i) => i.key === 'escalation').map((i) => ({ instanceId: i.id, title: str(i.variables.title), eventClass: str(i.variables.eventClass), resolutionCode: str(i.variables.resolutionCode), status: i.status })),
    },
    genealogy: parts.events.map((e) => ({
      id: e.id,
      eventType: e.eventType,
      material: e.material,
      lot: e.lot,
      serial: e.serial,
      quantity: e.quantity,
      uom: e.uom,
      into: e.intoLot ?? e.intoSerial,
      status: e.statusTo,
      reference: e.reference,
      equipmentId: e.equipmentId,
      performedBy: e.performedBy,
      performedByName: e.performedByName,
      processKey: e.processKey,
      versionSha256: e.versionSha256,
      occurredAt: e.occurredAt.toISOString(),
    })),
    changedEntries,
    reviewByException: {
      openTasks: openTasks.length,
      activeHolds: activeHolds.length,
      openIncidents: parts.incidents.filter((i) => i.status === 'open').length,
      nonconformances: nonconformances.length,
      changedEntries: changedEntries.length,
      invalidSignatures: steps.flatMap((s) => s.signatures).filter((s) => !s.valid).length,
      readyForRelease: openTasks.length === 0 && activeHolds.length === 0 && parts.incidents.every((i) => i.status !== 'open'),
    },
    auditTrail: parts.audit.map((a) => ({
      seq: Number(a.seq),
      occurredAt: new Date(a.occurred_at).toISOString(),
      actor: a.actor_name,
      printedName: a.printed_name,
      actorType: a.actor_type,
      action: a.action,
      entity: `${a.entity_type}:${a.entity_id}`,
      reason: a.reason,
      hash: a.hash,
    })),
  };
  return { ...document, integrity: { algorithm: 'SHA-256 of the canonical JSON of this record without this field', sha256: sha256Hex(canonicalJson(document)) } };
}
