import http from 'node:http';
import request from 'supertest';
import { createApp } from '../../server/app';
import { mountEngineRest, type EngineRestApi } from '../../server/http/routes/external-tasks.routes';
import { buildProcess, errorRef } from '../support/bpmn-builder';
import { advanceClock, deployReleased } from '../support/deploy';
import { auditOf, buildServicePrincipal, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

const LONG_SESSIONS = { GEMBA_SESSION_IDLE_MINUTES: '1000000', GEMBA_SESSION_MAX_HOURS: '100000' };

// Inspect a part on an outside system; a quality hold reported by the worker leads to its own task.
const inspect = buildProcess({
  id: 'ext-inspect',
  name: 'External inspection',
  roots: '<bpmn:error id="Error_hold" name="Quality hold" errorCode="QUALITY_HOLD" />',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Part arrived' },
    { id: 'Inspect', type: 'serviceTask', name: 'Inspect part', attrs: { 'camunda:type': 'external', 'camunda:topic': 'inspect-part' } },
    { id: 'Review', type: 'userTask', name: 'Review inspection', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'Hold', type: 'userTask', name: 'Handle quality hold', attrs: { 'camunda:candidateGroups': 'supervisor' } },
    { id: 'Done', type: 'endEvent', name: 'Inspected' },
    { id: 'Held', type: 'endEvent', name: 'Hold handled' },
  ],
  boundaries: [{ id: 'OnHold', attachedTo: 'Inspect', name: 'Quality hold', body: errorRef('Error_hold') }],
  flows: [
    { from: 'Start', to: 'Inspect' },
    { from: 'Inspect', to: 'Review' },
    { from: 'Review', to: 'Done' },
    { from: 'OnHold', to: 'Hold' },
    { from: 'Hold', to: 'Held' },
  ],
});

let app: TestApp;
let server: http.Server;
let engineRest: EngineRestApi;
let koa: ReturnType<typeof createApp>;
let rest: ReturnType<typeof request>;
let operator: Awaited<ReturnType<typeof signedInUser>>;
let admin: Awaited<ReturnType<typeof signedInUser>>;
let worker: Awaited<ReturnType<typeof buildServicePrincipal>>;

beforeAll(async () => {
  app = await startTestApp(LONG_SESSIONS);
  // The API is mounted here as server/app.ts mounts it, on a server of this file's own.
  koa = createApp(app.deps);
  // A long re-poll interval: a long poll that answers early was woken by the commit, not by polling.
  engineRest = mountEngineRest(koa, app.deps, { repollMs: 10_000 });
  server = http.createServer(koa.callback());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  rest = request(server);
  operator = await signedInUser(app, ['operator', 'supervisor']);
  admin = await signedInUser(app, ['admin']);
  worker = await buildServicePrincipal(app, { allowedActions: ['work'], allowedProcessKeys: ['ext-inspect'] });
  await deployReleased(app, inspect);
});
afterAll(async () => {
  engineRest?.close();
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await app?.close();
});

let counter = 0;
async function startInspection(variables: Record<string, unknown> = {}) {
  const businessKey = `PART-${++counter}`;
  const started = await app.http.post('/api/v1/processes/ext-inspect/instances').set(operator.auth).send({ businessKey, variables: { partNumber: 'P-100', quantity: 5, ...variables } });
  expect(started.status).toBe(201);
  return { id: started.body.id as string, businessKey };
}
const fetchTasks = (workerId: string, body: Record<string, unknown> = {}, headers = worker.headers) =>
  rest.post('/engine-rest/external-task/fetchAndLock').set(headers).send({ workerId, maxTasks: 10, topics: [{ topicName: 'inspect-part', lockDuration: 60_000 }], ...body });
