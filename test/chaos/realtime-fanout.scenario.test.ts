import { io, type Socket } from 'socket.io-client';
import { fixture } from '../support/bpmn-fixtures';
import { deployReleased } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// Issue 9: behind a load balancer, a browser's socket lives on one node while the request that
// creates its task lands on another. socket.io's PostgreSQL adapter carries the event across.

// Two nodes need a database server; the embedded database serves one process by design.
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;
if (!process.env.DATABASE_URL) process.stdout.write('realtime fan-out test skipped: two nodes need PostgreSQL (set DATABASE_URL)\n');

const nextEvent = <T>(socket: Socket, name: string, timeoutMs = 5_000) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(name, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });

onPostgres('Feature: live events reach browsers on every node', () => {
  let a: TestApp;
  let b: TestApp;
  const sockets: Socket[] = [];

  const connect = async (app: TestApp, token: string) => {
    const socket = io(app.url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
    sockets.push(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  };

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp({}, { database: a.testDatabase });
  });
  afterAll(async () => {
    sockets.forEach((socket) => socket.disconnect());
    await b?.close({ keepDatabase: true });
    await a?.close();
  });

  it('Given an operator connected to node B and an inspector too, When an instance is started through node A, Then the operator on B gets task.created and the inspector does not', async () => {
    // given
    await deployReleased(a, fixture('simple-approval.bpmn'));
    const operator = await signedInUser(a, ['operator']);
    const inspector = await signedInUser(a, ['inspector']);
    const operatorOnB = await connect(b, operator.token);
    const inspectorOnB = await connect(b, inspector.token);
    let inspectorHeard = false;
    inspectorOnB.on('task.created', () => {
      inspectorHeard = true;
    });
    const created = nextEvent<{ id: string; status: string; candidateGroups: string[] }>(operatorOnB, 'task.created');

    // when
    const started = await a.http.post('/api/v1/processes/simple-approval/instances').set(operator.auth).send({ businessKey: 'FANOUT-1' });
    expect(started.status).toBe(201);

    // then
    expect(await created).toMatchObject({ id: started.body.openTasks[0].id, status: 'open', candidateGroups: ['operator'] });
    // And the claim through node B reaches a socket on node A.
    const operatorOnA = await connect(a, operator.token);
    const assigned = nextEvent<{ id: string; assignee: string }>(operatorOnA, 'task.assigned');
    const claim = await b.http.post(`/api/v1/tasks/${started.body.openTasks[0].id}/claim`).set(operator.auth).send({});
    expect(claim.status).toBe(200);
    expect(await assigned).toMatchObject({ id: started.body.openTasks[0].id, assignee: operator.user.username });
    expect(inspectorHeard).toBe(false);
  });
});
