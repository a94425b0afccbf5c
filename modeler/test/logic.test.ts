import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deriveKpis, heatFromHistory, mergeServedKpis, normalizeInstance, normalizeTask } from '../src/app/api';
import { anchorPatterns, dataToSubmit, editableFields, fieldErrors, prefill } from '../src/app/form-data';
import { dueState, isMine, isOfferedTo, mayComplete, mayVerify } from '../src/app/task-rules';
import { tokenState } from '../src/app/tokens';
import type { FormSchema, Instance, Task, User } from '../src/app/types';

// The app's pure rules, without a browser: who sees and works which task, where tokens are, how
// form data and the server's refusals meet the form, what the dashboard derives without /kpis.

const operator: User = { id: 'u-1', username: 'operator', printedName: 'Oscar', email: null, roles: ['operator'], status: 'active', passwordMustChange: false };
const inspector: User = { ...operator, id: 'u-2', username: 'inspector', roles: ['inspector'] };

/** A task as the server's presenter sends it. */
const presented = (over: Record<string, unknown> = {}) => ({
  id: 't',
  name: 'Inspect',
  instanceId: 'i',
  activityId: 'A',
  key: 'part_inspection',
  businessKey: 'LOT-1',
  candidateGroups: ['operator', 'inspector'],
  candidateUsers: [],
  assignee: null,
  dueAt: null,
  overdue: false,
  priority: 50,
  status: 'open',
  formRef: null,
  signature: null,
  createdAt: '2026-11-22T10:00:00.000Z',
  claimedAt: null,
  completedBy: null,
  completedAt: null,
  ...over,
});
const task = (over: Record<string, unknown> = {}): Task => normalizeTask(presented(over));

describe('tasks as the server presents them', () => {
  it('takes the process key from `key` and the signature requirement as given', () => {
    // given
    const raw = presented({ signature: { required: true, meaning: 'performed', verifierRequired: true }, form: { components: [] }, submitted: { x: 1 } });
    // when
    const normalized = normalizeTask(raw);
    // then
    assert.equal(normalized.processKey, 'part_inspection');
    assert.deepEqual(normalized.signature, { required: true, meaning: 'performed', verifierRequired: true });
    assert.deepEqual(normalized.form, { components: [] });
    assert.deepEqual(normalized.submitted, { x: 1 });
  });

  it('leaves `form` out of list entries (which have none) and nulls a missing form', () => {
    assert.equal('form' in task(), false);
    assert.equal(task({ form: null }).form, null);
  });
});

describe('task rules', () => {
  it('offers an open, unassigned task to holders of a candidate role or to a named candidate user', () => {
    assert.equal(isOfferedTo(task(), operator), true);
    assert.equal(isOfferedTo(task({ candidateGroups: ['quality'] }), operator), false);
    assert.equal(isOfferedTo(task({ candidateGroups: [], candidateUsers: ['operator'] }), operator), true);
    assert.equal(isOfferedTo(task({ assignee: 'someone' }), operator), false);
    assert.equal(isOfferedTo(task({ status: 'awaiting_verification' }), operator), false);
  });

  it('knows a task assigned by user name as mine, and lets only its assignee complete it then', () => {
    assert.equal(isMine(task({ assignee: 'operator' }), operator), true);
    assert.equal(isMine(task({ assignee: 'other' }), operator), false);
    assert.equal(mayComplete(task({ assignee: 'other' }), operator), false);
    assert.equal(mayComplete(task({ assignee: 'operator' }), operator), true);
    assert.equal(mayComplete(task({ assignee: 'operator', status: 'completed' }), operator), false);
  });

  it('lets a candidate other than the performer verify a performed step', () => {
    // given
    const performed = task({ status: 'awaiting_verification', completedBy: 'operator' });
    // then
    assert.equal(mayVerify(performed, operator), false, 'never the performer');
    assert.equal(mayVerify(performed, inspector), true);
    assert.equal(mayVerify(task({ status: 'awaiting_verification', completedBy: 'operator', candidateGroups: ['operator'] }), inspector), false, 'only a candidate');
    assert.equal(mayVerify(task({ status: 'open' }), inspector), false);
  });

  it('marks overdue as the server says, due within four hours, and later', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    assert.equal(dueState(task({ dueAt: '2026-11-22T11:59:00Z', overdue: true }), now), 'overdue');
    // the browser's clock says past due, the server's does not (yet): due soon, not overdue
    assert.equal(dueState(task({ dueAt: '2026-11-22T11:59:00Z', overdue: false }), now), 'due-soon');
    assert.equal(dueState(task({ dueAt: '2026-11-22T15:00:00Z' }), now), 'due-soon');
    assert.equal(dueState(task({ dueAt: '2026-11-23T12:00:00Z' }), now), 'due-later');
    assert.equal(dueState(task(), now), null);
  });
});