const instance = async (id: string) => (await app.http.get(`/api/v1/instances/${id}`).set(operator.auth)).body;
/** Locks the task of one instance for a worker (other open tasks are given back). */
async function lockTaskOf(instanceId: string, workerId: string, lockDuration = 60_000) {
  const fetched = await fetchTasks(workerId, { topics: [{ topicName: 'inspect-part', lockDuration }] });
  expect(fetched.status).toBe(200);
  const mine = fetched.body.find((t: { processInstanceId: string }) => t.processInstanceId === instanceId);
  for (const other of fetched.body.filter((t: { id: string }) => t !== mine)) await rest.post(`/engine-rest/external-task/${other.id}/unlock`).set(worker.headers);
  expect(mine).toBeDefined();
  return mine as { id: string; lockExpirationTime: string };
}

describe('POST /engine-rest/external-task/fetchAndLock', () => {
  it('locks the task for the worker and answers Camunda’s LockedExternalTaskDto with typed variables', async () => {
    // given
    const { id, businessKey } = await startInspection({ ratio: 0.25, big: 2 ** 40, ok: true, spec: { lsl: 1 }, note: null });

    // when
    const response = await fetchTasks('worker-a');

    // then
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const task = response.body.find((t: { processInstanceId: string }) => t.processInstanceId === id);
    expect(task).toMatchObject({
      topicName: 'inspect-part',
      workerId: 'worker-a',
      processInstanceId: id,
      processDefinitionKey: 'ext-inspect',
      activityId: 'Inspect',
      businessKey,
      retries: null,
      errorMessage: null,
      priority: 0,
      tenantId: null,
    });
    expect(task.lockExpirationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
    const lockedFor = Date.parse(task.lockExpirationTime.replace('+0000', 'Z')) - app.deps.clock.now().getTime();
    expect(lockedFor).toBeGreaterThan(55_000);
    expect(lockedFor).toBeLessThanOrEqual(60_000);
    expect(task.variables).toEqual({
      partNumber: { type: 'String', value: 'P-100', valueInfo: {} },
      quantity: { type: 'Integer', value: 5, valueInfo: {} },
      ratio: { type: 'Double', value: 0.25, valueInfo: {} },
      big: { type: 'Long', value: 2 ** 40, valueInfo: {} },
      ok: { type: 'Boolean', value: true, valueInfo: {} },
      spec: { type: 'Json', value: '{"lsl":1}', valueInfo: {} },
      note: { type: 'Null', value: null, valueInfo: {} },
    });
    const job = await app.deps.db('jobs').where({ id: task.id }).first();
    expect(job).toMatchObject({ kind: 'external', status: 'running', lease_owner: 'worker-a' });
    const audit = await auditOf(app, 'Job', task.id);
    expect(audit.map((e) => e.action)).toContain('externalTask.locked');
    expect(audit.find((e) => e.action === 'externalTask.locked')).toMatchObject({ actor_type: 'service', actor_id: worker.principal.id });
    // A locked task is not fetched again.
    const again = await fetchTasks('worker-b');
    expect(again.body.map((t: { id: string }) => t.id)).not.toContain(task.id);
    await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });

  it('returns only the variables asked for, and filters by business key', async () => {
    // given
    const { id, businessKey } = await startInspection({ extra: 'x' });

    // when
    const response = await fetchTasks('worker-a', { topics: [{ topicName: 'inspect-part', lockDuration: 10_000, variables: ['quantity', 'missing'], businessKey }] });

    // then
    expect(response.status).toBe(200);
    expect(response.body).toHaveLength(1);
    expect(response.body[0]).toMatchObject({ processInstanceId: id, variables: { quantity: { type: 'Integer', value: 5, valueInfo: {} } } });
    expect(Object.keys(response.body[0].variables)).toEqual(['quantity']);
    await rest.post(`/engine-rest/external-task/${response.body[0].id}/unlock`).set(worker.headers);
  });

  it('never gives one task to two workers fetching at the same moment', async () => {
    // given
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await startInspection({ batch: 'race-1' })).id);
    const topics = [{ topicName: 'inspect-part', lockDuration: 60_000, processVariables: { batch: 'race-1' } }];

    // when
    const [a, b] = await Promise.all([fetchTasks('racer-a', { maxTasks: 3, topics }), fetchTasks('racer-b', { maxTasks: 3, topics })]);

    // then
    const taken = [...a.body, ...b.body].map((t: { processInstanceId: string }) => t.processInstanceId);
    expect(taken.sort()).toEqual([...ids].sort());
    expect(a.body.length).toBeLessThanOrEqual(3);
    expect(b.body.length).toBeLessThanOrEqual(3);
    for (const task of [...a.body, ...b.body]) await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });

  it('answers Camunda’s error body for invalid requests', async () => {
    const noWorker = await rest.post('/engine-rest/external-task/fetchAndLock').set(worker.headers).send({ maxTasks: 1, topics: [] });
    expect(noWorker.status).toBe(400);
    expect(noWorker.headers['content-type']).toBe('application/json');
    expect(noWorker.body).toMatchObject({ type: 'InvalidRequestException', message: expect.stringContaining('workerId') });

    const tooLong = await fetchTasks('worker-a', { asyncResponseTimeout: 1_800_001 });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toMatch(/1800000/);

    const notJson = await rest.post('/engine-rest/external-task/fetchAndLock').set(worker.headers).set('Content-Type', 'application/json').send('{');
    expect(notJson.status).toBe(400);
    expect(notJson.body.type).toBe('InvalidRequestException');

    const unknown = await rest.get('/engine-rest/process-definition').set(worker.headers);
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('InvalidRequestException');
  });

  it('refuses callers without an API key or without the work scope, and hides other process keys', async () => {
    // given
    const { id } = await startInspection();
    const starter = await buildServicePrincipal(app, { allowedActions: ['start', 'read'] });
    const elsewhere = await buildServicePrincipal(app, { allowedActions: ['work'], allowedProcessKeys: ['another-process'] });

    // when
    const anonymous = await fetchTasks('worker-a', {}, {} as never);
    const noScope = await fetchTasks('worker-a', {}, starter.headers);
    const user = await fetchTasks('worker-a', {}, operator.auth as never);
    const otherKeys = await fetchTasks('worker-x', {}, elsewhere.headers);
    const basic = await rest
      .post('/engine-rest/external-task/fetchAndLock')
      .auth('cmm-cell', worker.apiKey)
      .send({ workerId: 'basic-worker', maxTasks: 10, topics: [{ topicName: 'inspect-part', lockDuration: 1000, processDefinitionKey: 'no-such-process' }] });
    const badBasic = await rest.post('/engine-rest/external-task/fetchAndLock').auth('cmm-cell', 'not-a-key').send({ workerId: 'basic-worker', maxTasks: 1, topics: [] });

    // then
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ type: 'AuthenticationException' });
    expect(noScope.status).toBe(403);
    expect(noScope.body).toMatchObject({ type: 'AuthorizationException' });
    expect(user.status).toBe(403);
    // Camunda's BasicAuthInterceptor: the password is the API key.
    expect(basic.status).toBe(200);
    expect(basic.body).toEqual([]);
    expect(badBasic.status).toBe(401);
    expect(otherKeys.status).toBe(200);
    expect(otherKeys.body).toEqual([]);
    const task = await lockTaskOf(id, 'worker-a');
    const foreign = await rest.post(`/engine-rest/external-task/${task.id}/complete`).set(elsewhere.headers).send({ workerId: 'worker-a' });
    expect(foreign.status).toBe(404);
    await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });
});

