import type { Knex } from 'knex';
import { activeHoldCounts, activityCycleTimeRows, completedInspectionRows, openDeviationCapaRows, openTaskRows, processCycleTimeRows } from '../repos/kpis.repo';
import { counterSamples, equipmentWithSamples, findEquipmentProfile, stateSamples, type CounterSample, type StateSample } from '../repos/equipment-samples.repo';

// KPIs (K01, K02) computed from the database at request time. Every figure carries its definition
// (how it is computed, in words) and its inputs (the counts and times it was computed from), so
// that a reader can check it against the source records.

const DAY = 86_400_000;


/** A KPI value with how it was computed and from what. */
export type Figure<T> = { value: T; definition: string; inputs: Record<string, unknown> };

export type Kpis = {
  window: { from: Date; to: Date };
  generatedAt: Date;
  cycleTime: Figure<{ byProcess: ProcessCycleTime[]; byActivity: ActivityCycleTime[] }>;
  tasks: Figure<{ open: number; awaitingVerification: number; overdue: number; overduePercent: number | null }>;
  aging: Figure<Record<'nonconformance' | 'deviation' | 'capa', AgingBuckets>>;
  firstPassYield: Figure<number | null>;
  holds: Figure<{ active: number; lots: number }>;
  oee: Array<Figure<OeeValue> & { equipmentId: string }>;
};

export type ProcessCycleTime = { key: string; completed: number; meanMs: number; medianMs: number; p90Ms: number; minMs: number; maxMs: number };
export type ActivityCycleTime = { key: string; activityId: string; name: string | null; activityType: string; count: number; meanMs: number; medianMs: number; maxMs: number };
export type AgingBuckets = { open: number; buckets: Record<'0-7d' | '8-30d' | '31-90d' | '>90d', number>; overdue: number; overduePercent: number | null; oldestDays: number | null };
export type OeeValue = {
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  plannedMs: number;
  runMs: number;
  totalCount: number;
  goodCount: number;
  defectiveCount: number;
  idealCycleMs: number | null;
  losses: Array<{ state: string; ms: number }>;
};

const round = (value: number | null, digits = 4) => (value === null || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits);
const percent = (part: number, whole: number) => (whole > 0 ? round((100 * part) / whole, 2) : null);

async function cycleTimes(db: Knex, from: Date, to: Date): Promise<Kpis['cycleTime']> {
  const processRows = await processCycleTimeRows(db, from, to);
  const activityRows = await activityCycleTimeRows(db, from, to);
  const byProcess = processRows.map((r) => ({
    key: r.key as string,
    completed: Number(r.completed),
    meanMs: Math.round(Number(r.mean_ms)),
    medianMs: Math.round(Number(r.median_ms)),
    p90Ms: Math.round(Number(r.p90_ms)),
    minMs: Math.round(Number(r.min_ms)),
    maxMs: Math.round(Number(r.max_ms)),
  }));
  const byActivity = activityRows.map((r) => ({
    key: r.key as string,
    activityId: r.activity_id as string,
    name: (r.name as string | null) ?? null,
    activityType: r.activity_type as string,
    count: Number(r.count),
    meanMs: Math.round(Number(r.mean_ms)),
    medianMs: Math.round(Number(r.median_ms)),
    maxMs: Math.round(Number(r.max_ms)),
  }));
  return {
    value: { byProcess, byActivity },
    definition:
      'Per process: ended_at − started_at of instances completed in the window (mean, median, 90th percentile, min, max, in ms). Per activity: ended_at − started_at of task activities (user, service, send, receive…) completed in the window, from the activity history; a user task runs from its creation to its completion (claim and verification included).',
    inputs: { instancesCompleted: byProcess.reduce((sum, p) => sum + p.completed, 0), activitiesCompleted: byActivity.reduce((sum, a) => sum + a.count, 0), source: 'process_instances, activity_history' },
  };
}