describe('task forms', () => {
  const schema: FormSchema = {
    components: [
      { type: 'text', text: '# Inspection' },
      { type: 'textfield', id: 'F_part', key: 'partNumber', label: 'Part', readonly: true },
      { type: 'number', id: 'F_m', key: 'measurement', label: 'Diameter', validate: { required: true, min: 0, max: 100 } },
      { type: 'group', id: 'G', components: [{ type: 'textfield', id: 'F_gauge', key: 'gaugeId', label: 'Gauge', validate: { pattern: 'TW-[0-9]{3}' } }] },
      { type: 'checkbox', id: 'F_old', key: 'legacy', disabled: true },
    ],
  };

  it('knows the fields a person fills in, nested ones included, read-only and disabled ones not', () => {
    assert.deepEqual(editableFields(schema).map((f) => f.key), ['measurement', 'gaugeId']);
  });

  it('sends only those fields and prefills from the instance variables the form shows', () => {
    // given
    const data = { partNumber: 'PN-1', measurement: 12.5, gaugeId: 'TW-001', legacy: true };
    // when / then
    assert.deepEqual(dataToSubmit(schema, data), { measurement: 12.5, gaugeId: 'TW-001' });
    assert.deepEqual(prefill(schema, { partNumber: 'PN-1', lot: 'L-9' }), { partNumber: 'PN-1' });
  });

  it('anchors patterns as the server does, without changing the original schema', () => {
    // when
    const anchored = anchorPatterns(schema);
    const pattern = (s: FormSchema) => ((s.components[3] as { components: Array<{ validate: { pattern: string } }> }).components[0].validate.pattern);
    // then
    assert.equal(pattern(anchored), '^(?:TW-[0-9]{3})$');
    assert.equal(new RegExp(pattern(anchored)).test('XTW-1234'), false);
    assert.equal(pattern(schema), 'TW-[0-9]{3}');
  });

  it('puts the server\'s refusals on their fields and keeps the others apart', () => {
    // given
    const problem = {
      status: 400,
      errors: [
        { path: 'body.variables.measurement', message: 'Diameter must be at most 100' },
        { path: 'body.variables.approvedByQa', message: 'not a field of this task’s form' },
        { path: 'body.signature', message: 'required' },
      ],
    };
    // when
    const { byKey, other } = fieldErrors(problem, ['measurement', 'gaugeId']);
    // then
    assert.deepEqual(byKey, { measurement: ['Diameter must be at most 100'] });
    assert.deepEqual(other.map((e) => e.path), ['body.variables.approvedByQa', 'body.signature']);
  });
});