describe('POST /engine-rest/external-task/:id/complete', () => {
  it('completes the task with typed variables in one transaction; the instance moves on', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');

    // when
    const otherWorker = await rest.post(`/engine-rest/external-task/${task.id}/complete`).set(worker.headers).send({ workerId: 'worker-b' });
    const completed = await rest
      .post(`/engine-rest/external-task/${task.id}/complete`)
      .set(worker.headers)
      .send({
        workerId: 'worker-a',
        variables: {
          result: { value: 'pass', type: 'String' },
          measured: { value: 12.5, type: 'Double' },
          defects: { value: 0, type: 'integer' },
          passed: { value: true, type: 'Boolean' },
          details: { value: '{"gauge":"G-7"}', type: 'json' },
          checkedAt: { value: '2026-03-01T10:15:00.000+0100', type: 'date' },
          nothing: { value: null, type: 'Null' },
          scratch: { value: 'temp', type: 'String', valueInfo: { transient: true } },
        },
        localVariables: { station: { value: 'CMM-2', type: 'String' } },
      });

    // then
    expect(otherWorker.status).toBe(400);
    expect(otherWorker.body).toMatchObject({ type: 'BadUserRequestException', message: expect.stringContaining("locked by worker 'worker-a'") });
    expect(completed.status).toBe(204);
    const detail = await instance(id);
    expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Review']);
    expect(detail.variables).toMatchObject({ result: 'pass', measured: 12.5, defects: 0, passed: true, details: { gauge: 'G-7' }, checkedAt: '2026-03-01T09:15:00.000Z', nothing: null, station: 'CMM-2' });
    expect(detail.variables).not.toHaveProperty('scratch');
    expect(await app.deps.db('jobs').where({ id: task.id }).first()).toMatchObject({ status: 'done', lease_owner: null });
    const audit = await auditOf(app, 'Job', task.id);
    expect(audit.find((e) => e.action === 'externalTask.completed')).toMatchObject({ actor_type: 'service', after: expect.objectContaining({ workerId: 'worker-a' }) });

    const twice = await rest.post(`/engine-rest/external-task/${task.id}/complete`).set(worker.headers).send({ workerId: 'worker-a' });
    expect(twice.status).toBe(404);
    expect(twice.body).toMatchObject({ type: 'InvalidRequestException', message: `External task with id ${task.id} does not exist` });
  });

  it('refuses variables it cannot store and changes nothing', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');

    // when
    const file = await rest
      .post(`/engine-rest/external-task/${task.id}/complete`)
      .set(worker.headers)
      .send({ workerId: 'worker-a', variables: { report: { value: 'aGVsbG8=', type: 'File', valueInfo: { filename: 'r.pdf' } }, count: { value: 'many', type: 'Integer' } } });

    // then
    expect(file.status).toBe(400);
    expect(file.body).toMatchObject({ type: 'InvalidRequestException', message: expect.stringMatching(/variables\.(report|count)/) });
    expect(await app.deps.db('jobs').where({ id: task.id }).first()).toMatchObject({ status: 'running', lease_owner: 'worker-a' });
    expect((await instance(id)).openTasks).toEqual([]);
    await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });
});

