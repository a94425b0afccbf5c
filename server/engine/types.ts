// Public types of the engine host: what the runtime passes in (events, options) and gets back
// (state, snapshot, history, outcome). Everything here is plain JSON-compatible data except the
// Date fields and the functions in RunOptions, which are never stored.

/** Process variables: a JSON-compatible object. */
export type Variables = Record<string, unknown>;

/** Instance state as stored by the runtime (opaque; JSON-safe; never contains the model source). */
export type StoredState = {
  /** Format version of this object. */
  readonly v: 1;
  /** Which start variant the instance was started with: 'none' or the id of the message start event. */
  readonly start: string;
  /** Durable timers by timer execution id: absolute due time (ms since epoch, platform clock). */
  readonly timers: Record<string, number>;
  /** Resolved due dates of open user tasks by execution id (ms since epoch), kept stable across events. */
  readonly dueAt: Record<string, number>;
  /** bpmn-elements' definition state, compacted. */
  readonly engine: unknown;
  /** Timer starts of event sub-processes: due time (ms, platform clock) and firings left (0: spent), by their execution id. */
  readonly eventTimers?: Record<string, { at: number; repeat?: number }>;
};

/** Starts an instance. Exactly one of `messageName` / `startEventId` may pick an event start. */
export type StartEvent = {
  type: 'start';
  businessKey?: string;
  variables?: Variables;
  /** Start at the message start event catching this message name (a message start). */
  messageName?: string;
  /** Start at this start event (none or message start event). */
  startEventId?: string;
};

/** A person completed a user (or manual) task. `output` is merged into the process variables. */
export type CompleteUserTaskEvent = { type: 'completeUserTask'; executionId: string; output?: Variables };

/** A worker finished a service job. `output` is mapped (camunda:outputParameter) or merged. */
export type JobCompletedEvent = { type: 'jobCompleted'; executionId: string; output?: Variables };

/** A worker (connector) raised a BPMN error by code; error boundary events with that code catch it. */
export type JobFailedWithBpmnErrorEvent = {
  type: 'jobFailedWithBpmnError';
  executionId: string;
  errorCode: string;
  message?: string;
  /** Merged into the process variables before the error is thrown. */
  variables?: Variables;
};

/** A durable timer is due: the runtime's poller fires it. */
export type TimerDueEvent = { type: 'timerDue'; executionId: string };

/** A message correlated to this instance by name; `executionId` picks one subscription. */
export type MessageEvent = { type: 'message'; name: string; variables?: Variables; executionId?: string };

/** A signal broadcast: every subscription of this instance with the name receives it. */
export type SignalEvent = { type: 'signal'; name: string; variables?: Variables };

/** Cancels the instance: everything open is closed, the state is dropped. */
export type CancelEvent = { type: 'cancel'; reason?: string };

/**
 * The child instance started for a call activity (snapshot `calls`) completed: `variables` are
 * the child's final variables; the engine maps them into the parent with the call activity's
 * camunda:out mappings (none: nothing is copied) and continues after the call activity.
 */
export type CallCompletedEvent = { type: 'callCompleted'; executionId: string; variables?: Variables };

/**
 * The child instance of a call activity ended with a BPMN error it did not catch (its run came
 * back `failed` with an `errorCode`): error boundary events on the call activity with that code
 * catch it; uncaught, the parent fails with the same code.
 */
export type CallFailedWithBpmnErrorEvent = { type: 'callFailedWithBpmnError'; executionId: string; errorCode: string; message?: string };

/**
 * The child instance of a call activity threw an escalation it did not catch (`escalations` of its
 * run): escalation boundary events on the call activity catch it by code (interrupting ones end
 * the call: its child must then be cancelled, see `closedCalls`). Applied but without effect when
 * nothing catches it, as in Camunda.
 */
export type CallEscalatedEvent = { type: 'callEscalated'; executionId: string; escalationCode: string; variables?: Variables };

/** One event applied to one instance in one transaction. */
export type EngineEvent =
  | StartEvent
  | CompleteUserTaskEvent
  | JobCompletedEvent
  | JobFailedWithBpmnErrorEvent
  | TimerDueEvent
  | MessageEvent
  | SignalEvent
  | CancelEvent
  | CallCompletedEvent
  | CallFailedWithBpmnErrorEvent
  | CallEscalatedEvent;

