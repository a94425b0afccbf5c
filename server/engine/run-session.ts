// One run of one event: a new bpmn-elements Definition on the cached context, the host's
// registries (durable timers, jobs), the step budget and the history of this run.
import type { CompiledDefinition } from './compile-definition';
import { contextFor } from './compile-definition';
import { DurableTimers } from './durable-timers';
import type { BrokerMessage, DefinitionInstance, ElementApi, EnvironmentInstance } from './elements';
import { Elements } from './elements';
import { GuardedScripts } from './guarded-scripts';
import { hostExpressions } from './host-expressions';
import { CLOCK_OPTION } from './host-elements';
import type { HostClock } from './host-elements';
import { createHostExtension, JOB_REGISTRY_OPTION, JobRegistry } from './host-extension';
import { ENGINE_SETTINGS, userVariables } from './state-codec';
import type { EngineLogger, FailureKind, HistoryEntry, RaisedEscalation, RunOptions, ThrownEvent, Variables } from './types';

/** Default step budget: activity starts one event may cause (see RunOptions.maxActivityStarts). */
export const DEFAULT_MAX_ACTIVITY_STARTS = 250;
const DEFAULT_SCRIPT_TIMEOUT_MS = 1000;
// Transient timers (a script's setTimeout) fired before a run settles, at most.
const MAX_TRANSIENT_FIRINGS = 1000;

/** A failure found while running: why, and where when known. */
export type RunFailure = { kind: FailureKind; message: string; elementId?: string; errorCode?: string };

/** Thrown from inside the engine's own call stack to unwind a run that exceeded its budget. */
export class StepBudgetExceeded extends Error {
  constructor(readonly limit: number) {
    super(`The run started more than ${limit} activities without reaching a wait state (an endless loop?)`);
    this.name = 'StepBudgetExceeded';
  }
}

const noop = () => undefined;
const SILENT = { debug: noop, warn: noop, error: noop };

function loggerFactory(logger: EngineLogger | undefined) {
  if (!logger) return () => SILENT;
  return (scope: string) => ({
    debug: noop,
    warn: (...args: unknown[]) => logger.warn({ engine: scope }, args.map(String).join(' ')),
    error: (...args: unknown[]) => logger.error({ engine: scope }, args.map(String).join(' ')),
  });
}

const extensionWithFormatter = createHostExtension({ passThroughFormatting: true });
const extensionPlain = createHostExtension({ passThroughFormatting: false });

/** Host tuning that benchmarks switch off to measure their effect; runs always use the defaults. */
export type HostTuning = { passThroughFormatting?: boolean };

const IGNORED_IN_HISTORY = /EventDefinition$/;

/** The per-event driver of one instance. */
export class RunSession {
  readonly timers = new DurableTimers();
  readonly jobs = new JobRegistry();
  readonly history: HistoryEntry[] = [];
  readonly thrown: ThrownEvent[] = [];
  /** Activity executions that started during this run. */
  readonly entered = new Set<string>();
  /** Activity executions that completed during this run. */
  private readonly completed = new Set<string>();
  /** Activity executions that were open when the recovered run resumed. */
  readonly resumedOpen = new Set<string>();
  /** Event sub-process timer starts (from the stored state, updated by this run's firings). */
  eventTimers: Record<string, { at: number; repeat?: number }> = {};
  /** Event sub-processes that started in this run, for the host to interrupt their scope. */
  readonly startedEventSubProcesses: Array<{ id: string; executionId: string; scopeExecutionId?: string }> = [];
  /** Call activity executions (to activity id) open when the recovered run resumed. */
  readonly openCalls = new Map<string, string>();
  /** Escalations thrown in this run (whether caught is decided when it settles). */
  readonly escalated: Array<RaisedEscalation & { escalationId?: string }> = [];
  /** Error end events reached in this run (whether caught is decided when it settles). */
  readonly thrownErrors: Array<{ errorId?: string; errorCode: string; activityId: string }> = [];
  /** Escalation and error elements caught in this run (boundary events, catches, event sub-processes). */
  readonly caught = new Set<string>();
  failure: RunFailure | undefined;
  ended = false;
  engine!: DefinitionInstance;
  private starts = 0;
  private readonly maxStarts: number;
  private aborted: StepBudgetExceeded | undefined;

  constructor(
    readonly compiled: CompiledDefinition,
    readonly options: RunOptions,
    private readonly tuning: HostTuning = {},
  ) {
    this.maxStarts = options.maxActivityStarts ?? DEFAULT_MAX_ACTIVITY_STARTS;
  }

