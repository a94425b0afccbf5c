// Drives a process of the standard library (processes/) through the engine core the way the
// runtime does: one event at a time, the stored state through a JSON round trip, the platform
// clock moved only by the test, conditions evaluated by server/expressions. User task data is
// checked against the task's form-js form as the server checks it, so scenarios submit only
// what the form offers.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CompiledDefinition, EngineEvent, RunOptions, RunResult, StoredState, WaitSnapshot, WaitingCall, WaitingJob, WaitingTimer, WaitingUserTask } from '../../../server/engine';
import { compileDefinition, runEvent } from '../../../server/engine';
import { loadExpressions } from '../../../server/expressions';
import { validateFormData } from '../../../server/runtime/form-validation';

export const PROCESS_DIR = join(__dirname, '../../../processes');
export const FORM_DIR = join(PROCESS_DIR, 'forms');
export const KEYS = ['work-order-release', 'operation-execution', 'inspection', 'escalation', 'deviation-capa', 'change-control'] as const;
export type ProcessKey = (typeof KEYS)[number];

export const T0 = new Date('2030-03-04T06:00:00.000Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Work order WO-1001 as work-order-release hands it to operation-execution. */
export const WO_1001_DISPATCH = {
  orderId: 'WO-1001',
  operation: '0010',
  partNumber: 'FG-7001',
  quantity: 100,
  unit: 'EA',
  equipmentId: 'cell-1',
  componentMaterial: 'RM-1001',
  outputLot: 'LOT-WO-1001',
  characteristic: 'Seal width',
  nominal: 4,
  lsl: 3.8,
  usl: 4.2,
  measurementUnit: 'mm',
  firstArticle: 'partial',
} as const;

export type FormSchema = { id: string; type: string; components: Array<Record<string, any>> };

export const readXml = (key: string): string => readFileSync(join(PROCESS_DIR, `${key}.bpmn`), 'utf8');
export const bpmnFiles = (): string[] => readdirSync(PROCESS_DIR).filter((f) => f.endsWith('.bpmn')).sort();
export const formFiles = (): string[] => readdirSync(FORM_DIR).filter((f) => f.endsWith('.form')).sort();
export const readForm = (id: string): FormSchema => JSON.parse(readFileSync(join(FORM_DIR, `${id}.form`), 'utf8')) as FormSchema;

const compiled = new Map<string, Promise<CompiledDefinition>>();
/** The compiled definition of a library process (compiled once per test file). */
export function definitionOf(key: ProcessKey): Promise<CompiledDefinition> {
  if (!compiled.has(key)) compiled.set(key, compileDefinition(readXml(key)));
  return compiled.get(key)!;
}

let expressions: RunOptions['expressions'] | undefined;
async function productionExpressions(): Promise<NonNullable<RunOptions['expressions']>> {
  expressions ??= await loadExpressions();
  return expressions!;
}

/** What a scenario expects of a waiting user task. */
export type TaskExpectation = { name?: string; candidateGroups?: string[]; assignee?: string; formRef?: string; meaning?: string | null; verifier?: boolean };

/** One instance of a library process, driven event by event. */
export class ProcessRun {
  now: Date;
  state: StoredState | null | undefined;
  snapshot!: WaitSnapshot;
  last!: RunResult;
  readonly results: RunResult[] = [];

  private constructor(
    readonly key: ProcessKey,
    private readonly definition: CompiledDefinition,
    private readonly options: Omit<RunOptions, 'now'>,
  ) {
    this.now = new Date(T0);
  }

  static async of(key: ProcessKey): Promise<ProcessRun> {
    return new ProcessRun(key, await definitionOf(key), { expressions: await productionExpressions() });
  }

  /** Sends one event; a run that fails (model error, budget) fails the test with the engine's message. */
  async send(event: EngineEvent): Promise<RunResult> {
    const stored = this.state ? (JSON.parse(JSON.stringify(this.state)) as StoredState) : undefined;
    const result = await runEvent(this.definition, stored, event, { ...this.options, now: this.now });
    this.last = result;
    this.results.push(result);
    if (result.outcome.status === 'failed') {
      throw new Error(`${this.key}: ${event.type} failed: ${result.outcome.kind} ${result.outcome.message}${result.outcome.elementId ? ` at ${result.outcome.elementId}` : ''}`);
    }
    if (!result.applied) throw new Error(`${this.key}: ${event.type} was not applied: ${result.reason}`);
    if (result.state !== undefined) this.state = result.state;
    if (result.snapshot) this.snapshot = result.snapshot;
    return result;
  }

  start(variables: Record<string, unknown>, extra: { messageName?: string; businessKey?: string } = {}): Promise<RunResult> {
    return this.send({ type: 'start', businessKey: extra.businessKey ?? 'BK-1', variables, ...(extra.messageName ? { messageName: extra.messageName } : {}) });
  }

  advance(ms: number): this {
    this.now = new Date(this.now.getTime() + ms);
    return this;
  }

  get variables(): Record<string, unknown> {
    return this.snapshot.variables;
  }

  get status(): string {
    return this.last.outcome.status;
  }

  task(activityId: string): WaitingUserTask {
    const task = this.snapshot.userTasks.find((t) => t.activityId === activityId);
    if (!task) throw new Error(`${this.key}: no open user task ${activityId}; open: ${this.openTasks().join(', ') || 'none'}; jobs: ${this.openJobs().join(', ') || 'none'}`);
    return task;
  }

  job(activityId: string): WaitingJob {
    const job = this.snapshot.jobs.find((j) => j.activityId === activityId);
    if (!job) throw new Error(`${this.key}: no open job ${activityId}; jobs: ${this.openJobs().join(', ') || 'none'}; tasks: ${this.openTasks().join(', ') || 'none'}`);
    return job;
  }

  timer(activityId: string): WaitingTimer {
    const timer = this.snapshot.timers.find((t) => t.activityId === activityId);
    if (!timer) throw new Error(`${this.key}: no timer ${activityId}; timers: ${this.snapshot.timers.map((t) => t.activityId).join(', ') || 'none'}`);
    return timer;
  }

  /** The call activity waiting for its child instance. */
  call(activityId: string): WaitingCall {
    const call = (this.snapshot.calls ?? []).find((c) => c.activityId === activityId);
    if (!call) throw new Error(`${this.key}: no waiting call ${activityId}; jobs: ${this.openJobs().join(', ') || 'none'}; tasks: ${this.openTasks().join(', ') || 'none'}`);
    return call;
  }

  /** The child instance of a call activity completed with these final variables, as the runtime reports it. */
  completeCall(activityId: string, childVariables: Record<string, unknown>): Promise<RunResult> {
    return this.send({ type: 'callCompleted', executionId: this.call(activityId).executionId, variables: childVariables });
  }

  openTasks(): string[] {
    return this.snapshot.userTasks.map((t) => t.activityId).sort();
  }

  openJobs(): string[] {
    return this.snapshot.jobs.map((j) => j.activityId).sort();
  }

  openTimers(): string[] {
    return this.snapshot.timers.map((t) => t.activityId).sort();
  }

  /** Asserts how a waiting task is offered and signed. */
  expectTask(activityId: string, expected: TaskExpectation): WaitingUserTask {
    const task = this.task(activityId);
    if (expected.name !== undefined) expect(task.name).toBe(expected.name);
    if (expected.candidateGroups !== undefined) expect(task.candidateGroups).toEqual(expected.candidateGroups);
    if (expected.assignee !== undefined) expect(task.assignee).toBe(expected.assignee);
    if (expected.formRef !== undefined) expect(task.formRef).toBe(expected.formRef);
    if (expected.meaning !== undefined) {
      if (expected.meaning === null) expect(task.signature).toBeUndefined();
      else expect(task.signature).toEqual({ required: true, meaning: expected.meaning, ...(expected.verifier ? { verifierRequired: true } : {}) });
    }
    return task;
  }

  /**
   * Completes a user task with data a person would submit through its form. The data must pass
   * the server's form validation (required fields, types, limits, options, no unknown keys).
   */
  async complete(activityId: string, data: Record<string, unknown>): Promise<RunResult> {
    const task = this.task(activityId);
    if (!task.formRef) throw new Error(`${activityId} has no form`);
    const problems = validateFormData(readForm(task.formRef), data);
    if (problems.length) throw new Error(`${activityId}: the form ${task.formRef} refuses the data: ${JSON.stringify(problems)}`);
    return this.send({ type: 'completeUserTask', executionId: task.executionId, output: data });
  }

  /** A connector worker finished the job with these outputs. */
  completeJob(activityId: string, output: Record<string, unknown>): Promise<RunResult> {
    return this.send({ type: 'jobCompleted', executionId: this.job(activityId).executionId, output });
  }

  /** A connector worker raised a BPMN error. */
  failJob(activityId: string, errorCode: string, message = errorCode): Promise<RunResult> {
    return this.send({ type: 'jobFailedWithBpmnError', executionId: this.job(activityId).executionId, errorCode, message });
  }

  /** Moves the clock to the timer's due time and fires it, as the job poller would. */
  fire(activityId: string): Promise<RunResult> {
    const timer = this.timer(activityId);
    if (timer.expireAt > this.now) this.now = new Date(timer.expireAt);
    return this.send({ type: 'timerDue', executionId: timer.executionId });
  }

  /** Activity ids completed so far, in order. */
  completed(): string[] {
    return this.results.flatMap((r) => r.history.filter((h) => h.event === 'completed').map((h) => h.activityId));
  }

  /** When an activity completed (platform clock), the n-th time. */
  completedAt(activityId: string, nth = 0): Date | undefined {
    return this.results.flatMap((r) => r.history.filter((h) => h.event === 'completed' && h.activityId === activityId).map((h) => h.at))[nth];
  }
}