async function taskFigures(db: Knex, now: Date): Promise<Kpis['tasks']> {
  const rows = await openTaskRows(db, now);
  const of = (status: string) => rows.find((r) => r.status === status);
  const open = Number(of('open')?.count ?? 0);
  const awaitingVerification = Number(of('awaiting_verification')?.count ?? 0);
  const overdue = rows.reduce((sum, r) => sum + Number(r.overdue), 0);
  return {
    value: { open, awaitingVerification, overdue, overduePercent: percent(overdue, open + awaitingVerification) },
    definition: 'Tasks open now (open or awaiting a second person’s verification); overdue when their due date is before now. Overdue % = overdue ÷ (open + awaiting verification).',
    inputs: { asOf: now.toISOString(), source: 'user_tasks' },
  };
}

async function aging(db: Knex, now: Date): Promise<Kpis['aging']> {
  const rows = await openDeviationCapaRows(db, now);
  const empty = (): AgingBuckets => ({ open: 0, buckets: { '0-7d': 0, '8-30d': 0, '31-90d': 0, '>90d': 0 }, overdue: 0, overduePercent: null, oldestDays: null });
  const result = { nonconformance: empty(), deviation: empty(), capa: empty() };
  const add = (bucket: AgingBuckets, since: Date, overdue: boolean) => {
    const days = (now.getTime() - since.getTime()) / DAY;
    bucket.open++;
    bucket.buckets[days <= 7 ? '0-7d' : days <= 30 ? '8-30d' : days <= 90 ? '31-90d' : '>90d']++;
    if (overdue) bucket.overdue++;
    bucket.oldestDays = Math.max(bucket.oldestDays ?? 0, Math.floor(days));
  };
  for (const row of rows) {
    const overdue = row.overdue === true || row.overdue === 't';
    if (!row.decided_at) {
      if (row.record_type === 'nonconformance') add(result.nonconformance, row.started_at as Date, overdue);
      else if (row.record_type === 'deviation') add(result.deviation, row.started_at as Date, overdue);
    } else if (row.capa_required === 'yes') {
      add(result.capa, row.decided_at as Date, overdue);
    }
  }
  for (const bucket of Object.values(result)) bucket.overduePercent = percent(bucket.overdue, bucket.open);
  return {
    value: result,
    definition:
      'Open records of the deviation-capa process now. A nonconformance or deviation is open from the start of its instance until the CAPA decision (DecideCapa); a CAPA is open from that decision (capaRequired = yes) until its instance ends. Age buckets by days open; overdue when an open task of the record is past its due date.',
    inputs: { asOf: now.toISOString(), runningInstances: rows.length, source: 'process_instances (key deviation-capa), activity_history, user_tasks' },
  };
}

async function firstPassYield(db: Knex, from: Date, to: Date): Promise<Kpis['firstPassYield']> {
  const rows = await completedInspectionRows(db, from, to);
  const truthy = (v: unknown) => v === true || v === 't';
  const accepted = rows.filter((r) => truthy(r.accepted)).length;
  const rejected = rows.filter((r) => truthy(r.rejected)).length;
  return {
    value: accepted + rejected > 0 ? round(accepted / (accepted + rejected)) : null,
    definition:
      'First pass yield = lots accepted at their first inspection ÷ lots whose first inspection ended in the window (accepted + rejected). Every instance of the inspection process is a first inspection; re-inspections after rework or repair run inside deviation-capa and do not count.',
    inputs: { inspectionsCompleted: rows.length, acceptedFirstTime: accepted, rejected, source: 'process_instances (key inspection), activity_history (EndAccepted, EndRejected)' },
  };
}

async function holdFigures(db: Knex): Promise<Kpis['holds']> {
  const counts = await activeHoldCounts(db);
  return {
    value: counts,
    definition: 'Holds active now and the number of distinct lots they block (W18).',
    inputs: { source: 'lot_holds' },
  };
}

/** Time in each state within [from, to] from state samples (a sample holds until the next one). */
export function stateDurations(samples: StateSample[], from: Date, to: Date): { byState: Map<string, number>; observedFrom: Date | null } {
  const byState = new Map<string, number>();
  let observedFrom: Date | null = null;
  samples.forEach((sample, index) => {
    const start = Math.max(sample.sourceTimestamp.getTime(), from.getTime());
    const end = Math.min(index + 1 < samples.length ? samples[index + 1].sourceTimestamp.getTime() : to.getTime(), to.getTime());
    if (end <= start) return;
    observedFrom ??= new Date(start);
    byState.set(sample.state, (byState.get(sample.state) ?? 0) + (end - start));
  });
  return { byState, observedFrom };
}

