import type { EquipmentNotification } from '../../../../server/adapters/opcua/equipment-gateway';

/** Polls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Collects notifications and waits for one that matches. */
export class NotificationLog {
  readonly items: EquipmentNotification[] = [];
  private waiters: Array<{ match: (n: EquipmentNotification) => boolean; resolve: (n: EquipmentNotification) => void }> = [];

  readonly listener = (notification: EquipmentNotification) => {
    this.items.push(notification);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.match(notification)) return true;
      waiter.resolve(notification);
      return false;
    });
  };

  /** Resolves with the first notification (already seen after `since`, or arriving) that matches. */
  waitFor<T extends EquipmentNotification>(match: (n: EquipmentNotification) => n is T, timeoutMs?: number, since?: number): Promise<T>;
  waitFor(match: (n: EquipmentNotification) => boolean, timeoutMs?: number, since?: number): Promise<EquipmentNotification>;
  waitFor(match: (n: EquipmentNotification) => boolean, timeoutMs = 5_000, since = 0): Promise<EquipmentNotification> {
    const seen = this.items.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error(`no matching notification within ${timeoutMs} ms; got ${JSON.stringify(this.items.slice(since).map((n) => n.kind === 'dataChange' ? `${n.nodeId}=${String(n.value)}` : n.kind))}`));
      }, timeoutMs);
      const done = (n: EquipmentNotification) => {
        clearTimeout(timer);
        resolve(n);
      };
      this.waiters.push({ match, resolve: done });
    });
  }

  /** A mark to pass as `since` so only later notifications count. */
  mark(): number {
    return this.items.length;
  }
}
