import { ProblemError, type Problem } from './problem';
import type { Session } from './session';
import type {
  ActivityHeat,
  FormSchema,
  Heatmap,
  Incident,
  Instance,
  Kpis,
  LoginResult,
  Me,
  Page,
  ProcessSummary,
  ProcessVersion,
  ProcessVersionDetail,
  RetryOutcome,
  Task,
  TaskStatus,
  VersionDiff,
} from './types';

/**
 * The one module that talks to the HTTP API (/api/v1). Every screen goes through it, so a change
 * of route or shape on the server is adjusted here. Calls send the session's bearer token; every
 * non-2xx answer becomes a ProblemError carrying the RFC 9457 body; a 401 on an authenticated
 * call whose session the server no longer knows (checked with /me) ends the session here.
 *
 * Shapes follow the server's presenters (server/presenters); `normalize*` turns them into the
 * app's types (the task presenter's `key` becomes `processKey`, absent fields get defaults) for
 * HTTP answers and socket.io payloads alike.
 */

export type SignatureInput = { password: string; meaning: string; comment?: string };

const BASE = '/api/v1';

type RequestOptions = { body?: unknown; query?: Record<string, string | number | boolean | null | undefined>; accept?: 'json' | 'text'; auth?: boolean; token?: string };

export class Api {
  constructor(private readonly session: Session) {}