describe('POST /engine-rest/external-task/:id/failure', () => {
  it('with retries left, the task is fetchable again after retryTimeout, carrying the error', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');

    // when
    const failed = await rest
      .post(`/engine-rest/external-task/${task.id}/failure`)
      .set(worker.headers)
      .send({ workerId: 'worker-a', errorMessage: 'gauge offline', errorDetails: 'stack…', retries: 2, retryTimeout: 30_000 });

    // then
    expect(failed.status).toBe(204);
    expect((await fetchTasks('worker-a', { topics: [{ topicName: 'inspect-part', lockDuration: 1000, businessKey: (await instance(id)).businessKey }] })).body).toEqual([]);
    await advanceClock(app, admin, 30_000);
    const again = await lockTaskOf(id, 'worker-b');
    expect(again).toMatchObject({ id: task.id, retries: 2, errorMessage: 'gauge offline', workerId: 'worker-b' });
    const details = await rest.get(`/engine-rest/external-task/${task.id}/errorDetails`).set(worker.headers);
    expect(details.status).toBe(200);
    expect(details.text).toBe('stack…');
    const audit = await auditOf(app, 'Job', task.id);
    expect(audit.find((e) => e.action === 'externalTask.failed')).toMatchObject({ after: expect.objectContaining({ retries: 2, errorMessage: 'gauge offline', status: 'pending' }) });
    await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });

  it('with no retries left, an incident holds the task until a supervisor retries it', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');

    // when
    const failed = await rest.post(`/engine-rest/external-task/${task.id}/failure`).set(worker.headers).send({ workerId: 'worker-a', errorMessage: 'CMM crashed', retries: 0 });

    // then
    expect(failed.status).toBe(204);
    const detail = await instance(id);
    expect(detail.status).toBe('incident');
    expect(detail.incidents).toEqual([expect.objectContaining({ kind: 'jobFailed', status: 'open', activityId: 'Inspect', message: 'CMM crashed' })]);
    const fetched = await fetchTasks('worker-a');
    expect(fetched.body.map((t: { id: string }) => t.id)).not.toContain(task.id);
    const completeFailed = await rest.post(`/engine-rest/external-task/${task.id}/complete`).set(worker.headers).send({ workerId: 'worker-a' });
    expect(completeFailed.status).toBe(400);

    // when a supervisor retries the incident, then the task can be fetched and completed again
    const retry = await app.http.post(`/api/v1/incidents/${detail.incidents[0].id}/retry`).set(operator.auth).send({});
    expect(retry.status).toBe(200);
    const again = await lockTaskOf(id, 'worker-a');
    expect(again.id).toBe(task.id);
    expect((await rest.post(`/engine-rest/external-task/${task.id}/complete`).set(worker.headers).send({ workerId: 'worker-a' })).status).toBe(204);
    expect(await instance(id)).toMatchObject({ status: 'running', openTasks: [expect.objectContaining({ activityId: 'Review' })] });
  });

  it('refuses a negative retry count', async () => {
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');
    const response = await rest.post(`/engine-rest/external-task/${task.id}/failure`).set(worker.headers).send({ workerId: 'worker-a', retries: -1 });
    expect(response.status).toBe(400);
    expect(response.body.type).toBe('InvalidRequestException');
    await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });
});

