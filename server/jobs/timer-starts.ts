import { systemActor } from '../auth/actor';
import { startInstance } from '../commands/instances/start-instance';
import { runCommand, type CommandContext, type CommandDeps } from '../commands/run-command';
import { DefinitionCache, nextTimerStart, nextTimerStarts, type CompiledDefinition, type TimerStartFire } from '../engine';
import { cancelJobs, insertJob, updateJob, type Job } from '../repos/jobs.repo';
import { findProcessVersion, findProcessVersionForUpdate, type ProcessVersionWithContent } from '../repos/process-versions.repo';
import type { JobDeps } from './job-context';
import { withLease } from './handlers';

// Timer start events of released versions (issue 5). Each timer start event of the released
// version of a key has one pending `timerStart` job: the poller claims it with FOR UPDATE SKIP
// LOCKED and a lease, so exactly one node fires each tick; firing starts the instance and
// inserts the next tick's job in the same transaction. A version's schedule belongs to one
// release of it (`releasedAt`): superseding or retiring it cancels its pending jobs, and a
// rollback (re-release) starts a fresh schedule. Cron is read in UTC, as the engine runtime reads
// the cron timers inside instances.

export const TIMER_START_KIND = 'timerStart' as const;
const actor = systemActor('timer-start');
const definitions = new DefinitionCache({ max: 100 });

type Payload = { versionId: string; releasedAt: string; startEventId: string; timerType: TimerStartFire['timerType']; value: string; repeat?: number; fireAt: string };

const definitionOf = (version: ProcessVersionWithContent): Promise<CompiledDefinition> => definitions.get(version.id, async () => version.xml);
const executionOf = (versionId: string, startEventId: string) => `${versionId}/${startEventId}`;
const toFire = (p: Payload): TimerStartFire => ({ startEventId: p.startEventId, timerType: p.timerType, value: p.value, repeat: p.repeat, fireAt: new Date(p.fireAt) });

async function scheduleFire(ctx: CommandContext, version: ProcessVersionWithContent, fire: TimerStartFire): Promise<void> {
  const payload: Payload = {
    versionId: version.id,
    releasedAt: version.releasedAt!.toISOString(),
    startEventId: fire.startEventId,
    timerType: fire.timerType,
    value: fire.value,
    ...(fire.repeat !== undefined ? { repeat: fire.repeat } : {}),
    fireAt: fire.fireAt.toISOString(),
  };
  await insertJob(ctx.trx, { kind: TIMER_START_KIND, instanceId: null, executionId: executionOf(version.id, fire.startEventId), activityId: fire.startEventId, dueAt: fire.fireAt, payload, now: ctx.now });
  ctx.afterCommit(() => ctx.wakeJobs?.());
}

/**
 * Makes the timer-start jobs match the released versions: schedules the first firing of each
 * timer start event of a released version that has no schedule for its current release, and
 * cancels the pending firings of versions that are no longer released. Idempotent and safe on
 * several nodes at once (each version row is locked while it is scheduled).
 */
export async function reconcileTimerStarts(deps: CommandDeps): Promise<void> {
  await runCommand(deps, actor, { requestId: 'timer-starts' }, async (ctx) => {
    const stale = await ctx.trx('jobs')
      .where({ kind: TIMER_START_KIND })
      .whereIn('status', ['pending', 'running'])
      .whereNotIn(ctx.trx.raw(`payload->>'versionId'`) as never, ctx.trx('process_versions').where({ status: 'released' }).select(ctx.trx.raw('id::text')))
      .select('id', 'activity_id', 'payload');
    for (const job of await cancelJobs(ctx.trx, stale.map((j: { id: string }) => j.id), ctx.now)) {
      ctx.emit({ type: 'timerStart.stopped', entity: { type: 'ProcessVersion', id: (job.payload as Payload).versionId }, after: { startEventId: job.activityId, jobId: job.id, reason: 'the version is no longer released' } });
    }
    const released = (await ctx.trx('process_versions').where({ status: 'released' }).select('id')) as Array<{ id: string }>;
    for (const { id } of released) {
      const version = await findProcessVersion(ctx.trx, id);
      if (!version?.releasedAt) continue;
      let definition: CompiledDefinition;
      try {
        definition = await definitionOf(version);
      } catch {
        continue; // a version the engine cannot compile has no schedule
      }
      if (!definition.startEvents.some((s) => s.kind === 'timer')) continue;
      const locked = await findProcessVersionForUpdate(ctx.trx, id);
      if (locked?.status !== 'released' || locked.releasedAt?.getTime() !== version.releasedAt.getTime()) continue;
      const scheduled = new Set(
        ((await ctx.trx('jobs').where({ kind: TIMER_START_KIND }).whereRaw(`payload->>'versionId' = ? AND payload->>'releasedAt' = ?`, [id, version.releasedAt.toISOString()]).select('activity_id')) as Array<{ activity_id: string }>).map((j) => j.activity_id),
      );
      let fires: TimerStartFire[];
      try {
        fires = nextTimerStarts(definition, version.releasedAt);
      } catch (error) {
        // Released before the submit gate checked timer starts: say so once, on the version.
        deps.logger.warn({ err: error, versionId: id }, 'a timer start event of a released version cannot be scheduled');
        continue;
      }
      for (const fire of fires) {
        if (scheduled.has(fire.startEventId)) continue;
        await scheduleFire(ctx, version, fire);
        ctx.emit({ type: 'timerStart.scheduled', entity: { type: 'ProcessVersion', id }, after: { key: version.key, version: version.version, startEventId: fire.startEventId, value: fire.value, fireAt: fire.fireAt.toISOString() }, audit: false });
      }
    }
  });
}