describe('token state of an instance', () => {
  const instance = (over: Partial<Instance>): Instance =>
    normalizeInstance({ id: 'i', key: 'k', versionId: 'v', businessKey: null, status: 'running', startedAt: '2026-11-22T10:00:00Z', endedAt: null, ...over });

  it('puts tokens on open and performed tasks, pending timers, live jobs, subscriptions and unfinished history', () => {
    // given
    const state = tokenState(
      instance({
        tasks: [task({ activityId: 'Signoff' }), task({ activityId: 'Verify', status: 'awaiting_verification' }), task({ activityId: 'Inspect', status: 'completed' })],
        timers: [
          { id: 'tm', activityId: 'Wait', dueAt: '2026-11-23T00:00:00Z', value: 'PT1H', status: 'pending' },
          { id: 'tm2', activityId: 'Fired', dueAt: '2026-11-22T00:00:00Z', value: 'PT1H', status: 'done' },
        ],
        jobs: [{ id: 'j', kind: 'service', activityId: 'Call', status: 'pending', attempts: 0, maxAttempts: 3, dueAt: 'x', lastError: null, topic: null, connector: 'erp', operation: 'confirm' }],
        subscriptions: [{ kind: 'message', name: 'Ack', correlationKey: 'LOT-1', activityId: 'Ack' }],
        incidents: [
          { id: 'x', instanceId: 'i', activityId: 'Call', message: 'boom', status: 'open' },
          { id: 'y', instanceId: 'i', activityId: 'Old', message: 'boom', status: 'resolved' },
        ],
        history: [
          { activityId: 'Start', name: null, startedAt: '2026-11-22T10:00:00Z', endedAt: '2026-11-22T10:00:00Z', actor: null },
          { activityId: 'Inspect', name: null, startedAt: '2026-11-22T10:00:00Z', endedAt: '2026-11-22T10:05:00Z', actor: 'operator' },
          { activityId: 'Signoff', name: null, startedAt: '2026-11-22T10:05:00Z', endedAt: null, actor: null },
          { activityId: 'Gateway', name: null, startedAt: '2026-11-22T10:05:00Z', endedAt: null, actor: null },
        ],
      }),
    );
    // then
    assert.deepEqual([...state.waiting], [['Signoff', 1], ['Verify', 1], ['Wait', 1], ['Call', 1], ['Ack', 1], ['Gateway', 1]]);
    assert.deepEqual([...state.taken].sort(), ['Inspect', 'Start']);
    assert.deepEqual([...state.incidents], ['Call']);
  });

  it('shows no waiting tokens on an ended instance', () => {
    const state = tokenState(instance({ status: 'completed', tasks: [task({ status: 'open' })], history: [{ activityId: 'A', name: null, startedAt: 'x', endedAt: null, actor: null }] }));
    assert.equal(state.waiting.size, 0);
  });
});

