import { claimDueJobs, nextDueAt, type Job, type JobKind } from '../repos/jobs.repo';
import { broadcastSignal, fireTimer, runServiceJob, sendThrownMessage } from './handlers';
import type { JobDeps } from './job-context';
import { PollingLoop } from './polling-loop';
import { deliverCallJob } from '../runtime/call-activities';
import { fireTimerStart } from './timer-starts';

const HANDLERS: Partial<Record<JobKind, (deps: JobDeps, job: Job) => Promise<void>>> = {
  timer: fireTimer,
  service: runServiceJob,
  signal: broadcastSignal,
  message: sendThrownMessage,
  call: deliverCallJob,
  timerStart: fireTimerStart,
};
const KINDS = Object.keys(HANDLERS) as JobKind[];

export type JobPollerOptions = { intervalMs: number; leaseMs: number; batchSize: number; concurrency: number };

/**
 * Every node runs one poller. It claims due jobs with `FOR UPDATE SKIP LOCKED` and a lease, runs
 * them (a few at a time: service calls wait on the network), and sleeps until the next job is due,
 * the interval passes, or a commit on this node wakes it. A job whose node dies is claimed again
 * when its lease expires. External-task jobs are left to external workers.
 */
export class JobPoller {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly loop: PollingLoop;

  constructor(
    private readonly deps: JobDeps,
    private readonly options: JobPollerOptions,
  ) {
    this.loop = new PollingLoop({
      name: 'job poll',
      logger: deps.logger,
      intervalMs: options.intervalMs,
      now: () => deps.clock.now(),
      round: () => this.claimAndStart(),
      nextDueAt: () => nextDueAt(deps.db, KINDS),
      goOn: (claimed) => claimed > 0 && this.inFlight.size < options.concurrency,
    });
  }

  start(): void {
    this.loop.start();
  }

  /** Stops claiming and waits for the jobs in hand. */
  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Something new is due: poll now rather than at the next interval. */
  wake(): void {
    this.loop.wake();
  }

  /**
   * Runs every job that is due now, and what they make due in turn, then resolves (used after a
   * controlled clock moves, so that "due timers fire at once").
   */
  async drain(maxRounds = 50): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round++) {
      const done = await this.loop.runRound();
      await Promise.allSettled([...this.inFlight]);
      total += done;
      if (done === 0) break;
    }
    return total;
  }

  private async claimAndStart(): Promise<number> {
    await this.syncClock();
    const room = Math.max(0, this.options.concurrency - this.inFlight.size);
    if (room === 0) {
      await Promise.race([...this.inFlight]);
      return 0;
    }
    const jobs = await claimDueJobs(this.deps.db, {
      kinds: KINDS,
      owner: this.deps.nodeId,
      now: this.deps.clock.now(),
      leaseMs: this.options.leaseMs,
      limit: Math.min(room, this.options.batchSize),
    });
    // Jobs of one instance run one after another, in due order; different instances run side by side.
    const byInstance = new Map<string, Job[]>();
    for (const job of jobs) {
      const group = job.instanceId ?? job.id;
      byInstance.set(group, [...(byInstance.get(group) ?? []), job]);
    }
    for (const group of byInstance.values()) {
      const task = (async () => {
        for (const job of group) {
          await HANDLERS[job.kind]!(this.deps, job).catch((error) =>
            this.deps.logger.error({ err: error, jobId: job.id, kind: job.kind }, 'job failed unexpectedly; it is retried when its lease expires'),
          );
        }
      })().finally(() => {
        this.inFlight.delete(task);
        this.wake();
      });
      this.inFlight.add(task);
    }
    return jobs.length;
  }

  /** A controlled clock (tests) is shared through the database by every node. */
  private async syncClock(): Promise<void> {
    if (!this.deps.clock.controlled) return;
    const row = await this.deps.db('clock_settings').where({ id: 1 }).first();
    if (row) this.deps.clock.setOffset(Number(row.offset_ms));
  }
}
