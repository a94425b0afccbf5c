// bpmn-elements arms timers through `environment.timers`; this implementation never arms
// anything. Timer event definitions register here and stay registered until the runtime's
// poller sends a timerDue event; everything else (a script's setTimeout) is transient and fired
// by the host before the run settles, because nothing about it can be made durable.

/** One registration: what bpmn-elements would have handed to setTimeout. */
export type TimerRef = {
  readonly id: number;
  /** The timer event definition's execution content (executionId, timerType, repeat …), or a script's context. */
  readonly owner: Record<string, any> | undefined;
  readonly callback: (...args: unknown[]) => void;
  readonly args: unknown[];
  /** The delay bpmn-elements computed against the system clock (ms). */
  readonly delay: number;
  /** True for timer event definitions: they wait for a timerDue event. */
  readonly durable: boolean;
};

/** Is this owner the content of a bpmn-elements TimerEventDefinition execution? */
function isTimerEvent(owner: Record<string, any> | undefined): boolean {
  return !!owner && typeof owner.executionId === 'string' && typeof owner.timerType === 'string';
}

/**
 * The `timers` option for bpmn-elements: records registrations instead of arming timeouts, so no
 * setTimeout of any length is ever made (timers beyond 2^31-1 ms are just data).
 */
export class DurableTimers {
  private sequence = 0;
  private readonly live = new Map<number, TimerRef>();

  /** Registered and neither cleared nor fired. */
  get pending(): TimerRef[] {
    return [...this.live.values()];
  }

  register(owner: Record<string, any>): { setTimeout: DurableTimers['setTimeout']; clearTimeout: DurableTimers['clearTimeout'] } {
    return {
      setTimeout: (callback, delay, ...args) => this.add(owner, callback, delay, args),
      clearTimeout: (ref) => this.clearTimeout(ref),
    };
  }

  setTimeout(callback: (...args: any[]) => void, delay: number, ...args: unknown[]): TimerRef {
    return this.add(undefined, callback, delay, args);
  }

  clearTimeout(ref: unknown): undefined {
    if (ref && typeof ref === 'object' && 'id' in ref) this.live.delete((ref as TimerRef).id);
    return undefined;
  }

  /** The live durable timer of a timer execution id. */
  find(executionId: string): TimerRef | undefined {
    for (const ref of this.live.values()) if (ref.durable && ref.owner?.executionId === executionId) return ref;
    return undefined;
  }

  /** Fires a registration as its timeout would have. */
  fire(ref: TimerRef): void {
    if (!this.live.delete(ref.id)) return;
    ref.callback(...ref.args);
  }

  /** The earliest transient registration, if any. */
  nextTransient(): TimerRef | undefined {
    let next: TimerRef | undefined;
    for (const ref of this.live.values()) if (!ref.durable && (!next || ref.delay < next.delay)) next = ref;
    return next;
  }

  private add(owner: Record<string, any> | undefined, callback: (...args: any[]) => void, delay: number, args: unknown[]): TimerRef {
    const ref: TimerRef = { id: ++this.sequence, owner, callback, args, delay: Number.isFinite(delay) ? delay : 0, durable: isTimerEvent(owner) };
    this.live.set(ref.id, ref);
    return ref;
  }
}

/** Smallest remaining time a recovered timer is given in the engine's own view (see rearmRecoveredTimers). */
const ENGINE_FLOOR_MS = 60_000;

/**
 * bpmn-elements re-computes a recovered timer's delay from the `expireAt` it stored, against the
 * system clock, and fires at once when that is past. Due timers must fire only through their own
 * timerDue event (one event, one transaction, one audit entry), and the platform clock may run
 * ahead of the system clock. So before recovery, each stored timer's engine-side `expireAt` is set
 * to its remaining platform time from now, at least a minute: the engine then always re-registers
 * it, and the host decides when it fires. Mutates `engineState`.
 */
export function rearmRecoveredTimers(engineState: unknown, timers: Record<string, number>, now: Date, systemNow = Date.now()): void {
  const ids = Object.keys(timers);
  if (!ids.length) return;
  const wanted = new Map(ids.map((id) => [id, new Date(systemNow + Math.max(timers[id] - now.getTime(), ENGINE_FLOOR_MS)).toISOString()]));
  const visit = (node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > 64) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    const executionId = record.executionId;
    if (typeof executionId === 'string' && 'expireAt' in record && wanted.has(executionId)) record.expireAt = wanted.get(executionId);
    for (const key in record) {
      const value = record[key];
      if (value && typeof value === 'object') visit(value, depth + 1);
    }
  };
  visit(engineState, 0);
}