describe('POST /engine-rest/external-task/:id/bpmnError', () => {
  it('throws the BPMN error into the instance, where the boundary event catches it', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');

    // when
    const response = await rest
      .post(`/engine-rest/external-task/${task.id}/bpmnError`)
      .set(worker.headers)
      .send({ workerId: 'worker-a', errorCode: 'QUALITY_HOLD', errorMessage: 'lot on hold', variables: { holdReason: { value: 'burr', type: 'String' } } });

    // then
    expect(response.status).toBe(204);
    const detail = await instance(id);
    expect(detail.openTasks.map((t: { activityId: string }) => t.activityId)).toEqual(['Hold']);
    expect(detail.variables.holdReason).toBe('burr');
    expect(detail.incidents).toEqual([]);
    expect((await auditOf(app, 'Job', task.id)).map((e) => e.action)).toContain('externalTask.bpmnError');
  });

  it('needs an error code', async () => {
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');
    const response = await rest.post(`/engine-rest/external-task/${task.id}/bpmnError`).set(worker.headers).send({ workerId: 'worker-a' });
    expect(response.status).toBe(400);
    await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });
});

describe('locks: extendLock, lock, unlock and expiry', () => {
  it('extends a held lock from now, and refuses other workers and bad durations', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a', 10_000);

    // when
    const extended = await rest.post(`/engine-rest/external-task/${task.id}/extendLock`).set(worker.headers).send({ workerId: 'worker-a', newDuration: 120_000 });
    const byOther = await rest.post(`/engine-rest/external-task/${task.id}/extendLock`).set(worker.headers).send({ workerId: 'worker-b', newDuration: 120_000 });
    const zero = await rest.post(`/engine-rest/external-task/${task.id}/extendLock`).set(worker.headers).send({ workerId: 'worker-a', newDuration: 0 });

    // then
    expect(extended.status).toBe(204);
    const read = await rest.get(`/engine-rest/external-task/${task.id}`).set(worker.headers);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: task.id, workerId: 'worker-a', topicName: 'inspect-part', suspended: false });
    expect(Date.parse(read.body.lockExpirationTime.replace('+0000', 'Z')) - app.deps.clock.now().getTime()).toBeGreaterThan(100_000);
    expect(byOther.status).toBe(400);
    expect(byOther.body.type).toBe('BadUserRequestException');
    expect(zero.status).toBe(400);
    await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
  });

  it('an expired lock makes the task fetchable by another worker; the first may no longer report it', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a', 5_000);

    // when
    await advanceClock(app, admin, 6_000);
    const extendExpired = await rest.post(`/engine-rest/external-task/${task.id}/extendLock`).set(worker.headers).send({ workerId: 'worker-a', newDuration: 1000 });
    const taken = await lockTaskOf(id, 'worker-b');
    const late = await rest.post(`/engine-rest/external-task/${task.id}/complete`).set(worker.headers).send({ workerId: 'worker-a' });

    // then
    expect(extendExpired.status).toBe(400);
    expect(taken.id).toBe(task.id);
    expect(late.status).toBe(400);
    expect(late.body.message).toContain("locked by worker 'worker-b'");
    expect((await rest.post(`/engine-rest/external-task/${task.id}/complete`).set(worker.headers).send({ workerId: 'worker-b' })).status).toBe(204);
  });

  it('unlock gives the task back at once; lock takes one task by id', async () => {
    // given
    const { id } = await startInspection();
    const task = await lockTaskOf(id, 'worker-a');

    // when
    const held = await rest.post(`/engine-rest/external-task/${task.id}/lock`).set(worker.headers).send({ workerId: 'worker-b', lockDuration: 1000 });
    const unlocked = await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers);
    const locked = await rest.post(`/engine-rest/external-task/${task.id}/lock`).set(worker.headers).send({ workerId: 'worker-b', lockDuration: 30_000 });

    // then
    expect(held.status).toBe(400);
    expect(unlocked.status).toBe(204);
    expect(locked.status).toBe(204);
    expect((await rest.get(`/engine-rest/external-task/${task.id}`).set(worker.headers)).body.workerId).toBe('worker-b');
    expect((await rest.post(`/engine-rest/external-task/${task.id}/unlock`).set(worker.headers)).status).toBe(204);
    expect((await rest.post('/engine-rest/external-task/00000000-0000-4000-8000-000000000000/unlock').set(worker.headers)).status).toBe(404);
    expect((await auditOf(app, 'Job', task.id)).map((e) => e.action)).toEqual(expect.arrayContaining(['externalTask.locked', 'externalTask.unlocked']));
  });
});

