import { systemActor } from '../../server/auth/actor';
import { RULES_BY_ROLE } from '../../server/auth/abilities';
import type { Role } from '../../server/auth/roles';
import { runCommand } from '../../server/commands/run-command';
import { DEMO_CELL_ID, demoCellMonitoring, erpConnector, opcuaCellConnector, qmsConnector, type ConnectorDefinition } from '../../server/platform/demo-connectors';
import { registerGauge } from '../../server/platform/gauges';
import { loadLibraryProcess, STANDARD_PROCESS_KEYS, type StandardProcessKey } from '../../server/platform/standard-library';
import { startErpSimulator, type ErpSimulator } from '../../server/adapters/simulators/erp';
import { startQmsSimulator, type QmsSimulator } from '../../server/adapters/simulators/qms';
import { deployReleased } from '../support/deploy';
import { buildServicePrincipal, loginAs, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// A plant for the scenarios of the standard process library: the application with the platform
// operations, the simulated ERP and QMS, optionally the OPC UA cell (connector `cell-1`, the
// equipment id the processes pass; optionally under the equipment monitor), the connectors to them, a gauge
// register, one user per role (two operators: performer and verifier), the ERP's API key, and the
// six processes released through the controlled path. Everything is driven through the HTTP API.

export type Signed = Awaited<ReturnType<typeof signedInUser>>;
export type Task = { id: string; activityId: string; instanceId: string; name: string; status: string; assignee: string | null; candidateGroups: string[]; signature: { meaning: string; verifierRequired: boolean } | null; form?: unknown };

/** The cell simulator as the scenarios use it (started by the scenario file, which maps node-opcua). */
export type Cell = { endpointUrl: string; forceState(state: string): void; state: string; job: { status: string; processed: number; defective: number } | null; stop(): Promise<void> };

const DAY = 86_400_000;

/**
 * Who assesses validation impact in change control (a task offered to validation_reviewer). The
 * role may not yet complete tasks (abilities.ts gives it no `complete UserTask`; see the report):
 * until it may, the assessor also holds the quality role, which can.
 */
const VALIDATOR_ROLES: Role[] = RULES_BY_ROLE.validation_reviewer.some(([action, subject]) => action === 'complete' && subject === 'UserTask')
  ? ['validation_reviewer']
  : ['validation_reviewer', 'quality'];
const day = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);

export class Plant {
  versions = new Map<string, { id: string; key: string; version: number; sha256: string }>();

  private constructor(
    readonly app: TestApp,
    readonly erp: ErpSimulator,
    readonly qms: QmsSimulator,
    readonly users: Record<'owner' | 'reviewer' | 'validator' | 'quality' | 'supervisor' | 'operator' | 'operator2' | 'inspector' | 'admin', Signed>,
    readonly erpApiKey: Record<string, string>,
  ) {}

  /**
   * Starts the plant; `cell` is the OPC UA simulator when the processes that run need equipment;
   * `monitorCell` puts it under the server's equipment monitor (its samples feed OEE).
   */
  static async start(options: { processes?: readonly StandardProcessKey[]; cell?: Cell; monitorCell?: boolean; env?: Record<string, string> } = {}): Promise<Plant> {
    const app = await startTestApp(options.env);
    const erp = await startErpSimulator();
    const qms = await startQmsSimulator();
    const user = (roles: Role[], printedName: string) => signedInUser(app, roles, { printedName });
    const users = {
      owner: await user(['process_owner'], 'Olivia Owens'),
      reviewer: await user(['validation_reviewer'], 'Ravi Reddy'),
      validator: await user(VALIDATOR_ROLES, 'Valerie Vance'),
      quality: await user(['quality'], 'Quinn Morales'),
      supervisor: await user(['supervisor'], 'Sam Sato'),
      operator: await user(['operator'], 'Oscar Novak'),
      operator2: await user(['operator'], 'Vera Verifier'),
      inspector: await user(['inspector'], 'Ines Park'),
      admin: await user(['admin'], 'Ada Admin'),
    };
    const erpApiKey = (await buildServicePrincipal(app, { name: 'erp-system', allowedActions: ['start', 'correlate', 'read'], allowedProcessKeys: ['*'] })).headers;
    const plant = new Plant(app, erp, qms, users, erpApiKey);
    const connectors: ConnectorDefinition[] = [erpConnector(erp.url), qmsConnector(qms.url), ...(options.cell ? [opcuaCellConnector(options.cell.endpointUrl)] : [])];
    for (const connector of connectors) {
      const response = await app.http.post('/api/v1/connectors').set(users.admin.auth).send({ ...connector, reason: 'scenario plant' });
      if (response.status !== 201) throw new Error(`connector ${connector.name} refused: ${response.status} ${JSON.stringify(response.body)}`);
    }
    // The register is master data; its admin route needs the ability `update Equipment` (see the report).
    await runCommand(app.deps, systemActor('scenario'), {}, async (ctx) => {
      await registerGauge(ctx, 'G-1001', { description: 'Digital caliper', location: 'Cell 1', status: 'active', calibratedOn: day(-30), calibrationDue: day(335), certificate: 'CAL-1001', reason: 'scenario plant' });
      await registerGauge(ctx, 'G-0007', { description: 'Caliper, calibration expired', location: 'Cell 1', status: 'active', calibratedOn: day(-400), calibrationDue: day(-35), certificate: 'CAL-0007', reason: 'scenario plant' });
    });
    for (const key of options.processes ?? STANDARD_PROCESS_KEYS) await plant.release(key);
    if (options.cell && options.monitorCell) await plant.monitorCell();
    return plant;
  }

