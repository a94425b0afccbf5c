/**
 * Resource shapes of the API, as the server's presenters (server/presenters) and route schemas
 * (server/http/routes/*.schema.ts) define them. `Kpis` is what the dashboard draws: derived figures merged with GET /kpis (see api.ts).
 */

export type Role = 'process_owner' | 'validation_reviewer' | 'quality' | 'supervisor' | 'operator' | 'inspector' | 'admin';

export type User = {
  id: string;
  username: string;
  printedName: string;
  email: string | null;
  roles: Role[];
  status: 'active' | 'deactivated';
  passwordMustChange: boolean;
};

export type LoginResult = { token: string; expiresAt: string; idleTimeoutSeconds: number; user: User };

export type Permission = { action: string; subject: string };
export type Me = { kind: 'user' | 'service'; user?: User; permissions: Permission[] };

export type VersionStatus = 'draft' | 'in_review' | 'approved' | 'rejected' | 'released' | 'superseded' | 'retired';

export type Signature = {
  id: string;
  signer: string;
  signerId: string;
  printedName: string;
  meaning: string;
  comment: string | null;
  signedAt: string;
  recordHash: string;
  valid: boolean;
};

/** A finding of the submit gate (lint or executability) kept with the version. */
export type GateFinding = { id?: string; elementId?: string | null; rule: string; message: string; category: 'error' | 'warn'; line?: number };

export type ProcessVersion = {
  id: string;
  key: string;
  version: number;
  name: string | null;
  status: VersionStatus;
  sha256: string;
  changeReason: string;
  basedOnId: string | null;
  createdBy: string;
  authors: string[];
  createdAt: string;
  updatedAt: string;
  submittedBy: string | null;
  submittedAt: string | null;
  releasedAt: string | null;
  supersededAt: string | null;
  retiredAt: string | null;
  /** Set at submit: the gate passed; its warnings are kept (older shape: `findings`). */
  lint: { checkedAt?: string; warnings?: GateFinding[]; findings?: GateFinding[] } | null;
  signatures: Signature[];
};

export type StatusChange = { seq: number; action: string; from: string | null; to: string | null; at: string; actor: string | null; printedName: string | null; reason: string | null };

export type ProcessVersionDetail = ProcessVersion & { forms: string[]; warnings?: Array<{ message: string }>; history: StatusChange[] };

export type ProcessSummary = {
  key: string;
  name: string | null;
  released: { id: string; version: number; sha256: string; releasedAt: string | null } | null;
  latest: { id: string; version: number; status: VersionStatus };
};

export type Page<T> = { items: T[]; total: number };

export type DiffElement = { id: string; type: string; name?: string | null };
export type AttributeChange = { name: string; before: string | null; after: string | null };
export type VersionDiff = {
  from: { id: string; key: string; version: number; sha256: string };
  to: { id: string; key: string; version: number; sha256: string };
  added: DiffElement[];
  removed: DiffElement[];
  changed: Array<DiffElement & { attributes: AttributeChange[] }>;
  layoutChanged: string[];
};

/** A form-js schema. */
export type FormSchema = { id?: string; type?: string; components: unknown[]; [key: string]: unknown };

/** What a task asks for when it is completed: the performer's signature and, when `verifierRequired`, a second person's. */
export type TaskSignature = { required: boolean; meaning: string | null; verifierRequired: boolean };

export type TaskStatus = 'open' | 'awaiting_verification' | 'completed' | 'cancelled';

/** A user task (server/presenters/task.presenter.ts). `form` and `submitted` come with GET /tasks/:id only. */
export type Task = {
  id: string;
  name: string | null;
  instanceId: string;
  activityId: string;
  /** The process key of the instance (the presenter's `key`). */
  processKey: string;
  businessKey: string | null;
  candidateGroups: string[];
  candidateUsers: string[];
  /** The user name of the assignee. */
  assignee: string | null;
  dueAt: string | null;
  /** Overdue by the server's clock (which tests may move). */
  overdue: boolean;
  priority: number;
  status: TaskStatus | string;
  /** The id of the version's form (camunda:formRef); `form` is its form-js schema (null when the version lacks it). */
  formRef: string | null;
  form?: FormSchema | null;
  signature: TaskSignature | null;
  createdAt: string | null;
  claimedAt: string | null;
  /** Who performed (awaiting verification) or completed the task, and when. */
  completedBy: string | null;
  completedAt: string | null;
  /** The data the performer submitted. */
  submitted?: Record<string, unknown> | null;
};