/**
 * A timer start event is due: under the job's lease, start one instance of the version at that
 * start event and schedule the next firing, in one transaction. A version that is no longer
 * released (or was released again since) starts nothing: its job is cancelled.
 */
export async function fireTimerStart(deps: JobDeps, job: Job): Promise<void> {
  const payload = job.payload as Payload;
  await withLease(deps, job, actor, async (ctx, current) => {
    const version = await findProcessVersionForUpdate(ctx.trx, payload.versionId);
    if (!version || version.status !== 'released' || version.releasedAt?.toISOString() !== payload.releasedAt) {
      await updateJob(ctx.trx, current.id, { status: 'cancelled', finishedAt: ctx.now, leaseOwner: null, leaseExpiresAt: null, lastError: 'the version is no longer released' }, ctx.now);
      return;
    }
    await updateJob(ctx.trx, current.id, { status: 'done', finishedAt: ctx.now, leaseOwner: null, leaseExpiresAt: null }, ctx.now);
    const started = await startInstance(ctx, deps.engine, version, { businessKey: null, variables: {}, startEventId: payload.startEventId });
    // Ticks missed while no node ran collapse into this one: the next firing counts from now.
    const next = nextTimerStart(await definitionOf(version), ctx.now, toFire(payload));
    if (next) await scheduleFire(ctx, version, next);
    ctx.emit({
      type: 'timerStart.fired',
      entity: { type: 'ProcessVersion', id: version.id },
      after: { key: version.key, version: version.version, startEventId: payload.startEventId, dueAt: payload.fireAt, instanceId: started.instanceId, next: next?.fireAt.toISOString() ?? null },
      context: { node: deps.nodeId, jobId: current.id },
    });
  });
}

// Version lifecycle events after which the schedules must be brought in line.
const LIFECYCLE = new Set(['processVersion.released', 'processVersion.rolledBack', 'processVersion.superseded', 'processVersion.retired']);

/**
 * Keeps the timer-start jobs in line with the released versions on one node: right after a
 * release, rollback or retirement committed on this node (bus event), at start-up, and every
 * `intervalMs` (a node that died between a release and its scheduling is healed by any node).
 * Reconciliations run one at a time.
 */
export class TimerStartScheduler {
  private pending: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;

  constructor(
    private readonly deps: CommandDeps & { bus: { subscribe(handler: (event: { type: string }) => void): () => void } },
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.unsubscribe = this.deps.bus.subscribe((event) => {
      if (LIFECYCLE.has(event.type)) this.request();
    });
    this.timer = setInterval(() => this.request(), this.intervalMs);
    this.timer.unref();
    this.request();
  }

  /** Resolves when the reconciliations asked for so far have run. */
  settled(): Promise<void> {
    return this.pending;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    await this.pending;
  }

  private request(): void {
    this.pending = this.pending
      .then(() => reconcileTimerStarts(this.deps))
      .catch((error) => this.deps.logger.warn({ err: error }, 'timer start schedules could not be reconciled; retrying at the next interval'));
  }
}
