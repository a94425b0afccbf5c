import { io, type Socket } from 'socket.io-client';
import { fixture } from '../support/bpmn-fixtures';
import { deployReleased } from '../support/deploy';
import { signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
const sockets: Socket[] = [];
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await app.close();
});

function connect(token?: string): Socket {
  const socket = io(app.url, { transports: ['websocket'], auth: token ? { token } : {}, reconnection: false, forceNew: true });
  sockets.push(socket);
  return socket;
}

const connected = (socket: Socket) =>
  new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => reject(error));
  });

const nextEvent = <T>(socket: Socket, name: string, timeoutMs = 3000) =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} within ${timeoutMs} ms`)), timeoutMs);
    socket.once(name, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });

describe('socket.io', () => {
  it('refuses a handshake without a valid token', async () => {
    await expect(connected(connect())).rejects.toThrow('unauthenticated');
    await expect(connected(connect('gst_not-a-real-token'))).rejects.toThrow('unauthenticated');
  });

  it('sends a security alert to administrators only, after the lock is committed', async () => {
    // given
    const admin = await signedInUser(app, ['admin']);
    const operator = await signedInUser(app, ['operator']);
    const victim = await signedInUser(app, ['inspector']);
    const adminSocket = connect(admin.token);
    const operatorSocket = connect(operator.token);
    await Promise.all([connected(adminSocket), connected(operatorSocket)]);
    let operatorHeard = false;
    operatorSocket.on('user.locked', () => {
      operatorHeard = true;
    });
    const alert = nextEvent<{ userId: string; username: string; severity: string }>(adminSocket, 'user.locked');

    // when
    for (let i = 0; i < 5; i++) {
      await app.http.post('/api/v1/auth/login').send({ username: victim.user.username, password: 'Wrong-password-1' });
    }

    // then
    const payload = await alert;
    expect(payload).toMatchObject({ userId: victim.user.id, username: victim.user.username, severity: 'high' });
    const lockedRow = await app.deps.db('users').where({ id: victim.user.id }).first();
    expect(lockedRow?.locked_at).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(operatorHeard).toBe(false);
  });

  it('disconnects the socket of a session that logs out', async () => {
    const user = await signedInUser(app, ['operator']);
    const socket = connect(user.token);
    await connected(socket);
    const disconnected = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

    await app.http.post('/api/v1/auth/logout').set(user.auth);

    expect(await disconnected).toBe('io server disconnect');
  });
});

describe('live task list', () => {
  it('sends task.created to the candidate role only, after commit, and task.assigned on claim', async () => {
    // given
    await deployReleased(app, fixture('simple-approval.bpmn'));
    const operator = await signedInUser(app, ['operator']);
    const inspector = await signedInUser(app, ['inspector']);
    const operatorSocket = connect(operator.token);
    const inspectorSocket = connect(inspector.token);
    await Promise.all([connected(operatorSocket), connected(inspectorSocket)]);
    let inspectorHeard = false;
    inspectorSocket.on('task.created', () => {
      inspectorHeard = true;
    });
    const created = nextEvent<{ id: string; name: string; candidateGroups: string[]; status: string }>(operatorSocket, 'task.created');

    // when
    const started = await app.http.post('/api/v1/processes/simple-approval/instances').set(operator.auth).send({ businessKey: 'LIVE-1' });

    // then
    const task = await created;
    expect(task).toMatchObject({ id: started.body.openTasks[0].id, name: 'Review request', candidateGroups: ['operator'], status: 'open' });
    const assigned = nextEvent<{ id: string; assignee: string }>(operatorSocket, 'task.assigned');
    await app.http.post(`/api/v1/tasks/${task.id}/claim`).set(operator.auth).send({});
    expect(await assigned).toMatchObject({ id: task.id, assignee: operator.user.username });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(inspectorHeard).toBe(false);
  });
});

describe('watching instances', () => {
  it('lets a reader watch an instance and receive instance.updated, and refuses unknown or malformed rooms', async () => {
    // given
    await deployReleased(app, fixture('simple-approval.bpmn').replaceAll('simple-approval', 'watched'));
    const operator = await signedInUser(app, ['operator']);
    const socket = connect(operator.token);
    await connected(socket);
    const started = await app.http.post('/api/v1/processes/watched/instances').set(operator.auth).send({ businessKey: 'W-1' });
    const subscribe = (room: unknown) => new Promise<{ ok: boolean; error?: string }>((resolve) => socket.emit('subscribe', { room }, resolve));

    // when
    expect(await subscribe(`processInstance:${started.body.id}`)).toEqual({ ok: true });
    expect(await subscribe('processInstance:00000000-0000-4000-8000-000000000000')).toEqual({ ok: false, error: 'not found' });
    expect(await subscribe('user:someone-else')).toEqual({ ok: false, error: 'invalid room' });
    const updated = nextEvent<{ id: string; status: string }>(socket, 'instance.updated');
    await app.http.post(`/api/v1/tasks/${started.body.openTasks[0].id}/complete`).set(operator.auth).send({ variables: {} });

    // then
    expect(await updated).toMatchObject({ id: started.body.id, status: 'completed' });
  });
});