  /** A raw call: returns parsed JSON (or text), undefined for 204. */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(BASE + path, window.location.origin);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { Accept: options.accept === 'text' ? 'application/xml, text/plain, */*' : 'application/json' };
    const token = options.token ?? this.session.token;
    if (token && options.auth !== false) headers.Authorization = `Bearer ${token}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body), credentials: 'same-origin' });
    } catch (error) {
      throw new ProblemError({ status: 0, title: 'The server cannot be reached', detail: (error as Error).message });
    }
    if (!response.ok) {
      const problem = await readProblem(response);
      // A 401 may mean the session ended, or only that a signature's password was wrong: ask /me.
      if (response.status === 401 && token && options.auth !== false && token === this.session.token) {
        if (path === '/me') this.session.end(problem.code === 'account_locked' ? 'revoked' : 'expired');
        else void this.me().catch(() => undefined);
      }
      throw new ProblemError(problem);
    }
    if (response.status === 204) return undefined as T;
    if (options.accept === 'text') return (await response.text()) as T;
    const type = response.headers.get('Content-Type') ?? '';
    return (type.includes('json') ? await response.json() : await response.text()) as T;
  }

  // --- session -------------------------------------------------------------------------------

  login(username: string, password: string): Promise<LoginResult> {
    return this.request('POST', '/auth/login', { body: { username, password }, auth: false });
  }

  logout(): Promise<void> {
    return this.request('POST', '/auth/logout');
  }

  /** The caller and their permissions (with `token`: for a session not started yet). */
  me(token?: string): Promise<Me> {
    return this.request('GET', '/me', { token });
  }

  // --- process versions ----------------------------------------------------------------------

  async processes(): Promise<ProcessSummary[]> {
    return items(await this.request<Page<ProcessSummary> | ProcessSummary[]>('GET', '/processes'));
  }

  versions(query: { key?: string; status?: string; limit?: number; offset?: number } = {}): Promise<Page<ProcessVersion>> {
    return this.request('GET', '/process-versions', { query: { limit: 200, ...query } });
  }

  version(id: string): Promise<ProcessVersionDetail> {
    return this.request('GET', `/process-versions/${encodeURIComponent(id)}`);
  }

  versionXml(id: string): Promise<string> {
    return this.request('GET', `/process-versions/${encodeURIComponent(id)}/xml`, { accept: 'text' });
  }

  versionForms(id: string): Promise<Record<string, FormSchema>> {
    return this.request('GET', `/process-versions/${encodeURIComponent(id)}/forms`);
  }

  createVersion(body: { xml: string; changeReason: string; forms?: Record<string, FormSchema>; basedOnId?: string }): Promise<ProcessVersionDetail> {
    return this.request('POST', '/process-versions', { body });
  }

  updateVersion(id: string, body: { xml: string; changeReason: string; forms?: Record<string, FormSchema> }): Promise<ProcessVersionDetail> {
    return this.request('PUT', `/process-versions/${encodeURIComponent(id)}`, { body });
  }

  submitVersion(id: string): Promise<ProcessVersionDetail> {
    return this.request('POST', `/process-versions/${encodeURIComponent(id)}/submit`);
  }

  approveVersion(id: string, signature: SignatureInput): Promise<ProcessVersionDetail> {
    return this.request('POST', `/process-versions/${encodeURIComponent(id)}/approve`, { body: signature });
  }

  rejectVersion(id: string, signature: SignatureInput): Promise<ProcessVersionDetail> {
    return this.request('POST', `/process-versions/${encodeURIComponent(id)}/reject`, { body: signature });
  }

  releaseVersion(id: string, signature: SignatureInput): Promise<ProcessVersionDetail> {
    return this.request('POST', `/process-versions/${encodeURIComponent(id)}/release`, { body: signature });
  }

  retireVersion(id: string, reason: string): Promise<ProcessVersionDetail> {
    return this.request('POST', `/process-versions/${encodeURIComponent(id)}/retire`, { body: { reason } });
  }

  diff(id: string, against: string): Promise<VersionDiff> {
    return this.request('GET', `/process-versions/${encodeURIComponent(id)}/diff`, { query: { against } });
  }

  // --- tasks (server/http/routes/tasks.routes.ts) ----------------------------------------------

  /**
   * A page of tasks. `view`: `workable` (assigned to me, or offered to me or my roles), `mine`
   * (assigned to me) or `all` (only for those who may assign tasks).
   */
  async tasks(query: { view?: TaskView; status?: TaskStatus; key?: string; instanceId?: string; overdue?: boolean; limit?: number; offset?: number } = {}): Promise<Page<Task>> {
    const answer = await this.request<Page<RawTask>>('GET', '/tasks', { query: { view: query.view ?? 'workable', status: query.status ?? 'open', key: query.key, instanceId: query.instanceId, overdue: query.overdue, limit: query.limit ?? 200, offset: query.offset } });
    return { items: answer.items.map(normalizeTask), total: answer.total };
  }

  /** One task with its form (form-js schema, or null) and, once performed, the submitted data. */
  async task(id: string): Promise<Task> {
    return normalizeTask(await this.request<RawTask>('GET', `/tasks/${encodeURIComponent(id)}`));
  }

  async claimTask(id: string): Promise<Task> {
    return normalizeTask(await this.request<RawTask>('POST', `/tasks/${encodeURIComponent(id)}/claim`));
  }

  async unclaimTask(id: string): Promise<Task> {
    return normalizeTask(await this.request<RawTask>('POST', `/tasks/${encodeURIComponent(id)}/unclaim`));
  }

  /** (Re)assigns a task to a user name, or back to its candidates (null), with a reason. */
  async assignTask(id: string, assignee: string | null, reason: string): Promise<Task> {
    return normalizeTask(await this.request<RawTask>('POST', `/tasks/${encodeURIComponent(id)}/assign`, { body: { assignee, reason } }));
  }

  /**
   * Completes a task with its form data; the server validates it against the form (400 with
   * `errors[].path` = `body.variables.<key>`) and requires the signature the task asks for.
   */
  async completeTask(id: string, variables: Record<string, unknown>, signature?: SignatureInput): Promise<Task> {
    return normalizeTask(await this.request<RawTask>('POST', `/tasks/${encodeURIComponent(id)}/complete`, { body: signature ? { variables, signature } : { variables } }));
  }

  /** A second person verifies a performed step (signature meaning `verified`). */
  async verifyTask(id: string, signature: SignatureInput): Promise<Task> {
    return normalizeTask(await this.request<RawTask>('POST', `/tasks/${encodeURIComponent(id)}/verify`, { body: signature }));
  }

  // --- instances and incidents (instances.routes.ts, incidents.routes.ts) ---------------------

  async instances(query: { key?: string; status?: string; businessKey?: string; versionId?: string; limit?: number; offset?: number } = {}): Promise<Page<Instance>> {
    const answer = await this.request<Page<RawInstance>>('GET', '/instances', { query: { limit: 100, ...query } });
    return { items: answer.items.map(normalizeInstance), total: answer.total };
  }

  async instance(id: string): Promise<Instance> {
    return normalizeInstance(await this.request<RawInstance>('GET', `/instances/${encodeURIComponent(id)}`));
  }

  async startInstance(key: string, body: { businessKey?: string; variables?: Record<string, unknown> }): Promise<Instance> {
    return normalizeInstance(await this.request<RawInstance>('POST', `/processes/${encodeURIComponent(key)}/instances`, { body }));
  }

  async cancelInstance(id: string, reason: string): Promise<Instance> {
    return normalizeInstance(await this.request<RawInstance>('POST', `/instances/${encodeURIComponent(id)}/cancel`, { body: { reason } }));
  }

  async incidents(query: { instanceId?: string; key?: string; status?: 'open' | 'resolved'; limit?: number } = {}): Promise<Page<Incident>> {
    return this.request<Page<Incident>>('GET', '/incidents', { query });
  }

  /** Retries an incident: a failed job runs again, a failed engine event is applied again. */
  retryIncident(id: string): Promise<RetryOutcome> {
    return this.request('POST', `/incidents/${encodeURIComponent(id)}/retry`);
  }

  // --- capabilities --------------------------------------------------------------------------

  private routes: Promise<Set<string>> | null = null;

  /**
   * Whether the server serves `method path` (read once from its OpenAPI document), so optional
   * endpoints are not probed with requests that fail (and litter the console with 404s).
   */
  async hasRoute(method: string, path: string): Promise<boolean> {
    this.routes ??= this.request<{ paths?: Record<string, Record<string, unknown>> }>('GET', '/openapi.json', { auth: false })
      .then((doc) => new Set(Object.entries(doc.paths ?? {}).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/^\/api\/v1/, '')}`))))
      .catch(() => new Set<string>());
    return (await this.routes).has(`${method.toUpperCase()} ${path}`);
  }

  // --- KPIs ----------------------------------------------------------------------------------

  /**
   * KPI figures. Throughput, status counts and open work per process are derived from instances
   * and tasks; where the server serves GET /kpis (cycle time, task counts, NC/CAPA aging, OEE, each
   * with how it was computed) and the viewer may read it, those figures come from there
   * (`source: 'api'`). Only someone who may assign tasks sees all tasks in the derived figures.
   */
  async kpis(days = 14): Promise<Kpis> {
    const view: TaskView = this.session.can('assign', 'UserTask') ? 'all' : 'workable';
    // A performed step that waits for its verifier is open work too.
    const [instances, open, verifying] = await Promise.all([this.instances({ limit: 200 }), this.tasks({ view, status: 'open' }), this.tasks({ view, status: 'awaiting_verification' })]);
    const derived: Kpis = { ...deriveKpis(instances.items, [...open.items, ...verifying.items], days), taskScope: view === 'all' ? 'all' : 'mine' };
    if (!(await this.hasRoute('GET', '/kpis')) || !this.session.can('read', 'Kpi')) return derived;
    const served = await this.request<ServedKpis>('GET', '/kpis', { query: { from: derived.window.from, to: derived.window.to } });
    return mergeServedKpis(derived, served);
  }

  /** Activity counts and durations of one version for the heatmap (GET /kpis/heatmap, else derived from instance histories). */
  async heatmap(key: string, versionId: string): Promise<Heatmap> {
    if (await this.hasRoute('GET', '/kpis/heatmap')) return this.request<Heatmap>('GET', '/kpis/heatmap', { query: { key, versionId } });
    const list = (await this.instances({ key, versionId, limit: 50 })).items;
    const detailed = await Promise.all(list.map((i) => this.instance(i.id)));
    return { key, versionId, activities: heatFromHistory(detailed.flatMap((i) => i.history ?? [])) };
  }
}

