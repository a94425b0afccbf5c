// Drives one instance through the engine API the way the runtime will: every event gets the
// stored state through a JSON round trip (as if read back from a jsonb column), and the platform
// clock moves only when the test moves it.
import type { CompiledDefinition, EngineEvent, EngineSnapshot, RunOptions, RunResult, StoredState } from '../../../server/engine';
import { compileDefinition, runEvent } from '../../../server/engine';

export const T0 = new Date('2030-03-04T08:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** A BPMN document around `body` with the camunda and gemba namespaces declared. */
export function bpmn(body: string, id = 'Defs'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:gemba="http://gemba.dev/schema/bpmn/1.0"
  id="${id}" targetNamespace="http://gemba.dev/test">
${body}
</definitions>`;
}

export class Instance {
  now: Date;
  state: StoredState | null | undefined;
  snapshot: EngineSnapshot | undefined;
  last!: RunResult;
  readonly results: RunResult[] = [];
  /** Stored bytes after each event that left state to store. */
  readonly stateBytes: number[] = [];

  constructor(
    readonly definition: CompiledDefinition,
    readonly options: Omit<RunOptions, 'now'> = {},
    start = T0,
  ) {
    this.now = new Date(start);
  }

  static async of(xml: string, options: Omit<RunOptions, 'now'> = {}): Promise<Instance> {
    return new Instance(await compileDefinition(xml), options);
  }

  advance(ms: number): this {
    this.now = new Date(this.now.getTime() + ms);
    return this;
  }

  async send(event: EngineEvent): Promise<RunResult> {
    const stored = this.state ? (JSON.parse(JSON.stringify(this.state)) as StoredState) : undefined;
    const result = await runEvent(this.definition, stored, event, { ...this.options, now: this.now });
    this.last = result;
    this.results.push(result);
    if (result.state !== undefined) this.state = result.state;
    if (result.state) this.stateBytes.push(Buffer.byteLength(JSON.stringify(result.state)));
    if (result.snapshot) this.snapshot = result.snapshot;
    return result;
  }

  start(variables: Record<string, unknown> = {}, extra: Partial<Extract<EngineEvent, { type: 'start' }>> = {}): Promise<RunResult> {
    return this.send({ type: 'start', businessKey: 'BK-1', variables, ...extra });
  }

  task(activityId: string) {
    const task = this.snapshot?.userTasks.find((t) => t.activityId === activityId);
    if (!task) throw new Error(`No open user task ${activityId}; open: ${this.snapshot?.userTasks.map((t) => t.activityId).join(', ')}`);
    return task;
  }

  job(activityId: string) {
    const job = this.snapshot?.jobs.find((j) => j.activityId === activityId);
    if (!job) throw new Error(`No open job ${activityId}`);
    return job;
  }

  timer(activityId: string) {
    const timer = this.snapshot?.timers.find((t) => t.activityId === activityId);
    if (!timer) throw new Error(`No timer ${activityId}; timers: ${this.snapshot?.timers.map((t) => t.activityId).join(', ')}`);
    return timer;
  }

  complete(activityId: string, output: Record<string, unknown> = {}): Promise<RunResult> {
    return this.send({ type: 'completeUserTask', executionId: this.task(activityId).executionId, output });
  }

  /** Moves the clock to the timer's due time and fires it, as the poller would. */
  fire(activityId: string): Promise<RunResult> {
    const timer = this.timer(activityId);
    if (timer.expireAt > this.now) this.now = new Date(timer.expireAt);
    return this.send({ type: 'timerDue', executionId: timer.executionId });
  }

  openTasks(): string[] {
    return (this.snapshot?.userTasks ?? []).map((t) => t.activityId).sort();
  }

  historyOf(event: 'started' | 'completed' | 'cancelled'): string[] {
    return this.results.flatMap((r) => r.history.filter((h) => h.event === event).map((h) => h.activityId));
  }
}
