import fc from 'fast-check';
import type { Role } from '../../server/auth/roles';
import { apiRoutes } from '../../server/http/routes/index';
import type { RouteDef } from '../../server/http/route';
import { buildProcess } from '../support/bpmn-builder';
import { deployReleased } from '../support/deploy';
import { buildServicePrincipal, buildUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';
import { Credentials, NASTY_STRINGS, anyValue, changesBetween, problemFaults, snapshotter, type Snapshot } from './fuzz-support';

// Every route of /api/v1 gets random path parameters, query strings, bodies, headers and
// credentials. Whatever comes in, the answer is never a 5xx, and a refusal (4xx) is a problem+json
// that changed nothing: no table gained or lost a row and the audit chain gained no entry (except
// the security events a failed sign-in or signature must leave). GEMBA_FUZZ_RUNS raises the runs.
const RUNS_PER_ROUTE = Number(process.env.GEMBA_FUZZ_RUNS ?? 16);
const SEED = Number(process.env.GEMBA_FUZZ_SEED ?? Date.now() % 1_000_000);

const checkProcess = buildProcess({
  id: 'fuzz-check',
  name: 'Fuzz: check',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Begin' },
    { id: 'Check', type: 'userTask', name: 'Check', attrs: { 'camunda:candidateGroups': 'operator' } },
    { id: 'End', type: 'endEvent', name: 'End' },
  ],
  flows: [
    { from: 'Start', to: 'Check' },
    { from: 'Check', to: 'End' },
  ],
});

const ROLES: Role[] = ['admin', 'operator', 'process_owner', 'validation_reviewer', 'quality', 'supervisor', 'inspector'];
type Credential = { kind: 'role'; role: Role } | { kind: 'header'; headers: Record<string, string> } | { kind: 'service' };

/** The keys a zod object schema (possibly piped or refined) names, to get past "unknown key" checks sometimes. */
function schemaKeys(schema: unknown): string[] {
  const s = schema as { shape?: Record<string, unknown>; in?: unknown; _zod?: { def?: { in?: unknown; innerType?: unknown; shape?: Record<string, unknown> } } } | undefined;
  if (!s) return [];
  if (s.shape) return Object.keys(s.shape);
  const def = s._zod?.def;
  if (def?.shape) return Object.keys(def.shape);
  return schemaKeys(s.in ?? def?.in ?? def?.innerType);
}

let app: TestApp;
let credentials: Credentials;
let snapshot: () => Promise<Snapshot>;
let serviceKey: string;
/** Ids of records that exist, so that some requests reach past "not found". */
const known: string[] = [];

beforeAll(async () => {
  app = await startTestApp({ GEMBA_SESSION_IDLE_MINUTES: '10000000', GEMBA_SESSION_MAX_HOURS: '1000000' });
  credentials = new Credentials(app);
  await credentials.signIn(ROLES);
  const version = await deployReleased(app, checkProcess);
  const started = await app.http.post('/api/v1/processes/fuzz-check/instances').set(credentials.header('operator')).send({ businessKey: 'FUZZ-1' });
  const task = await app.deps.db('user_tasks').where({ instance_id: started.body.id }).first('id');
  const spare = await buildUser(app, { roles: ['operator'] });
  const service = await buildServicePrincipal(app, { allowedActions: ['start', 'correlate', 'signal', 'work', 'read'] });
  serviceKey = service.apiKey;
  if (!task) throw new Error('the fuzz instance opened no task');
  known.push(version.id, version.key, started.body.id, task.id, spare.id, spare.username, service.principal.id, service.keyId, 'FUZZ-1');
  snapshot = await snapshotter(app.deps.db);
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const credential: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...ROLES).map((role): Credential => ({ kind: 'role', role })) },
  { weight: 1, arbitrary: fc.constant<Credential>({ kind: 'service' }) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constant({}),
        fc.string({ maxLength: 60 }).map((token) => ({ Authorization: `Bearer ${token}` })),
        fc.constantFrom('Basic YWRtaW46YWRtaW4=', 'Bearer', 'Bearer gst_', 'bearer  x', 'Token abc').map((value) => ({ Authorization: value })),
        fc.string({ maxLength: 60 }).map((key) => ({ 'X-API-Key': key })),
        fc.constantFrom('gak_', 'gak_x.y', 'gak_00000000-0000-0000-0000-000000000000.secret').map((key) => ({ 'X-API-Key': key })),
      )
      .map((headers): Credential => ({ kind: 'header', headers })),
  },
);

