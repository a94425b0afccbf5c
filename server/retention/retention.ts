import { systemActor } from '../auth/actor';
import { runCommand, type CommandDeps } from '../commands/run-command';
import { insertArchives, lockPurgeableInstances, purgeInstances, readInstanceHistories, tryRetentionLock, type PurgedRows } from './retention.repo';

export type RetentionPolicy = 'keep-history' | 'archive';

/** What retention removes, and how much at a time. */
export type RetentionOptions = {
  /** Finished instances that ended more than this many days ago are purged. */
  days: number;
  /** `keep-history`: only runtime state goes; `archive`: history moves to `archived_instances` too. */
  policy: RetentionPolicy;
  /** Instances per transaction. */
  batchSize: number;
};

/** The outcome of one batch. `busy`: another node held the retention lock, nothing was done. */
export type RetentionBatch = { instanceIds: string[]; removed: PurgedRows; busy: boolean };

/** The outcome of a sweep: every batch until none was left (or another node was purging). */
export type RetentionRun = { instances: number; batches: number; removed: PurgedRows; busy: boolean };

const DAY_MS = 86_400_000;
const retentionActor = systemActor('retention');

/**
 * Purges one batch of finished instances in one transaction: locks them (`SKIP LOCKED`), stores
 * their archive documents when the policy says so, removes their runtime state (and archived
 * history), and records one audit entry per instance. Another node purging at the same moment
 * makes this batch do nothing (`busy`). The audit trail is never changed, and the instance rows
 * stay, so every audit entry, signature and genealogy event keeps pointing at an existing instance.
 * @throws whatever the database throws; the batch is then rolled back entirely.
 */
export async function purgeBatch(deps: CommandDeps, options: RetentionOptions): Promise<RetentionBatch> {
  return runCommand(deps, retentionActor, { requestId: 'retention' }, async (ctx) => {
    const empty: PurgedRows = { jobs: 0, subscriptions: 0, userTasks: 0, activities: 0, incidents: 0 };
    if (!(await tryRetentionLock(ctx.trx))) return { instanceIds: [], removed: empty, busy: true };
    const cutoff = new Date(ctx.now.getTime() - options.days * DAY_MS);
    const ids = await lockPurgeableInstances(ctx.trx, cutoff, options.batchSize);
    if (ids.length === 0) return { instanceIds: [], removed: empty, busy: false };
    if (options.policy === 'archive') {
      const histories = await readInstanceHistories(ctx.trx, ids);
      await insertArchives(ctx.trx, [...histories.values()], ctx.now);
    }
    const removed = await purgeInstances(ctx.trx, ids, options.policy === 'archive' ? 'remove' : 'keep', ctx.now);
    for (const id of ids) {
      ctx.emit({
        type: 'processInstance.retained',
        entity: { type: 'ProcessInstance', id },
        after: { policy: options.policy, retentionDays: options.days, endedBefore: cutoff.toISOString() },
        reason: `retention: finished more than ${options.days} day(s) ago`,
      });
    }
    return { instanceIds: ids, removed, busy: false };
  });
}

/**
 * Purges batch after batch until no finished instance past the retention period is left, another
 * node is purging, `shouldStop` says so, or `maxBatches` is reached.
 * @throws whatever a batch throws (the batches before it stay committed).
 */
export async function purgeFinishedInstances(
  deps: CommandDeps,
  options: RetentionOptions,
  limits: { maxBatches?: number; shouldStop?: () => boolean } = {},
): Promise<RetentionRun> {
  const run: RetentionRun = { instances: 0, batches: 0, removed: { jobs: 0, subscriptions: 0, userTasks: 0, activities: 0, incidents: 0 }, busy: false };
  const maxBatches = limits.maxBatches ?? 1_000;
  while (run.batches < maxBatches && !limits.shouldStop?.()) {
    const batch = await purgeBatch(deps, options);
    if (batch.busy) {
      run.busy = true;
      break;
    }
    if (batch.instanceIds.length === 0) break;
    run.batches += 1;
    run.instances += batch.instanceIds.length;
    for (const key of Object.keys(run.removed) as Array<keyof PurgedRows>) run.removed[key] += batch.removed[key];
    if (batch.instanceIds.length < options.batchSize) break;
    // Let requests and jobs in between batches.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return run;
}

/**
 * Runs retention on a node at a fixed interval (and once shortly after start). Every node may run
 * one: the advisory lock and `SKIP LOCKED` keep them from purging the same rows.
 */
export class RetentionSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<RetentionRun | undefined>;
  private stopped = true;

  constructor(
    private readonly deps: CommandDeps,
    private readonly options: RetentionOptions & { intervalMs: number; firstDelayMs?: number },
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.firstDelayMs ?? 60_000);
  }

  /** Stops the timer and waits for a sweep in progress (it stops between batches). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Sweeps now; resolves with what was purged, or undefined when the sweep failed (it is logged). */
  runNow(): Promise<RetentionRun | undefined> {
    this.running ??= purgeFinishedInstances(this.deps, this.options, { shouldStop: () => this.stopped })
      .then(
        (run) => {
          if (run.instances > 0) this.deps.logger.info({ retention: run, policy: this.options.policy }, 'retention purged finished instances');
          return run;
        },
        (error) => {
          this.deps.logger.warn({ err: error }, 'retention sweep failed; it runs again at the next interval');
          return undefined;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.runNow().finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
