import { ROLES, type Role } from '../../server/auth/roles';
import { apiRoutes } from '../../server/http/routes';
import { buildServicePrincipal, loginAs, signedInUser, type TestUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// The role × route truth table (CONVENTIONS: authorization is covered by a role × action table).
// Every route of the API must appear here; for each, the roles that pass the permission check.
// 'all' = every signed-in role; 'public' = no sign-in needed. `apiKey` says whether a service
// principal (with every scope) gets past authorization.
type Expectation = { roles: Role[] | 'all' | 'public'; apiKey: boolean };
const TABLE: Record<string, Expectation> = {
  'auth.login': { roles: 'public', apiKey: true },
  'auth.logout': { roles: 'all', apiKey: false },
  'auth.changePassword': { roles: 'all', apiKey: false },
  'me.read': { roles: 'all', apiKey: true },
  'users.list': { roles: ['admin'], apiKey: false },
  'users.create': { roles: ['admin'], apiKey: false },
  'users.read': { roles: 'all', apiKey: false },
  'users.update': { roles: ['admin'], apiKey: false },
  'users.deactivate': { roles: ['admin'], apiKey: false },
  'users.unlock': { roles: ['admin'], apiKey: false },
  'users.resetPassword': { roles: ['admin'], apiKey: false },
  'servicePrincipals.list': { roles: ['admin'], apiKey: false },
  'servicePrincipals.create': { roles: ['admin'], apiKey: false },
  'servicePrincipals.update': { roles: ['admin'], apiKey: false },
  'servicePrincipals.issueKey': { roles: ['admin'], apiKey: false },
  'servicePrincipals.revokeKey': { roles: ['admin'], apiKey: false },
  'audit.list': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'admin'], apiKey: false },
  'audit.verify': { roles: ['validation_reviewer', 'quality', 'admin'], apiKey: false },
  'processes.list': { roles: 'all', apiKey: true },
  'processVersions.list': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector', 'admin'], apiKey: false },
  'processVersions.create': { roles: ['process_owner'], apiKey: false },
  'processVersions.read': { roles: 'all', apiKey: false },
  'processVersions.xml': { roles: 'all', apiKey: false },
  'processVersions.forms': { roles: 'all', apiKey: false },
  'processVersions.update': { roles: ['process_owner'], apiKey: false },
  'processVersions.submit': { roles: ['process_owner'], apiKey: false },
  'processVersions.approve': { roles: ['validation_reviewer'], apiKey: false },
  'processVersions.reject': { roles: ['validation_reviewer'], apiKey: false },
  'processVersions.release': { roles: ['process_owner'], apiKey: false },
  'processVersions.retire': { roles: ['process_owner'], apiKey: false },
  'processVersions.diff': { roles: 'all', apiKey: false },
  'processVersions.record': { roles: 'all', apiKey: false },
  'connectors.list': { roles: ['admin'], apiKey: false },
  'connectors.create': { roles: ['admin'], apiKey: false },
  'connectors.read': { roles: ['admin'], apiKey: false },
  'connectors.update': { roles: ['admin'], apiKey: false },
  'connectors.test': { roles: ['admin'], apiKey: false },
  'instances.start': { roles: ['process_owner', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: true },
  'instances.list': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: true },
  'instances.read': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: true },
  'instances.cancel': { roles: ['quality', 'supervisor'], apiKey: false },
  'messages.correlate': { roles: ['process_owner', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: true },
  'signals.send': { roles: ['quality', 'supervisor'], apiKey: true },
  'tasks.list': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'tasks.read': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'tasks.claim': { roles: ['process_owner', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'tasks.unclaim': { roles: ['process_owner', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'tasks.assign': { roles: ['supervisor'], apiKey: false },
  'tasks.complete': { roles: ['process_owner', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'tasks.verify': { roles: ['process_owner', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'incidents.list': { roles: ['process_owner', 'quality', 'supervisor', 'admin'], apiKey: false },
  'incidents.retry': { roles: ['supervisor', 'admin'], apiKey: false },
  'incidents.retryMany': { roles: ['supervisor', 'admin'], apiKey: false },
  'admin.clock': { roles: ['admin'], apiKey: false },
  'migrations.plan': { roles: ['process_owner', 'validation_reviewer'], apiKey: false },
  'migrations.preview': { roles: ['process_owner', 'validation_reviewer'], apiKey: false },
  'migrations.execute': { roles: ['process_owner'], apiKey: false },
  'isa95.receiveSchedule': { roles: ['process_owner', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: true },
  'isa95.outbox': { roles: ['process_owner', 'quality', 'supervisor', 'admin'], apiKey: false },
  'isa95.retryOutbox': { roles: ['supervisor', 'admin'], apiKey: false },
  'isa95.materials': { roles: 'all', apiKey: false },
  'isa95.defineMaterial': { roles: ['process_owner'], apiKey: false },
  'trace.read': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'trace.whereUsed': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'trace.exposure': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'lots.holds': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'records.read': { roles: ['validation_reviewer', 'quality', 'supervisor', 'inspector'], apiKey: false },
  'records.pdf': { roles: ['validation_reviewer', 'quality', 'supervisor'], apiKey: false },
  'kpis.read': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
  'gauges.list': { roles: 'all', apiKey: false },
  'gauges.put': { roles: ['process_owner', 'quality'], apiKey: false },
  'equipment.profile': { roles: ['process_owner', 'quality'], apiKey: false },
  'equipment.list': { roles: 'all', apiKey: false },
  'equipment.read': { roles: 'all', apiKey: false },
  'equipment.monitoring': { roles: ['process_owner', 'quality'], apiKey: false },
  // E03: alarms are read by everyone; acknowledged, confirmed and commented by supervisors and quality.
  'equipment.alarms.list': { roles: 'all', apiKey: false },
  // E01: the OPC UA client's trust list is the administrator's, like the connectors.
  'equipment.certificates.list': { roles: ['admin'], apiKey: false },
  'equipment.certificates.trust': { roles: ['admin'], apiKey: false },
  'equipment.certificates.reject': { roles: ['admin'], apiKey: false },
  'equipment.alarms.acknowledge': { roles: ['quality', 'supervisor'], apiKey: false },
  'equipment.alarms.confirm': { roles: ['quality', 'supervisor'], apiKey: false },
  'equipment.alarms.comment': { roles: ['quality', 'supervisor'], apiKey: false },
  'notifications.list': { roles: ['process_owner', 'validation_reviewer', 'quality', 'supervisor', 'operator', 'inspector'], apiKey: false },
};

const DUMMY_ID = '00000000-0000-4000-8000-000000000000';
const routes = apiRoutes();

let app: TestApp;
const tokens = new Map<Role, string>();
const users = new Map<Role, TestUser>();
let apiKey: string;
beforeAll(async () => {
  app = await startTestApp();
  for (const role of ROLES) {
    const signedIn = await signedInUser(app, [role]);
    tokens.set(role, signedIn.token);
    users.set(role, signedIn.user);
  }
  apiKey = (await buildServicePrincipal(app, { allowedActions: ['start', 'correlate', 'signal', 'work', 'read'] })).apiKey;
});
afterAll(async () => {
  await app.close();
});

function call(route: (typeof routes)[number], headers: Record<string, string>) {
  const path = `/api/v1${route.path.replace(/:[A-Za-z]+/g, DUMMY_ID)}`;
  const request = app.http[route.method](path).set(headers);
  // An empty body: authorization is decided before the input is read, so it never matters here.
  return route.method === 'get' || route.method === 'delete' ? request : request.send({});
}

it('lists every route of the API', () => {
  expect(routes.map((r) => r.id).sort()).toEqual(Object.keys(TABLE).sort());
});

describe.each(routes.map((route) => [route.id, route] as const))('%s', (_id, route) => {
  const expectation = TABLE[route.id];

  it.each(ROLES.map((role) => [role]))('as %s', async (role) => {
    // Logging out ends the session it is called with: give it a session of its own.
    const token = route.id === 'auth.logout' ? await loginAs(app, users.get(role)!) : tokens.get(role);
    const response = await call(route, { Authorization: `Bearer ${token}` });
    const allowed = expectation.roles === 'public' || expectation.roles === 'all' || expectation.roles.includes(role);
    expect(response.status).toBeLessThan(500);
    if (allowed) expect(response.status).not.toBe(403);
    else expect(response.body).toMatchObject({ status: 403, code: 'forbidden' });
  });

  it('with an API key', async () => {
    const response = await call(route, { 'X-API-Key': apiKey });
    expect(response.status).toBeLessThan(500);
    if (expectation.apiKey) expect([401, 403]).not.toContain(response.status);
    else expect(response.status).toBe(403);
  });

  it('without credentials', async () => {
    const response = await call(route, {});
    expect(response.status).toBeLessThan(500);
    if (expectation.roles === 'public') expect(response.status).not.toBe(401);
    else expect(response.body).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});