export type TaskView = 'workable' | 'mine' | 'all';

type RawTask = Record<string, any>;
type RawInstance = Record<string, any>;

async function readProblem(response: Response): Promise<Problem> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as Problem;
    if (body && typeof body === 'object') return { ...body, status: body.status ?? response.status };
  } catch {
    // not JSON: fall through to a problem made from the status line
  }
  return { status: response.status, title: response.statusText || `HTTP ${response.status}`, detail: text.slice(0, 300) || undefined };
}

function items<T>(answer: Page<T> | T[]): T[] {
  return Array.isArray(answer) ? answer : (answer?.items ?? []);
}

/** A task as the presenter sends it (HTTP and socket.io payloads alike), with defaults for absent fields. */
export function normalizeTask(raw: RawTask): Task {
  const signature = raw.signature && typeof raw.signature === 'object' ? { required: raw.signature.required !== false, meaning: raw.signature.meaning ?? null, verifierRequired: !!raw.signature.verifierRequired } : null;
  const form = raw.form && typeof raw.form === 'object' && Array.isArray(raw.form.components) ? (raw.form as FormSchema) : raw.form === undefined ? undefined : null;
  return {
    id: raw.id,
    name: raw.name ?? null,
    instanceId: raw.instanceId,
    activityId: raw.activityId,
    processKey: raw.key ?? raw.processKey ?? '',
    businessKey: raw.businessKey ?? null,
    candidateGroups: raw.candidateGroups ?? [],
    candidateUsers: raw.candidateUsers ?? [],
    assignee: raw.assignee ?? null,
    dueAt: raw.dueAt ?? null,
    overdue: !!raw.overdue,
    priority: typeof raw.priority === 'number' ? raw.priority : 50,
    status: raw.status ?? 'open',
    formRef: raw.formRef ?? null,
    ...(form !== undefined ? { form } : {}),
    signature,
    createdAt: raw.createdAt ?? null,
    claimedAt: raw.claimedAt ?? null,
    completedBy: raw.completedBy ?? null,
    completedAt: raw.completedAt ?? null,
    ...(raw.submitted !== undefined ? { submitted: raw.submitted } : {}),
  };
}