  /** Releases a library process (or another model of its key) through draft, submit, approval and release. */
  async release(key: StandardProcessKey, change?: (xml: string) => string) {
    const library = loadLibraryProcess(key);
    const released = await deployReleased(this.app, change ? change(library.xml) : library.xml, { forms: library.forms, signers: { owner: this.users.owner, reviewer: this.users.reviewer } });
    this.versions.set(key, released);
    return released;
  }

  /**
   * Puts the cell under the equipment monitor through the API, as a process owner would, and waits
   * until the monitor is connected and has recorded the cell's state: from then on its state and
   * counter samples are what OEE is computed from.
   */
  private async monitorCell(): Promise<void> {
    const response = await this.app.http
      .put(`/api/v1/equipment/${DEMO_CELL_ID}/monitoring`)
      .set(this.users.owner.auth)
      .send({ ...demoCellMonitoring(20), reason: 'Monitor the cell for OEE and escalations' });
    if (response.status !== 200) throw new Error(`monitoring refused: ${response.status} ${JSON.stringify(response.body)}`);
    await this.until(async () => {
      const equipment = await this.equipment();
      return equipment.connection?.status === 'connected' && equipment.state?.value !== undefined && equipment.counters;
    }, 'the monitored state of the cell');
  }

  /** What GET /equipment/cell-1 shows (live state, counters, connection). */
  async equipment(): Promise<{ connection?: { status: string }; state?: { value: unknown }; counters?: { processed: number; defective: number } | null; lastSampleAt?: string | null }> {
    const response = await this.app.http.get(`/api/v1/equipment/${DEMO_CELL_ID}`).set(this.users.supervisor.auth);
    if (response.status !== 200) throw new Error(`equipment ${DEMO_CELL_ID}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async close(): Promise<void> {
    await this.app.close();
    await this.erp.close();
    await this.qms.close();
  }

  /** Runs every job that is due now (service calls, due timers) and what they make due. */
  async settle(): Promise<void> {
    await this.app.deps.drainJobs();
  }

  /** Moves the controlled clock (an admin's action) and runs what fell due. */
  async advance(ms: number): Promise<void> {
    const response = await this.app.http.post('/api/v1/admin/clock').set(this.users.admin.auth).send({ advanceMs: ms });
    if (response.status !== 200) throw new Error(`clock refused: ${response.status} ${JSON.stringify(response.body)}`);
    await this.settle();
    // Sessions end after 15 idle minutes (C13): after a jump in time, everyone signs in again.
    if (ms >= 10 * 60_000) await this.signInAgain();
  }

  async signInAgain(): Promise<void> {
    for (const signed of Object.values(this.users)) {
      const token = await loginAs(this.app, signed.user);
      signed.token = token;
      signed.auth.Authorization = `Bearer ${token}`;
    }
  }

  /** The open task of an activity that the user can work (in one instance, when given); waits for it. */
  async task(user: Signed, activityId: string, instanceId?: string, status: 'open' | 'awaiting_verification' = 'open'): Promise<Task> {
    for (let attempt = 0; attempt < 100; attempt++) {
      await this.settle();
      const query = new URLSearchParams({ activityId, status, view: status === 'open' ? 'workable' : 'all', ...(instanceId ? { instanceId } : {}) });
      const asker = status === 'open' ? user : this.users.supervisor;
      const response = await this.app.http.get(`/api/v1/tasks?${query}`).set(asker.auth);
      if (response.status !== 200) throw new Error(`task list refused: ${response.status} ${JSON.stringify(response.body)}`);
      if (response.body.items.length) return response.body.items[0] as Task;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const open = await this.app.deps.db('user_tasks').whereIn('status', ['open', 'awaiting_verification']).select('activity_id', 'candidate_groups', 'assignee', 'instance_id');
    const incidents = await this.app.deps.db('incidents').where({ status: 'open' }).select('message');
    throw new Error(`no ${status} task ${activityId} for ${user.user.username}; open tasks: ${JSON.stringify(open)}; incidents: ${JSON.stringify(incidents)}`);
  }

  /**
   * Completes an activity's task as the user through the API: the form data, the signature with
   * the meaning the task requires, and the second person's verification when it needs one.
   */
  async complete(user: Signed, activityId: string, variables: Record<string, unknown>, options: { instanceId?: string; verifier?: Signed } = {}): Promise<Task> {
    const task = await this.task(user, activityId, options.instanceId);
    const signature = task.signature ? { password: user.user.password, meaning: task.signature.meaning } : undefined;
    const response = await this.app.http.post(`/api/v1/tasks/${task.id}/complete`).set(user.auth).send({ variables, ...(signature ? { signature } : {}) });
    if (response.status !== 200) throw new Error(`${activityId} refused for ${user.user.username}: ${response.status} ${JSON.stringify(response.body)}`);
    if (task.signature?.verifierRequired) {
      const verifier = options.verifier ?? (() => {
        throw new Error(`${activityId} needs a verifier`);
      })();
      const verified = await this.app.http.post(`/api/v1/tasks/${task.id}/verify`).set(verifier.auth).send({ password: verifier.user.password, meaning: 'verified' });
      if (verified.status !== 200) throw new Error(`verification of ${activityId} refused: ${verified.status} ${JSON.stringify(verified.body)}`);
    }
    await this.settle();
    return task;
  }

  async instance(id: string, as: Signed = this.users.supervisor) {
    const response = await this.app.http.get(`/api/v1/instances/${id}`).set(as.auth);
    if (response.status !== 200) throw new Error(`instance ${id}: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body as { id: string; key: string; versionId: string; status: string; variables: Record<string, any>; businessKey: string | null; history: Array<{ activityId: string }>; incidents: unknown[] };
  }

  /** Instances of a key, newest first. */
  async instances(key: string, businessKey?: string) {
    const query = new URLSearchParams({ key, ...(businessKey ? { businessKey } : {}) });
    const response = await this.app.http.get(`/api/v1/instances?${query}`).set(this.users.supervisor.auth);
    return response.body.items as Array<{ id: string; key: string; versionId: string; status: string; businessKey: string | null }>;
  }

  /** The child instance of `key` that a call activity of `parentId` started (waits for it). */
  async childOf(parentId: string, key: string): Promise<string> {
    return this.until(async () => {
      const response = await this.app.http.get(`/api/v1/instances?${new URLSearchParams({ key })}`).set(this.users.supervisor.auth);
      return (response.body.items as Array<{ id: string; parentInstanceId: string | null }>).find((i) => i.parentInstanceId === parentId)?.id;
    }, `the ${key} called by ${parentId}`);
  }

  /** Waits until an instance has ended (jobs and timers run in between). */
  async ended(id: string): Promise<Awaited<ReturnType<Plant['instance']>>> {
    for (let attempt = 0; attempt < 100; attempt++) {
      await this.settle();
      const instance = await this.instance(id);
      if (instance.status === 'completed' || instance.status === 'cancelled') return instance;
      if (instance.status === 'incident') throw new Error(`instance ${id} has an incident: ${JSON.stringify(instance.incidents)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const instance = await this.instance(id);
    const tasks = await this.app.deps.db('user_tasks').where({ instance_id: id }).whereIn('status', ['open', 'awaiting_verification']).select('activity_id', 'status');
    const jobs = await this.app.deps.db('jobs').where({ instance_id: id }).whereIn('status', ['pending', 'running']).select('activity_id', 'kind', 'due_at', 'status');
    throw new Error(`instance ${id} did not end: ${instance.status}; tasks ${JSON.stringify(tasks)}; jobs ${JSON.stringify(jobs)}; last ${JSON.stringify(instance.history.map((h: any) => [h.activityId, h.startedAt?.slice(5, 23), h.outcome]))}`);
  }

  /**
   * Waits until the probe gives a value, settling jobs in between: a job may be in flight on the
   * app's own poller, which drainJobs does not wait for.
   */
  async until<T>(probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, what: string): Promise<T> {
    for (let attempt = 0; attempt < 100; attempt++) {
      await this.settle();
      const value = await probe();
      if (value !== null && value !== undefined && value !== false) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`gave up waiting for ${what}`);
  }

  /** Waits for the cell's current job to reach a status (the simulator runs in real time). */
  static async jobStatus(cell: Cell, status: string): Promise<void> {
    for (let attempt = 0; attempt < 400 && cell.job?.status !== status; attempt++) await new Promise((resolve) => setTimeout(resolve, 25));
    if (cell.job?.status !== status) throw new Error(`the cell's job is ${cell.job?.status}, not ${status}`);
  }
}