  /** Builds the engine for a start variant; `variables` only at start (recovery brings its own). */
  build(variant: string, variables?: Variables): DefinitionInstance {
    const options = this.options;
    const environment = new Elements.Environment({
      Logger: loggerFactory(options.logger),
      timers: this.timers,
      scripts: new GuardedScripts(options.allowScripts ?? false, options.scriptTimeoutMs ?? DEFAULT_SCRIPT_TIMEOUT_MS, this.timers),
      ...(options.expressions ? { expressions: hostExpressions(options.expressions, this.compiled) } : {}),
      services: { ...options.services },
      extensions: { gembaHost: this.tuning.passThroughFormatting === false ? extensionPlain : extensionWithFormatter },
      settings: { ...ENGINE_SETTINGS },
      variables: variables ? { ...variables } : {},
      [JOB_REGISTRY_OPTION]: this.jobs,
      [CLOCK_OPTION]: { now: options.now, timeZone: options.timeZone } satisfies HostClock,
    });
    const context = new Elements.Context(contextFor(this.compiled, variant), environment);
    const engine = new Elements.Definition(context);
    this.engine = engine;
    this.listen(engine);
    return engine;
  }

  private listen(engine: DefinitionInstance): void {
    const broker = engine.broker;
    const consumer = broker.subscribeTmp('event', 'activity.enter', (routingKey, message) => this.onEvent(routingKey, message), {
      noAck: true,
      consumerTag: '_gemba-host',
      priority: 1000,
    }) as { queue: { name: string } };
    for (const pattern of ['activity.end', 'activity.leave', 'activity.signal', 'activity.message', 'activity.escalate', 'activity.throw', 'activity.catch', 'definition.end', 'definition.error']) {
      broker.bindQueue(consumer.queue.name, 'event', pattern);
    }
  }

  private onEvent(routingKey: string, message: BrokerMessage): void {
    const content = message.content;
    switch (routingKey) {
      case 'definition.end':
        this.ended = true;
        return;
      case 'definition.error':
        this.failure ??= describeError(content.error, 'model');
        return;
      case 'activity.escalate': {
        const id = content.message?.id as string | undefined;
        const escalation = id ? this.compiled.escalations.find((e) => e.id === id) : undefined;
        this.escalated.push({
          escalationCode: escalation?.code ?? id ?? 'anonymous',
          ...(escalation?.name ? { name: escalation.name } : {}),
          activityId: content.id,
          executionId: content.executionId,
          ...(id ? { escalationId: id } : {}),
        });
        return;
      }
      case 'activity.throw': {
        // An error end (or throw) event: bpmn-elements ends the path even when nothing catches it.
        const id = content.message?.id as string | undefined;
        const error = id ? this.compiled.errors.find((e) => e.id === id) : undefined;
        this.thrownErrors.push({ errorId: id, errorCode: error?.code ?? (content.message?.code as string | undefined) ?? id ?? 'anonymous', activityId: content.id });
        return;
      }
      case 'activity.catch': {
        // A boundary event or catch caught an escalation or error thrown in this run: it does not leave the instance.
        const id = (content.message?.id ?? content.error?.id) as string | undefined;
        if (id) this.caught.add(id);
        return;
      }
      case 'activity.signal':
      case 'activity.message': {
        const { id: _id, type: _type, messageType: _messageType, name, parent: _parent, ...variables } = (content.message ?? {}) as Record<string, unknown>;
        if (typeof name !== 'string' || !name) return;
        this.thrown.push({
          kind: routingKey === 'activity.signal' ? 'signal' : 'message',
          name,
          activityId: content.id,
          executionId: content.executionId,
          ...(Object.keys(variables).length ? { variables } : {}),
        });
        return;
      }
    }
    // The end of a catch event carries its event definition's type: the model knows the element's.
    const type = this.compiled.activities.get(content.id)?.type ?? (content.type as string);
    if (IGNORED_IN_HISTORY.test(type) || content.isRootScope === false) return;
    const executionId = content.executionId as string;
    const entry = (event: HistoryEntry['event']): HistoryEntry => ({
      event,
      activityId: content.id,
      activityType: type,
      ...(content.name ? { name: content.name } : {}),
      executionId,
      at: this.options.now,
    });
    switch (routingKey) {
      case 'activity.enter': {
        if (this.aborted) throw this.aborted;
        if (++this.starts > this.maxStarts) {
          this.aborted = new StepBudgetExceeded(this.maxStarts);
          throw this.aborted;
        }
        this.entered.add(executionId);
        if (this.compiled.activities.get(content.id)?.triggeredByEvent) {
          this.startedEventSubProcesses.push({ id: content.id, executionId, scopeExecutionId: content.parent?.executionId });
        }
        // A boundary event enters with its task and mostly ends discarded: it is history only when it fires.
        if (type !== 'bpmn:BoundaryEvent') this.history.push(entry('started'));
        return;
      }
      case 'activity.end':
        this.completed.add(executionId);
        if (type === 'bpmn:BoundaryEvent') this.history.push(entry('started'));
        this.history.push(entry('completed'));
        return;
      case 'activity.leave':
        // Interrupted, failed-and-caught or discarded after it started: it left without ending.
        if (type !== 'bpmn:BoundaryEvent' && !this.completed.has(executionId) && (this.entered.has(executionId) || this.resumedOpen.has(executionId))) {
          this.history.push(entry('cancelled'));
        }
        return;
    }
  }