/** An instance as the presenter sends it; the tasks in it are normalized too. */
export function normalizeInstance(raw: RawInstance): Instance {
  return {
    ...(raw as Instance),
    endedAt: raw.endedAt ?? null,
    openTasks: raw.openTasks?.map(normalizeTask),
    tasks: raw.tasks?.map(normalizeTask),
  };
}

/** Counts and mean durations per activity from history entries. */
export function heatFromHistory(history: Instance['history'] & object): ActivityHeat[] {
  const byActivity = new Map<string, { count: number; total: number; timed: number }>();
  for (const entry of history) {
    const slot = byActivity.get(entry.activityId) ?? { count: 0, total: 0, timed: 0 };
    slot.count += 1;
    if (entry.endedAt) {
      slot.total += Date.parse(entry.endedAt) - Date.parse(entry.startedAt);
      slot.timed += 1;
    }
    byActivity.set(entry.activityId, slot);
  }
  return [...byActivity].map(([activityId, s]) => ({ activityId, count: s.count, meanMs: s.timed ? s.total / s.timed : null }));
}

const DAY = 86_400_000;

/**
 * The dashboard figures computable from instances and open tasks alone. The window ends at the
 * later of `now` and the newest record, so a server clock ahead of the browser's (a controlled
 * clock in tests, or plain skew) does not push today's work out of the chart. Overdue is the
 * server's judgement (`task.overdue`).
 */