describe('long polling', () => {
  it('answers an empty list when the timeout passes without a task', async () => {
    const started = Date.now();
    const response = await rest
      .post('/engine-rest/external-task/fetchAndLock')
      .set(worker.headers)
      .send({ workerId: 'idle', maxTasks: 1, asyncResponseTimeout: 600, topics: [{ topicName: 'nobody-publishes-this', lockDuration: 1000 }] });
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });

  it('wakes when a task of the topic is created, without holding a database connection while it waits', async () => {
    // given a worker waiting for up to 20 s (PGlite has one connection: a held one would block the start)
    const businessKey = `PART-LP-${++counter}`;
    const started = Date.now();
    const waiting = rest
      .post('/engine-rest/external-task/fetchAndLock')
      .set(worker.headers)
      .send({ workerId: 'long-poller', maxTasks: 1, asyncResponseTimeout: 20_000, topics: [{ topicName: 'inspect-part', lockDuration: 60_000, businessKey }] })
      .then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // when
    const created = await app.http.post('/api/v1/processes/ext-inspect/instances').set(operator.auth).send({ businessKey, variables: {} });
    const response = await waiting;

    // then
    expect(created.status).toBe(201);
    expect(response.status).toBe(200);
    expect(response.body).toEqual([expect.objectContaining({ processInstanceId: created.body.id, workerId: 'long-poller' })]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a stopping server answers its waiting long polls at once (runs last: the waiters stay closed)', async () => {
    // given
    const started = Date.now();
    const waiting = rest
      .post('/engine-rest/external-task/fetchAndLock')
      .set(worker.headers)
      .send({ workerId: 'at-shutdown', maxTasks: 1, asyncResponseTimeout: 20_000, topics: [{ topicName: 'nobody-publishes-this', lockDuration: 1000 }] })
      .then((r) => r);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // when
    koa.emit('shutdown');
    const response = await waiting;

    // then
    expect(response.status).toBe(200);
    expect(response.body).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