export type HistoryEntry = {
  activityId: string;
  activityType?: string | null;
  name: string | null;
  startedAt: string;
  endedAt: string | null;
  durationMs?: number | null;
  actor: string | null;
  outcome?: string | null;
};

export type Incident = {
  id: string;
  instanceId: string;
  key?: string;
  businessKey?: string | null;
  jobId?: string | null;
  activityId: string | null;
  kind?: string;
  message: string | null;
  status: 'open' | 'resolved' | string;
  createdAt?: string;
  resolvedAt?: string | null;
  resolvedBy?: string | null;
  resolution?: string | null;
};

/** What POST /incidents/:id/retry did. */
export type RetryOutcome = { incidentId: string; outcome: 'resolved' | 'failedAgain' | 'jobRescheduled' | 'refused'; message?: string; newIncidentId?: string };

export type InstanceStatus = 'running' | 'completed' | 'cancelled' | 'incident';

export type Timer = { id: string; activityId: string | null; dueAt: string; value: string | null; status: string };
export type Job = { id: string; kind: string; activityId: string | null; status: string; attempts: number; maxAttempts: number; dueAt: string; lastError: string | null; topic: string | null; connector: string | null; operation: string | null };
export type Subscription = { kind: string; name: string; correlationKey: string | null; activityId: string };

/** An instance: the list gives the summary fields; GET /instances/:id adds the rest. */
export type Instance = {
  id: string;
  key: string;
  versionId: string;
  businessKey: string | null;
  status: InstanceStatus | string;
  startedBy?: string | null;
  startedAt: string;
  endedAt: string | null;
  endReason?: string | null;
  parentInstanceId?: string | null;
  version?: number;
  versionSha256?: string;
  variables?: Record<string, unknown>;
  openTasks?: Task[];
  /** Every task of the instance, open or not. */
  tasks?: Task[];
  timers?: Timer[];
  jobs?: Job[];
  subscriptions?: Subscription[];
  incidents?: Incident[];
  history?: HistoryEntry[];
};

/**
 * KPI figures for the dashboard: the planned shape of GET /kpis?days=N (issue 7). Until the
 * server serves it, the app derives throughput, cycle time, task and status figures from
 * instances and tasks (`source: 'derived'`); the figures it cannot derive are absent, and the
 * dashboard draws only the charts whose figures it has.
 */
export type Kpis = {
  source: 'api' | 'derived';
  window: { from: string; to: string };
  /** Instances started and completed per day of the window (UTC days, oldest first). */
  throughput: Array<{ day: string; started: number; completed: number }>;
  /** Cycle time (start to end) of the instances completed in the window, per process key. */
  cycleTime: Array<{ key: string; count: number; meanMs: number; p90Ms: number }>;
  openTasks: number;
  overdueTasks: number;
  /** Derived mode: whose tasks the task figures count (all, or only the viewer's work). */
  taskScope?: 'all' | 'mine';
  instancesByStatus?: Array<{ status: string; count: number }>;
  openTasksByProcess?: Array<{ key: string; open: number; overdue: number }>;
  /** Open nonconformances and CAPAs by age bucket ("0-7 d", "8-30 d", "> 30 d"). */
  nonconformanceAging?: Array<{ bucket: string; count: number }>;
  capaAging?: Array<{ bucket: string; count: number }>;
  /** OEE = availability × performance × quality, each 0..1, per equipment. */
  oee?: Array<{ equipment: string; availability: number; performance: number; quality: number; oee: number }>;
};

/** Activity counts and mean durations of one process, for the heatmap on its diagram. */
export type ActivityHeat = { activityId: string; count: number; meanMs: number | null };
export type Heatmap = { key: string; versionId: string; activities: ActivityHeat[] };