const paramValue = fc.oneof(
  // `known` is filled before the first property runs.
  { weight: 5, arbitrary: fc.nat().map((i) => known[i % Math.max(known.length, 1)]) },
  { weight: 2, arbitrary: fc.uuid() },
  { weight: 2, arbitrary: fc.constantFrom(...NASTY_STRINGS.filter((s) => s !== '' && !s.includes('\ud800'))) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
);

const extraHeaders = fc.dictionary(
  fc.constantFrom('content-type', 'accept', 'x-gemba-station', 'idempotency-key', 'x-request-id', 'accept-language', 'if-match', 'x-forwarded-for'),
  fc.oneof(
    fc.constantFrom('application/json', 'application/json; charset=latin1', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', '*/*', 'application/pdf'),
    fc.string({ maxLength: 40 }),
  ),
  { maxKeys: 3 },
);

function bodyFor(route: RouteDef): fc.Arbitrary<unknown> {
  const keys = schemaKeys(route.schema?.body);
  const plausible = keys.length ? fc.dictionary(fc.constantFrom(...keys), anyValue, { maxKeys: keys.length }) : fc.object();
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: plausible },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
}

function queryFor(route: RouteDef): fc.Arbitrary<Array<[string, string]>> {
  const keys = [...schemaKeys(route.schema?.query), 'limit', 'offset', 'cursor'];
  const value = fc.oneof(fc.constantFrom(...NASTY_STRINGS.filter((s) => !s.includes('\ud800'))), fc.string({ maxLength: 20 }), fc.integer().map(String), paramValue);
  return fc.array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.string({ minLength: 1, maxLength: 10 })), value), { maxLength: 4 });
}

function requestFor(route: RouteDef) {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
  return fc.record({
    params: fc.tuple(...names.map(() => paramValue)),
    query: queryFor(route),
    body: bodyFor(route),
    headers: extraHeaders,
    credential,
  });
}

const SENDS_BODY = new Set(['post', 'put', 'patch']);

describe('Feature: the API answers any input without a server error, and a refusal changes nothing', () => {
  const routes = apiRoutes();

  it('covers every route of the API', () => {
    expect(routes.length).toBeGreaterThan(50);
  });

  it.each(routes.map((route) => [route.id, route] as const))('%s', async (_id, route) => {
    await fc.assert(
      fc.asyncProperty(requestFor(route), async (input) => {
        let path = route.path;
        route.path.match(/:(\w+)/g)?.forEach((name, i) => {
          path = path.replace(name, encodeURIComponent(String(input.params[i] ?? '')));
        });
        const query = new URLSearchParams(input.query).toString();
        const url = `/api/v1${path}${query ? `?${query}` : ''}`;
        const auth =
          input.credential.kind === 'role'
            ? credentials.header(input.credential.role)
            : input.credential.kind === 'service'
              ? { 'X-API-Key': serviceKey }
              : input.credential.headers;

        const before = await snapshot();
        let request = app.http[route.method](url).set({ ...input.headers, ...auth });
        if (SENDS_BODY.has(route.method) && input.body !== undefined) {
          // Serialized here: superagent cannot encode an object for an arbitrary content type.
          if (!('content-type' in input.headers) && typeof input.body !== 'string') request = request.set('content-type', 'application/json');
          request = request.send(typeof input.body === 'string' ? input.body : JSON.stringify(input.body));
        }
        const response = await request;
        const what = `${route.method.toUpperCase()} ${url} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`;

        expect({ what, serverError: response.status >= 500 }).toEqual({ what, serverError: false });
        if (response.status >= 400) {
          expect({ what, faults: problemFaults(response) }).toEqual({ what, faults: [] });
          const changes = await changesBetween(app.deps.db, before, await snapshot());
          expect({ what, changes }).toEqual({ what, changes: [] });
        }
        // A request may have ended a session or locked its user: sign a fresh person in.
        if (input.credential.kind === 'role' && (route.method !== 'get' || response.status === 401)) await credentials.refresh(input.credential.role);
      }),
      { numRuns: RUNS_PER_ROUTE, seed: SEED, endOnFailure: true },
    );
  });
});
