import type { EventBus } from '../events/bus';
import type { PublishedEvent } from '../events/domain-event';

/** Events after whose commit a task of the topic may be fetchable. */
const WAKING_EVENTS = new Set(['externalTask.created', 'externalTask.unlocked', 'externalTask.failed']);

/** One long-polling fetch, registered before it looks, so that no wake-up falls between look and wait. */
export type WaitTicket = {
  /** Resolves when a task of one of the topics may have become fetchable, after `ms`, or on abort/close. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  dispose(): void;
};

type Waiter = { topics: ReadonlySet<string>; woken: boolean; wake?: () => void };

/**
 * The long-polling fetches of this node, woken by the events that make external tasks fetchable
 * (published on the bus after their commit). Waiting holds no database connection: each look is a
 * short claim. Events of other nodes do not reach this bus; the caller looks again at an interval.
 */
export class TaskWaiters {
  private readonly waiters = new Set<Waiter>();
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(bus: EventBus) {
    this.unsubscribe = bus.subscribe((event) => this.onEvent(event));
  }

  /** Registers a fetch for these topics. */
  register(topics: Iterable<string>): WaitTicket {
    const waiter: Waiter = { topics: new Set(topics), woken: this.closed };
    this.waiters.add(waiter);
    return {
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (waiter.woken || signal?.aborted || ms <= 0) {
            waiter.woken = false;
            resolve();
            return;
          }
          const done = () => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            waiter.wake = undefined;
            waiter.woken = false;
            resolve();
          };
          const timer = setTimeout(done, ms);
          signal?.addEventListener('abort', done, { once: true });
          waiter.wake = done;
        }),
      dispose: () => {
        this.waiters.delete(waiter);
      },
    };
  }

  /** Whether the waiters were closed (the node stops): fetches answer at once. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** How many fetches are waiting (for tests and metrics). */
  get size(): number {
    return this.waiters.size;
  }

  /** Ends every wait and stops listening: a stopping node answers its long polls now. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const waiter of this.waiters) this.wakeOne(waiter);
  }

  private onEvent(event: PublishedEvent): void {
    if (!WAKING_EVENTS.has(event.type)) return;
    const topic = (event.after as { topic?: unknown } | undefined)?.topic;
    for (const waiter of this.waiters) {
      if (typeof topic !== 'string' || waiter.topics.has(topic)) this.wakeOne(waiter);
    }
  }

  private wakeOne(waiter: Waiter): void {
    waiter.woken = true;
    waiter.wake?.();
  }
}
