import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import request from 'supertest';
import { createApp } from '../../server/app';
import { mountEngineRest, type EngineRestApi } from '../../server/http/routes/external-tasks.routes';
import { buildProcess, errorRef } from '../support/bpmn-builder';
import { advanceClock, deployReleased } from '../support/deploy';
import { auditOf, buildServicePrincipal, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Existing Camunda 7 workers work unchanged against Gemba: the published
// camunda-external-task-client-js (a development dependency) runs in a child process against
// `/engine-rest`, authenticated by an API key that its interceptor adds to every request.

const WORKER = path.resolve(__dirname, '../fixtures/external-worker/camunda-worker.mjs');
const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000' };
const LOCK_MS = 5_000;

const measure = buildProcess({
  id: 'measure-part',
  name: 'Measure part on the CMM',
  roots: '<bpmn:error id="Error_hold" name="Quality hold" errorCode="QUALITY_HOLD" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Part ready' },
    { id: 'Measure', type: 'serviceTask', name: 'Measure on CMM', attrs: { 'camunda:type': 'external', 'camunda:topic': 'cmm-measure' } },
    { id: 'Review', type: 'userTask', name: 'Review measurement', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Hold', type: 'userTask', name: 'Handle quality hold', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'Done', type: 'endEvent', name: 'Measured' },
    { id: 'Held', type: 'endEvent', name: 'Hold handled' },
  ],
  boundaries: [{ id: 'OnHold', attachedTo: 'Measure', name: 'Quality hold', body: errorRef('Error_hold') }],
  flows: [
    { from: 'Start', to: 'Measure' },
    { from: 'Measure', to: 'Review' },
    { from: 'Review', to: 'Done' },
    { from: 'OnHold', to: 'Hold' },
    { from: 'Hold', to: 'Held' },
  ],
});

type WorkerMessage = { event: string; taskId?: string; businessKey?: string; retries?: number | null; status?: number | null; type?: string | null; [key: string]: unknown };

/** A worker process and everything it reported. */
class WorkerProcess {
  readonly messages: WorkerMessage[] = [];
  private readonly listeners = new Set<() => void>();
  readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    this.child = fork(WORKER, [], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message) => {
      this.messages.push(message as WorkerMessage);
      for (const listener of this.listeners) listener();
    });
  }

  /** Resolves with the first report that matches, waiting up to `ms`. */
  waitFor(match: (m: WorkerMessage) => boolean, ms = 15_000): Promise<WorkerMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.messages.find(match);
        if (!found) return false;
        cleanup();
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`the worker reported no matching event in ${ms} ms; it reported ${JSON.stringify(this.messages.map((m) => m.event))}`));
      }, ms);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      const listener = () => void check();
      this.listeners.add(listener);
      check();
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.send('stop');
    const forced = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(forced);
  }
}