describe('derived dashboard figures', () => {
  const instances = [
    { id: '1', key: 'a', versionId: 'v', businessKey: null, status: 'completed', startedAt: '2026-11-22T08:00:00Z', endedAt: '2026-11-22T10:00:00Z' },
    { id: '2', key: 'a', versionId: 'v', businessKey: null, status: 'completed', startedAt: '2026-11-21T08:00:00Z', endedAt: '2026-11-21T12:00:00Z' },
    { id: '3', key: 'b', versionId: 'v', businessKey: null, status: 'running', startedAt: '2026-11-22T09:00:00Z', endedAt: null },
  ] as Instance[];

  it('counts starts and completions per day, cycle times per process, open and overdue tasks', () => {
    // given
    const now = Date.parse('2026-11-22T12:00:00Z');
    const tasks = [task({ dueAt: '2026-11-22T11:00:00Z', overdue: true, key: 'b' }), task({ dueAt: '2026-11-23T11:00:00Z', key: 'b' }), task({ status: 'completed' })];
    // when
    const kpis = deriveKpis(instances, tasks, 7, now);
    // then
    assert.equal(kpis.throughput.length, 7);
    assert.deepEqual(kpis.throughput.at(-1), { day: '2026-11-22', started: 2, completed: 1 });
    assert.deepEqual(kpis.throughput.at(-2), { day: '2026-11-21', started: 1, completed: 1 });
    assert.deepEqual(kpis.cycleTime, [{ key: 'a', count: 2, meanMs: 3 * 3_600_000, p90Ms: 4 * 3_600_000 }]);
    assert.equal(kpis.openTasks, 2);
    assert.equal(kpis.overdueTasks, 1);
    assert.deepEqual(kpis.openTasksByProcess, [{ key: 'b', open: 2, overdue: 1 }]);
    assert.deepEqual(kpis.instancesByStatus, [
      { status: 'running', count: 1 },
      { status: 'incident', count: 0 },
      { status: 'completed', count: 2 },
      { status: 'cancelled', count: 0 },
    ]);
    assert.equal(kpis.source, 'derived');
  });

  it('ends the window at the newest record when the server\'s clock is ahead of the browser\'s', () => {
    // given: the browser thinks it is the 20th; the records are of the 21st and 22nd
    const kpis = deriveKpis(instances, [], 7, Date.parse('2026-11-20T12:00:00Z'));
    // then
    assert.equal(kpis.throughput.at(-1)?.day, '2026-11-22');
    assert.equal(kpis.throughput.reduce((sum, d) => sum + d.started, 0), 3);
  });

  it('gives activity counts and mean durations for the heatmap', () => {
    const heat = heatFromHistory([
      { activityId: 'A', name: null, startedAt: '2026-11-22T10:00:00Z', endedAt: '2026-11-22T10:01:00Z', actor: null },
      { activityId: 'A', name: null, startedAt: '2026-11-22T11:00:00Z', endedAt: '2026-11-22T11:03:00Z', actor: null },
      { activityId: 'B', name: null, startedAt: '2026-11-22T11:00:00Z', endedAt: null, actor: null },
    ]);
    assert.deepEqual(heat, [
      { activityId: 'A', count: 2, meanMs: 120_000 },
      { activityId: 'B', count: 1, meanMs: null },
    ]);
  });
});

describe('KPIs served by GET /kpis', () => {
  const figure = <T>(value: T) => ({ value, definition: 'how', inputs: {} });
  const derived = deriveKpis([], [], 7, Date.parse('2026-11-22T12:00:00Z'));

  it('takes cycle time, task counts, NC/CAPA aging and OEE from the server, keeps throughput derived', () => {
    // when
    const kpis = mergeServedKpis(derived, {
      window: derived.window,
      figures: {
        cycleTime: figure({ byProcess: [{ key: 'inspection', completed: 4, meanMs: 600_000, p90Ms: 900_000 }] }),
        tasks: figure({ open: 5, awaitingVerification: 2, overdue: 1 }),
        aging: figure({
          nonconformance: { open: 3, buckets: { '0-7d': 2, '8-30d': 1, '31-90d': 0, '>90d': 0 } },
          deviation: { open: 0, buckets: { '0-7d': 0, '8-30d': 0, '31-90d': 0, '>90d': 0 } },
          capa: { open: 1, buckets: { '0-7d': 0, '8-30d': 0, '31-90d': 1, '>90d': 0 } },
        }),
        oee: [
          { equipmentId: 'CELL-7', ...figure({ availability: 0.9, performance: 0.8, quality: 0.95, oee: 0.684 }) },
          { equipmentId: 'CELL-8', ...figure({ availability: null, performance: null, quality: null, oee: null }) },
        ],
      },
    });

    // then
    assert.equal(kpis.source, 'api');
    assert.deepEqual(kpis.cycleTime, [{ key: 'inspection', count: 4, meanMs: 600_000, p90Ms: 900_000 }]);
    assert.equal(kpis.openTasks, 7);
    assert.equal(kpis.overdueTasks, 1);
    assert.equal(kpis.taskScope, 'all');
    assert.deepEqual(kpis.nonconformanceAging?.map((b) => b.count), [2, 1, 0, 0]);
    assert.deepEqual(kpis.capaAging?.find((b) => b.bucket === '31-90d'), { bucket: '31-90d', count: 1 });
    assert.deepEqual(kpis.oee, [{ equipment: 'CELL-7', availability: 0.9, performance: 0.8, quality: 0.95, oee: 0.684 }]);
    assert.equal(kpis.throughput.length, 7);
  });
});