  /** The budget failure, sticky even when user code swallowed the exception that unwound the run. */
  get budgetFailure(): RunFailure | undefined {
    return this.aborted ? { kind: 'budget', message: this.aborted.message } : undefined;
  }

  /** Fires transient timers (scripts' setTimeout) until none is left: nothing about them is durable. */
  settle(): void {
    for (let i = 0; i < MAX_TRANSIENT_FIRINGS; i++) {
      const next = this.timers.nextTransient();
      if (!next) return;
      this.timers.fire(next);
    }
    throw new StepBudgetExceeded(this.maxStarts);
  }

  /** Every open element: the postponed of the definition, through sub-processes. */
  postponed(): ElementApi[] {
    const result: ElementApi[] = [];
    const seen = new Set<string>();
    const visit = (apis: ElementApi[], depth: number) => {
      for (const api of apis) {
        const key = `${api.id}:${api.type}:${api.executionId}`;
        if (seen.has(key)) continue;
        seen.add(key);
        result.push(api);
        if (depth >= 32) continue;
        if (api.owner?.isSubProcess && api.getPostponed) {
          visit(
            api.getPostponed().filter((child) => child.id !== api.id || child.executionId !== api.executionId),
            depth + 1,
          );
        } else if (isMultiInstanceRoot(api)) {
          // The iterations of a multi-instance task wait inside its execution, each with its own execution id.
          const execution = (api.owner as { execution?: { getPostponed(): ElementApi[] } }).execution;
          if (execution) visit(execution.getPostponed(), depth + 1);
        }
      }
    };
    visit(this.engine.getPostponed(), 0);
    return result;
  }

  /** The environment of the instance's (first executable, running) process: its variables are the instance's. */
  rootEnvironment(): EnvironmentInstance | undefined {
    const processes = this.engine.getProcesses();
    const executable = new Set(this.compiled.executableProcessIds);
    const running = processes.find((p) => executable.has(p.id) && p.executionId);
    return (running ?? processes.find((p) => executable.has(p.id)))?.environment;
  }

  /** The instance's variables, without bpmn-elements' reserved copies of broker messages. */
  variables(): Variables {
    return userVariables(this.rootEnvironment()?.variables);
  }

  /**
   * Sets variables where the element sees them and on the process: a sub-process works on a
   * copy of its parent's variables (bpmn-elements), so both are updated.
   */
  assignVariables(api: ElementApi | undefined, variables: Variables | undefined): void {
    if (!variables || typeof variables !== 'object' || !Object.keys(variables).length) return;
    const environments = new Set<EnvironmentInstance>();
    if (api?.owner?.environment) environments.add(api.owner.environment);
    const root = this.rootEnvironment();
    if (root) environments.add(root);
    for (const environment of environments) environment.assignVariables(variables);
  }
}

/** The activity-level wait of a multi-instance activity (its iterations wait under their own execution ids). */
export function isMultiInstanceRoot(api: ElementApi): boolean {
  return !!api.owner?.isMultiInstance && api.executionId === (api.owner as { executionId?: string }).executionId;
}

/** Reads an engine error (ActivityError, BpmnError, RunError, plain Error) into a failure. */
export function describeError(error: unknown, kind: FailureKind): RunFailure {
  if (error instanceof StepBudgetExceeded) return { kind: 'budget', message: error.message };
  const err = (error ?? {}) as { message?: string; description?: string; code?: unknown; elementId?: string; source?: { content?: { id?: string } }; inner?: { code?: unknown; elementId?: string } };
  const message = err.message || err.description || String(error);
  const elementId = err.source?.content?.id ?? err.elementId ?? err.inner?.elementId;
  const code = err.code ?? err.inner?.code;
  return {
    kind,
    message,
    ...(elementId ? { elementId } : {}),
    ...(code !== undefined && code !== null && code !== '' ? { errorCode: String(code) } : {}),
  };
}