/** Parts counted in the window from cumulative counters; a counter that goes down was reset (count from 0). */
export function counterDeltas(samples: CounterSample[]): { processed: number; defective: number } {
  let processed = 0;
  let defective = 0;
  for (let i = 1; i < samples.length; i++) {
    const dp = samples[i].processedCount - samples[i - 1].processedCount;
    const dd = samples[i].defectiveCount - samples[i - 1].defectiveCount;
    processed += dp >= 0 ? dp : samples[i].processedCount;
    defective += dd >= 0 ? dd : samples[i].defectiveCount;
  }
  return { processed, defective };
}

async function oee(db: Knex, from: Date, to: Date, now: Date): Promise<Kpis['oee']> {
  const until = new Date(Math.min(to.getTime(), now.getTime()));
  const figures: Kpis['oee'] = [];
  for (const equipmentId of await equipmentWithSamples(db, until)) {
    const states = await stateSamples(db, equipmentId, from, until);
    const counters = await counterSamples(db, equipmentId, from, until);
    const profile = await findEquipmentProfile(db, equipmentId);
    const { byState, observedFrom } = stateDurations(states, from, until);
    const plannedMs = observedFrom ? until.getTime() - observedFrom.getTime() : 0;
    const runMs = byState.get('Execute') ?? 0;
    const { processed, defective } = counterDeltas(counters);
    const good = Math.max(0, processed - defective);
    const availability = plannedMs > 0 ? runMs / plannedMs : null;
    const performance = profile && runMs > 0 ? (profile.idealCycleMs * processed) / runMs : null;
    const quality = processed > 0 ? good / processed : null;
    const value: OeeValue = {
      availability: round(availability),
      performance: round(performance),
      quality: round(quality),
      oee: availability !== null && performance !== null && quality !== null ? round(availability * performance * quality) : null,
      plannedMs,
      runMs,
      totalCount: processed,
      goodCount: good,
      defectiveCount: defective,
      idealCycleMs: profile?.idealCycleMs ?? null,
      losses: [...byState.entries()].filter(([state]) => state !== 'Execute').map(([state, ms]) => ({ state, ms })).sort((a, b) => b.ms - a.ms),
    };
    figures.push({
      equipmentId,
      value,
      definition:
        'OEE = availability × performance × quality. Planned time: the window from the first observed PackML state (no shift calendar yet: all observed time is planned). Availability = time in Execute ÷ planned time; the other states are the losses, by state. Performance = ideal cycle time × parts processed ÷ time in Execute (above 1 means the ideal cycle time is set too slow). Quality = (processed − defective) ÷ processed, from the ProdProcessedCount and ProdDefectiveCount counters (increases within the window; a drop is a counter reset). Null when an input is missing.',
      inputs: {
        window: { from: from.toISOString(), to: until.toISOString() },
        stateSamples: states.length,
        counterSamples: counters.length,
        idealCycleMs: profile?.idealCycleMs ?? null,
        firstCounters: counters[0] ? { processed: counters[0].processedCount, defective: counters[0].defectiveCount } : null,
        lastCounters: counters.at(-1) ? { processed: counters.at(-1)!.processedCount, defective: counters.at(-1)!.defectiveCount } : null,
        source: 'equipment_samples, equipment_profiles',
      },
    });
  }
  return figures;
}

/**
 * Computes the KPIs for a window: cycle times, first pass yield and OEE over [from, to]; open and
 * overdue tasks, aging and holds as of now.
 */
export async function computeKpis(db: Knex, window: { from: Date; to: Date }, now: Date): Promise<Kpis> {
  return {
    window,
    generatedAt: now,
    cycleTime: await cycleTimes(db, window.from, window.to),
    tasks: await taskFigures(db, now),
    aging: await aging(db, now),
    firstPassYield: await firstPassYield(db, window.from, window.to),
    holds: await holdFigures(db),
    oee: await oee(db, window.from, window.to, now),
  };
}
