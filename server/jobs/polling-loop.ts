import type { Logger } from '../lib/logger';

export type PollingLoopOptions = {
  /** What the loop does, for its log lines. */
  name: string;
  logger: Logger;
  /** The longest sleep between rounds (ms). */
  intervalMs: number;
  /** The shortest sleep before a due item: a floor keeps an item another node holds from turning the loop into a spin. */
  minSleepMs?: number;
  now: () => Date;
  /** One round of work; returns how many items it took on. */
  round: () => Promise<number>;
  /** When the next item falls due, if known (the loop sleeps until then at most). */
  nextDueAt: () => Promise<Date | null | undefined>;
  /** Whether to go straight on after a round that took on `count` items (default: when it took any). */
  goOn?: (count: number) => boolean;
};

/**
 * The background loop of a node's pollers (jobs, outbox): rounds of work, and between them a sleep
 * until the next item is due, the interval passes, or `wake()` (a commit on this node). Rounds run
 * one at a time, whether the loop or `runRound()` (drains in tests and admin calls) asked for them.
 */
export class PollingLoop {
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  private woken = false;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: PollingLoopOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the round in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.turn.catch(() => undefined);
  }

  /** Something new is due: run a round now rather than at the next interval. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Runs one round after any round in progress; returns how many items it took on. */
  runRound(): Promise<number> {
    const next = this.turn.then(this.options.round, this.options.round);
    this.turn = next.catch(() => 0);
    return next;
  }

  private async run(): Promise<void> {
    const goOn = this.options.goOn ?? ((count: number) => count > 0);
    while (this.running) {
      let count = 0;
      try {
        count = await this.runRound();
      } catch (error) {
        this.options.logger.warn({ err: error }, `${this.options.name} failed; retrying`);
      }
      if (!this.running) break;
      if (goOn(count)) continue;
      await this.sleep();
    }
  }

  private async sleep(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    let delay = this.options.intervalMs;
    try {
      const next = await this.options.nextDueAt();
      if (next) delay = Math.max(this.options.minSleepMs ?? 0, Math.min(delay, next.getTime() - this.options.now().getTime()));
    } catch {
      // the database is away: sleep the interval and try again
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, delay);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
    this.woken = false;
  }
}