describe('Feature: external workers built on camunda-external-task-client-js', () => {
  let app: TestApp;
  let server: http.Server;
  let engineRest: EngineRestApi;
  let baseUrl: string;
  let operator: Awaited<ReturnType<typeof signedInUser>>;
  let admin: Awaited<ReturnType<typeof signedInUser>>;
  let worker: WorkerProcess;
  let principalId: string;
  let workerHeaders: Record<string, string>;
  /** Serves the app of `app` with the engine-rest API, as server/app.ts mounts it, on a server of this file's own. */
  const serve = async () => {
    const koa = createApp(app.deps);
    engineRest = mountEngineRest(koa, app.deps, { repollMs: 300 });
    server = http.createServer(koa.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/engine-rest`;
  };
  const instance = async (id: string) => (await app.http.get(`/api/v1/instances/${id}`).set(operator.auth)).body;
  const start = async (businessKey: string, action: string) => {
    const response = await app.http.post('/api/v1/processes/measure-part/instances').set(operator.auth).send({ businessKey, variables: { action, quantity: 3, partNumber: 'FL-200' } });
    expect(response.status).toBe(201);
    return response.body.id as string;
  };
  /** Waits until the instance has left the external task (the worker's report commits before it answers). */
  const settled = async (id: string, activityId: string) => {
    for (let i = 0; i < 50; i++) {
      const detail = await instance(id);
      if (detail.openTasks.some((t: { activityId: string }) => t.activityId === activityId)) return detail;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`instance ${id} never reached ${activityId}`);
  };

  beforeAll(async () => {
    app = await startTestApp(LONG_SESSIONS);
    await serve();
    operator = await signedInUser(app, ['operator', 'supervisor']);
    admin = await signedInUser(app, ['admin']);
    await deployReleased(app, measure);
    const principal = await buildServicePrincipal(app, { name: 'cmm-cell-7', allowedActions: ['work'], allowedProcessKeys: ['measure-part'] });
    principalId = principal.principal.id;
    workerHeaders = principal.headers;
    worker = new WorkerProcess({ GEMBA_ENGINE_REST: baseUrl, GEMBA_API_KEY: principal.apiKey, WORKER_ID: 'cmm-worker-1', TOPIC: 'cmm-measure', LOCK_MS: String(LOCK_MS) });
    await worker.waitFor((m) => m.event === 'started');
  });
  afterAll(async () => {
    await worker?.stop();
    engineRest?.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await app?.close();
  });

  describe('Scenario: the worker fetches, locks and completes a task with typed variables', () => {
    let id: string;
    let taskId: string;
    it('When a part is ready for measuring', async () => {
      id = await start('PART-1', 'complete');
    });

    it('Then the worker receives the task with Camunda-typed variables, locked for it', async () => {
      const fetched = await worker.waitFor((m) => m.event === 'fetched' && m.businessKey === 'PART-1');
      taskId = fetched.taskId!;
      expect(fetched.workerId).toBe('cmm-worker-1');
      expect(fetched.quantity).toBe(3);
      expect(fetched.typed).toMatchObject({ action: { type: 'string', value: 'complete' }, quantity: { type: 'integer', value: 3 } });
      const locked = (await auditOf(app, 'Job', taskId)).find((e) => e.action === 'externalTask.locked');
      expect(locked).toMatchObject({ actor_type: 'service', actor_id: principalId, actor_name: 'cmm-cell-7' });
    });

    it('And its completion moves the instance on with the variables it reported', async () => {
      await worker.waitFor((m) => m.event === 'completed' && m.taskId === taskId);
      const detail = await settled(id, 'Review');
      expect(detail.variables).toMatchObject({
        result: 'accepted',
        measured: 12.5,
        passed: true,
        defects: 0,
        details: { gauge: 'G-7', readings: [12.4, 12.6] },
        checkedAt: '2026-03-01T09:15:00.000Z',
      });
      expect(await app.deps.db('jobs').where({ id: taskId }).first()).toMatchObject({ status: 'done' });
    });
  });

  describe('Scenario: a failure with a retry left, then success', () => {
    let id: string;
    it('When the gauge is offline on the first try', async () => {
      id = await start('PART-2', 'flaky');
      const failed = await worker.waitFor((m) => m.event === 'failed' && m.businessKey === 'PART-2');
      expect(failed.retries).toBeNull();
    });

    it('Then the task comes back with one retry and the error, and the retry completes it', async () => {
      const retried = await worker.waitFor((m) => m.event === 'fetched' && m.businessKey === 'PART-2' && m.retries === 1);
      await worker.waitFor((m) => m.event === 'completed' && m.taskId === retried.taskId);
      const detail = await settled(id, 'Review');
      expect(detail.variables.attempt).toBe(2);
      expect(detail.incidents).toEqual([]);
      const actions = (await auditOf(app, 'Job', retried.taskId!)).map((e) => e.action);
      expect(actions).toEqual(['externalTask.created', 'externalTask.locked', 'externalTask.failed', 'externalTask.locked', 'externalTask.completed']);
    });
  });

  describe('Scenario: a BPMN error from the worker is caught by the boundary event', () => {
    it('When the worker finds a burr, Then the instance goes to the quality hold with the worker’s variable', async () => {
      const id = await start('PART-3', 'reject');
      await worker.waitFor((m) => m.event === 'bpmnError' && m.businessKey === 'PART-3');
      const detail = await settled(id, 'Hold');
      expect(detail.variables.holdReason).toBe('burr');
      expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Hold']);
    });
  });

  describe('Scenario: an expired lock makes the task fetchable again', () => {
    let id: string;
    let taskId: string;
    it('Given the worker took a task and went silent', async () => {
      id = await start('PART-4', 'stall');
      taskId = (await worker.waitFor((m) => m.event === 'stalled' && m.businessKey === 'PART-4')).taskId!;
      expect(await app.deps.db('jobs').where({ id: taskId }).first()).toMatchObject({ status: 'running', lease_owner: 'cmm-worker-1' });
    });

    it('When its lock runs out, Then the task is fetched again and completed', async () => {
      const fetches = () => worker.messages.filter((m) => m.event === 'fetched' && m.taskId === taskId).length;
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(fetches()).toBe(1);
      await advanceClock(app, admin, LOCK_MS + 1000);
      await worker.waitFor((m) => m.event === 'completed' && m.taskId === taskId);
      expect(fetches()).toBe(2);
      await settled(id, 'Review');
    });
  });

  describe('Scenario: a worker without the work scope is refused', () => {
    let intruder: WorkerProcess;
    afterAll(async () => {
      await intruder?.stop();
    });

    it('When a system whose key may only start instances polls for tasks, Then every poll is answered 403 and it gets nothing', async () => {
      const starter = await buildServicePrincipal(app, { allowedActions: ['start'], allowedProcessKeys: ['measure-part'] });
      intruder = new WorkerProcess({ GEMBA_ENGINE_REST: baseUrl, GEMBA_API_KEY: starter.apiKey, WORKER_ID: 'intruder', TOPIC: 'cmm-measure', LOCK_MS: '60000' });
      const refused = await intruder.waitFor((m) => m.event === 'pollError');
      expect(refused).toMatchObject({ status: 403, type: 'AuthorizationException' });
      expect(intruder.messages.filter((m) => m.event === 'fetched')).toEqual([]);
    });
  });

  describe('Scenario: a lock is a lease in the database and outlives a restart of the server', () => {
    let id: string;
    let taskId: string;
    it('Given the worker process stopped while a task was locked for it', async () => {
      await worker.stop();
      id = await start('PART-5', 'complete');
      const fetched = await request(server)
        .post('/engine-rest/external-task/fetchAndLock')
        .set(workerHeaders)
        .send({ workerId: 'cmm-worker-1', maxTasks: 1, topics: [{ topicName: 'cmm-measure', lockDuration: 600_000, businessKey: 'PART-5' }] });
      expect(fetched.body).toHaveLength(1);
      taskId = fetched.body[0].id;
    });

    it('When the server restarts on the same database', async () => {
      engineRest.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      const database = app.testDatabase;
      await app.close({ keepDatabase: true });
      app = await startTestApp(LONG_SESSIONS, { database });
      await serve();
    });

    it('Then no other worker gets the task, and the worker’s completion moves the instance on', async () => {
      const other = await request(server)
        .post('/engine-rest/external-task/fetchAndLock')
        .set(workerHeaders)
        .send({ workerId: 'cmm-worker-2', maxTasks: 5, topics: [{ topicName: 'cmm-measure', lockDuration: 60_000 }] });
      expect(other.status).toBe(200);
      expect(other.body.map((t: { id: string }) => t.id)).not.toContain(taskId);
      const completed = await request(server).post(`/engine-rest/external-task/${taskId}/complete`).set(workerHeaders).send({ workerId: 'cmm-worker-1' });
      expect(completed.status).toBe(204);
      await settled(id, 'Review');
    });
  });
});
