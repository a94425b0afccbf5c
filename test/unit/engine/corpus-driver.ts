// Drives a corpus model to its end through the engine API, the way the runtime and its users
// would: complete the first open user task, else the first job, else deliver the first message
// or signal subscription, else fire the earliest timer (moving the clock to it).
import type { CompiledDefinition, RunOptions } from '../../../server/engine';
import { compileDefinition } from '../../../server/engine';
import { Instance } from './harness';

export type DriveReport = {
  file: string;
  compiled: boolean;
  /** completed | failed | cancelled | stuck (waits on nothing the driver can deliver) | limit. */
  result: string;
  detail?: string;
  events: number;
  maxStateBytes: number;
  actions: string[];
};

/** `tasksFirst` completes work before firing timers; `timersFirst` lets every timer fire before work is done. */
export type DrivePolicy = 'tasksFirst' | 'timersFirst';

export async function drive(file: string, xml: string, options: Omit<RunOptions, 'now'> = {}, policy: DrivePolicy = 'tasksFirst', maxEvents = 60): Promise<DriveReport> {
  let definition: CompiledDefinition;
  try {
    definition = await compileDefinition(xml);
  } catch (err) {
    return { file, compiled: false, result: 'not compiled', detail: (err as Error).message, events: 0, maxStateBytes: 0, actions: [] };
  }
  const instance = new Instance(definition, options);
  const actions: string[] = [];
  let result = await instance.start({});
  actions.push('start');
  for (let i = 0; i < maxEvents; i++) {
    if (result.outcome.status !== 'running') break;
    const snap = instance.snapshot!;
    if (policy === 'timersFirst' && snap.timers.length) {
      const timer = [...snap.timers].sort((a, b) => a.expireAt.getTime() - b.expireAt.getTime())[0];
      actions.push(`timer:${timer.activityId}`);
      if (timer.expireAt > instance.now) instance.now = new Date(timer.expireAt);
      result = await instance.send({ type: 'timerDue', executionId: timer.executionId });
    } else if (snap.userTasks.length) {
      const task = snap.userTasks[0];
      actions.push(`task:${task.activityId}`);
      result = await instance.send({ type: 'completeUserTask', executionId: task.executionId, output: {} });
    } else if (snap.jobs.length) {
      const job = snap.jobs[0];
      actions.push(`job:${job.activityId}`);
      result = await instance.send({ type: 'jobCompleted', executionId: job.executionId, output: {} });
    } else if (snap.subscriptions.length) {
      const sub = snap.subscriptions[0];
      actions.push(`${sub.kind}:${sub.name}`);
      result =
        sub.kind === 'message'
          ? await instance.send({ type: 'message', name: sub.name, executionId: sub.executionId })
          : await instance.send({ type: 'signal', name: sub.name });
    } else if (snap.timers.length) {
      const timer = [...snap.timers].sort((a, b) => a.expireAt.getTime() - b.expireAt.getTime())[0];
      actions.push(`timer:${timer.activityId}`);
      if (timer.expireAt > instance.now) instance.now = new Date(timer.expireAt);
      result = await instance.send({ type: 'timerDue', executionId: timer.executionId });
    } else {
      const other = snap.other.map((o) => `${o.activityId} (${o.activityType})`).join(', ');
      return report('stuck', other || 'nothing open');
    }
    if (!result.applied && result.outcome.status === 'running') return report('stuck', `not applied: ${result.reason}`);
  }
  const outcome = result.outcome;
  if (outcome.status === 'running') return report('limit', `still running after ${maxEvents} events`);
  return report(outcome.status, outcome.status === 'failed' ? `${outcome.kind}: ${outcome.message}${outcome.elementId ? ` <${outcome.elementId}>` : ''}` : undefined);

  function report(status: string, detail?: string): DriveReport {
    return {
      file,
      compiled: true,
      result: status,
      ...(detail ? { detail } : {}),
      events: instance.results.length,
      maxStateBytes: Math.max(0, ...instance.stateBytes),
      actions,
    };
  }
}