export function deriveKpis(instances: Instance[], tasks: Task[], days: number, now = Date.now()): Kpis {
  const newest = Math.max(0, ...instances.flatMap((i) => [i.startedAt, i.endedAt]).map((iso) => (iso ? Date.parse(iso) : 0)).filter(Number.isFinite));
  const end = Math.max(now, newest);
  const from = end - days * DAY;
  const throughput = Array.from({ length: days }, (_, i) => {
    const day = new Date(from + (i + 1) * DAY).toISOString().slice(0, 10);
    return { day, started: 0, completed: 0 };
  });
  const slotOf = (iso: string | null | undefined) => {
    if (!iso) return undefined;
    const day = iso.slice(0, 10);
    return throughput.find((t) => t.day === day);
  };
  const durations = new Map<string, number[]>();
  const byStatus = new Map<string, number>();
  for (const instance of instances) {
    byStatus.set(instance.status, (byStatus.get(instance.status) ?? 0) + 1);
    const started = slotOf(instance.startedAt);
    if (started) started.started += 1;
    if (instance.status === 'completed' && instance.endedAt) {
      const ended = slotOf(instance.endedAt);
      if (ended) ended.completed += 1;
      if (instance.startedAt) {
        const list = durations.get(instance.key) ?? [];
        list.push(Date.parse(instance.endedAt) - Date.parse(instance.startedAt));
        durations.set(instance.key, list);
      }
    }
  }
  const cycleTime = [...durations].map(([key, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { key, count: sorted.length, meanMs: sorted.reduce((a, b) => a + b, 0) / sorted.length, p90Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))] };
  });
  const open = tasks.filter((t) => t.status === 'open' || t.status === 'awaiting_verification');
  const perProcess = new Map<string, { open: number; overdue: number }>();
  for (const task of open) {
    const slot = perProcess.get(task.processKey) ?? { open: 0, overdue: 0 };
    slot.open += 1;
    if (task.overdue) slot.overdue += 1;
    perProcess.set(task.processKey, slot);
  }
  return {
    source: 'derived',
    window: { from: new Date(from).toISOString(), to: new Date(end).toISOString() },
    throughput,
    cycleTime,
    openTasks: open.length,
    overdueTasks: open.filter((t) => t.overdue).length,
    instancesByStatus: INSTANCE_STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 })),
    openTasksByProcess: [...perProcess].map(([key, counts]) => ({ key, ...counts })).sort((a, b) => b.open - a.open),
  };
}

const INSTANCE_STATUSES = ['running', 'incident', 'completed', 'cancelled'];

type Figure<T> = { value: T; definition: string; inputs: Record<string, unknown> };
type AgingFigure = { open: number; buckets: Record<string, number> };
/** GET /kpis as the server answers it (server/http/routes/kpis.routes.ts). */
export type ServedKpis = {
  window: { from: string; to: string };
  figures: {
    cycleTime: Figure<{ byProcess: Array<{ key: string; completed: number; meanMs: number; p90Ms: number }> }>;
    tasks: Figure<{ open: number; awaitingVerification: number; overdue: number }>;
    aging: Figure<Record<'nonconformance' | 'deviation' | 'capa', AgingFigure>>;
    oee: Array<Figure<{ availability: number | null; performance: number | null; quality: number | null; oee: number | null }> & { equipmentId: string }>;
  };
};

/** The server's plant-wide figures over the derived ones; throughput and status counts stay derived. */
export function mergeServedKpis(derived: Kpis, served: ServedKpis): Kpis {
  const { cycleTime, tasks, aging, oee } = served.figures;
  const buckets = (figure: AgingFigure) => Object.entries(figure.buckets).map(([bucket, count]) => ({ bucket, count }));
  return {
    ...derived,
    source: 'api',
    cycleTime: cycleTime.value.byProcess.map((p) => ({ key: p.key, count: p.completed, meanMs: p.meanMs, p90Ms: p.p90Ms })),
    openTasks: tasks.value.open + tasks.value.awaitingVerification,
    overdueTasks: tasks.value.overdue,
    taskScope: 'all',
    nonconformanceAging: buckets(aging.value.nonconformance),
    capaAging: buckets(aging.value.capa),
    // Equipment without a planned time in the window has no OEE yet: it is left out, not shown as 0 %.
    oee: oee
      .filter((o) => o.value.oee !== null)
      .map((o) => ({ equipment: o.equipmentId, availability: o.value.availability ?? 0, performance: o.value.performance ?? 0, quality: o.value.quality ?? 0, oee: o.value.oee ?? 0 })),
  };
}
