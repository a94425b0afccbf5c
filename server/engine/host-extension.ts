// The bpmn-elements extension the host installs on every activity of every run: service-like
// tasks become jobs (their callback is kept until a worker reports), and activities get a
// pass-through message formatter.
import type { BrokerMessage, ElementInstance } from './elements';
import { FORMATTER_SYMBOL } from './elements';

/** Service-like task types: each becomes a job for a worker, never an in-process call. */
export const JOB_TYPES: ReadonlySet<string> = new Set(['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask']);

/** The environment option under which a run's job registry travels to the activities. */
export const JOB_REGISTRY_OPTION = 'gembaJobs';

/** What a service-like task handed over when it started executing. */
export type PendingJob = {
  executionId: string;
  activity: ElementInstance;
  message: BrokerMessage;
  /** bpmn-elements' completion callback: `(err)` fails the task, `(null, output)` completes it. */
  complete: (err: Error | null, output?: unknown) => void;
  /** True when the task started in this run (not re-executed by resume). */
  openedNow: boolean;
};

/** Collects the service-like tasks that wait for a worker during one run. */
export class JobRegistry {
  readonly pending = new Map<string, PendingJob>();
}

type ServiceCallback = (err: Error | null, output?: unknown) => void;

/**
 * The `Service` of every service-like task: it never calls anything; it records the task as a
 * pending job. bpmn-elements calls `execute` again when a recovered run resumes, which hands the
 * host a fresh callback for the job each event.
 */
function JobService(this: { activity: ElementInstance }, activity: ElementInstance) {
  this.activity = activity;
}

JobService.prototype.execute = function execute(this: { activity: ElementInstance }, message: BrokerMessage, callback: ServiceCallback) {
  const registry = this.activity.environment.options[JOB_REGISTRY_OPTION] as JobRegistry | undefined;
  if (!registry) return callback(new Error('Service tasks run only under the Gemba engine host'));
  const executionId = message.content.executionId as string;
  registry.pending.set(executionId, { executionId, activity: this.activity, message, complete: callback, openedNow: !message.fields.redelivered });
};

JobService.prototype.discard = function discard(this: { activity: ElementInstance }, message: BrokerMessage) {
  const registry = this.activity.environment.options[JOB_REGISTRY_OPTION] as JobRegistry | undefined;
  registry?.pending.delete(message.content?.executionId);
};
JobService.prototype.stop = JobService.prototype.discard;

/**
 * bpmn-elements routes every run message of every activity (enter, start, execute, end, leave)
 * through a format exchange and queue so that extensions can enrich it, even when none does: a
 * publish, a consumer subscribe and cancel, and their broker events each time. When nothing was
 * published for formatting the result is the message unchanged, so this formatter answers at
 * once; when something was, it hands over to bpmn-elements' own formatter.
 */
class PassThroughFormatter {
  private fallback: { format(message: BrokerMessage, callback: (...args: any[]) => void): void } | undefined;

  constructor(private readonly activity: ElementInstance) {}

  format(message: BrokerMessage, callback: (err: Error | null, content?: unknown, formatted?: boolean) => void): void {
    const queue = this.activity.broker.getQueue('format-run-q');
    if (!queue || queue.messageCount === 0) return callback(null, message.content, false);
    if (!this.fallback) {
      // The activity's getter builds its own formatter when the symbol slot is empty.
      this.activity[FORMATTER_SYMBOL] = undefined;
      this.fallback = (this.activity as unknown as { formatter: NonNullable<PassThroughFormatter['fallback']> }).formatter;
      this.activity[FORMATTER_SYMBOL] = this;
    }
    this.fallback.format(message, callback);
  }
}

/**
 * Creates the host's bpmn-elements extension. `passThroughFormatting` installs the formatter above
 * (default in runs; switchable for comparison in benchmarks).
 */
export function createHostExtension(options: { passThroughFormatting: boolean }) {
  return function gembaHost(activity: ElementInstance): undefined {
    if (activity.type === 'bpmn:Process') return undefined;
    if (options.passThroughFormatting) activity[FORMATTER_SYMBOL] = new PassThroughFormatter(activity);
    if (JOB_TYPES.has(activity.type)) activity.behaviour.Service = JobService;
    return undefined;
  };
}