/** A minimal logger (pino-compatible); the default is silent. */
export type EngineLogger = {
  debug(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
};

/**
 * The `expressions` contract of bpmn-elements (and of server/expressions):
 * `resolveExpression(text, { environment, ...message }, fnContext)`.
 */
export type ExpressionEvaluator = {
  resolveExpression(text: unknown, context?: unknown, fnContext?: unknown): unknown;
  isExpression?(text: unknown): boolean;
  hasExpression?(text: unknown): boolean;
};

/** Options of every run: given again at each event because functions are never stored. */
export type RunOptions = {
  /** The platform clock's current time: timers, due dates and history are computed from it. */
  now: Date;
  /** Functions callable from expressions as `environment.services.<name>`. */
  services?: Record<string, (...args: any[]) => unknown>;
  /** Expression evaluator (server/expressions); default: bpmn-elements' own. */
  expressions?: ExpressionEvaluator;
  /** Run script tasks and script conditions (reviewed versions only). Default false: they fail. */
  allowScripts?: boolean;
  /** Wall-clock limit of one script execution, ms (default 1000). */
  scriptTimeoutMs?: number;
  /** Most activities one event may start before the run is stopped as failed (default 250). */
  maxActivityStarts?: number;
  /** Receives the engine's warnings and errors (debug output is dropped). */
  logger?: EngineLogger;
  /** IANA time zone that cron timer cycles are read in (Camunda: the server's zone). Default 'UTC'. */
  timeZone?: string;
};

/** Assignment, due date, form and signature of a waiting user task. */
export type WaitingUserTask = {
  executionId: string;
  activityId: string;
  /** bpmn:UserTask or bpmn:ManualTask (which bpmn-elements also makes wait). */
  activityType: string;
  name?: string;
  assignee?: string;
  candidateUsers: string[];
  candidateGroups: string[];
  /** camunda:dueDate resolved: ISO date, or ISO duration from when the task opened. */
  dueAt?: Date;
  priority?: number;
  formKey?: string;
  formRef?: string;
  signature?: { required: boolean; meaning?: string; verifierRequired?: boolean };
  /** One iteration of a multi-instance task: loopCounter, nrOfInstances … and the element variable. */
  loopVariables?: Variables;
  /** camunda:inputParameter values resolved when the task opened (the form's local data), when the model maps any. */
  input?: Variables;
};

/** A service-like task (service, send, business rule) waiting for a worker. */
export type WaitingJob = {
  executionId: string;
  activityId: string;
  activityType: string;
  name?: string;
  /** camunda:type="external" topic. */
  topic?: string;
  /** gemba:connector / gemba:operation and equipment settings. */
  connector?: string;
  operation?: string;
  equipment?: string;
  equipmentNode?: string;
  /** gemba:retries, else the count of camunda:failedJobRetryTimeCycle (R3/PT5M → 3). */
  retries?: number;
  retryTimeCycle?: string;
  /** Java-style implementation a worker cannot run (camunda:class, expression, delegateExpression) or `implementation`. */
  implementation?: string;
  /** camunda:inputParameter values, else all process variables (plus the loop variables of a multi-instance iteration). */
  input: Variables;
  /** One iteration of a multi-instance task: loopCounter, nrOfInstances … and the element variable. */
  loopVariables?: Variables;
};

/** A durable timer: fire it with a timerDue event at `expireAt`. */
export type WaitingTimer = {
  /** Timer execution id (what timerDue takes). */
  executionId: string;
  activityId: string;
  /** Execution id of the event (boundary, catch) that owns the timer. */
  activityExecutionId: string;
  expireAt: Date;
  timerType: 'timeDuration' | 'timeDate' | 'timeCycle';
  /** The timer value after expression resolution (PT1H, 2026-01-01T00:00:00Z, R3/PT10M). */
  value?: string;
  /** For cycles: firings left including this one (-1: unbounded). */
  repeat?: number;
  /** For boundary timers: the task it is attached to and whether firing interrupts it. */
  attachedTo?: string;
  interrupting?: boolean;
  /** The start event of this event sub-process: firing starts the sub-process (interrupting its scope or not). */
  eventSubProcess?: string;
};

/** A message or signal catch (intermediate, boundary, receive task) waiting by name. */
export type Subscription = {
  kind: 'message' | 'signal';
  name: string;
  executionId: string;
  activityId: string;
  /** gemba:correlationKey resolved, when the model sets one; else the runtime uses the business key. */
  correlationKey?: string;
  attachedTo?: string;
  interrupting?: boolean;
  /** The start event of this event sub-process: delivering it starts the sub-process (interrupting its scope or not). */
  eventSubProcess?: string;
};

/**
 * A call activity waiting for its child instance: the runtime starts one child instance of the
 * called process per entry (by `executionId`, once), and reports its end with callCompleted /
 * callFailedWithBpmnError / callEscalated. When the entry disappears without such an event (a
 * boundary event interrupted it, the parent was cancelled), the runtime cancels the child.
 */
export type WaitingCall = {
  executionId: string;
  activityId: string;
  name?: string;
  /** The process key to start (calledElement, expressions resolved). */
  calledElement: string;
  /** camunda:calledElementBinding: `latest` released version (default), the version released
   * with the parent's (`deployment`), a version number (`version`) or a version tag (`versionTag`). */
  binding: 'latest' | 'deployment' | 'version' | 'versionTag';
  version?: number;
  versionTag?: string;
  /** camunda:in businessKey, resolved. */
  businessKey?: string;
  /** Start variables of the child: camunda:in mappings (variables="all": every variable). */
  variables: Variables;
  /** Inside a multi-instance call activity: the iteration's loop variables. */
  loopVariables?: Variables;
};

/** Anything else the instance waits on that the runtime has no handler for (e.g. call activities before issue 5). */
export type OtherWait = { executionId: string; activityId: string; activityType: string };

/**
 * The complete set of what the instance waits for after this event. The runtime reconciles its
 * rows against it: upsert what is present (by execution id), close what is gone.
 */
export type WaitSnapshot = {
  variables: Variables;
  userTasks: WaitingUserTask[];
  jobs: WaitingJob[];
  timers: WaitingTimer[];
  subscriptions: Subscription[];
  /**
   * Call activities waiting for a child instance. Always present in the engine's results
   * ({@link EngineSnapshot}); optional here so that snapshots the runtime builds itself (an empty
   * fallback) need not list it.
   */
  calls?: WaitingCall[];
  other: OtherWait[];
};

/** The snapshot as runEvent and migrateState return it: every list present. */
export type EngineSnapshot = WaitSnapshot & { calls: WaitingCall[] };

/** What happened to an activity during this run, timed by the platform clock. */
export type HistoryEntry = {
  event: 'started' | 'completed' | 'cancelled';
  activityId: string;
  activityType: string;
  name?: string;
  executionId: string;
  at: Date;
};

/**
 * A signal or message thrown by the instance (intermediate or end throw event). It has already
 * reached the catches of this instance; the runtime broadcasts a signal to the other subscribed
 * instances and correlates a message to its receiver.
 */
export type ThrownEvent = { kind: 'signal' | 'message'; name: string; activityId: string; executionId: string; variables?: Variables };

/**
 * An escalation the run threw that nothing in the instance caught. For a child instance of a call
 * activity the runtime forwards it to the parent as a callEscalated event; otherwise it is only
 * recorded (Camunda ignores uncaught escalations).
 */
export type RaisedEscalation = { escalationCode: string; name?: string; activityId: string; executionId: string };

/** A call activity that was waiting before this event and no longer is, without its child having ended: cancel the child. */
export type ClosedCall = { executionId: string; activityId: string };

/** Why a run failed: a model error, the step budget, an unreadable state, or a host defect. */
export type FailureKind = 'model' | 'budget' | 'state' | 'internal';

/** Where the instance stands after the event. */
export type Outcome =
  | { status: 'running' }
  | { status: 'completed' }
  | { status: 'cancelled'; reason?: string }
  | { status: 'failed'; kind: FailureKind; message: string; elementId?: string; errorCode?: string };

/**
 * Result of {@link runEvent}.
 * - `state`: the new state to store; `null` when the instance ended (completed, cancelled);
 *   `undefined` when nothing must change (the event was not applied, or the run failed: keep the
 *   stored state and, on failure, raise an incident that can retry the same event).
 * - `snapshot`: what the instance waits for now (absent when the run failed).
 */
export type RunResult = {
  outcome: Outcome;
  applied: boolean;
  /** Why the event was not applied (e.g. the task is not waiting). */
  reason?: string;
  state?: StoredState | null;
  snapshot?: EngineSnapshot;
  history: HistoryEntry[];
  /** Signals and messages the run threw (empty unless applied). */
  thrown: ThrownEvent[];
  /** Escalations thrown and not caught inside the instance (absent when none). */
  escalations?: RaisedEscalation[];
  /** Call activities closed by this event whose child instance is still running (absent when none). */
  closedCalls?: ClosedCall[];
};
