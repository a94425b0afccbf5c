import { createHash } from 'node:crypto';
import { fixture } from '../support/bpmn-fixtures';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

let app: TestApp;
let owner: Awaited<ReturnType<typeof signedInUser>>;
let reviewer: Awaited<ReturnType<typeof signedInUser>>;
beforeAll(async () => {
  app = await startTestApp();
  owner = await signedInUser(app, ['process_owner'], { printedName: 'Olivia Owens' });
  reviewer = await signedInUser(app, ['validation_reviewer'], { printedName: 'Ravi Reddy' });
});
afterAll(async () => {
  await app.close();
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const xml = fixture('simple-approval.bpmn');
const xmlV2 = fixture('simple-approval-v2.bpmn');
/** Each test works on a key of its own: the fixture with its process id renamed. */
let keys = 0;
const withKey = (text: string, key: string) => text.replaceAll('simple-approval', key);
const newKey = () => `approval-${++keys}`;

async function createDraft(text: string, changeReason = 'Initial version of the process') {
  const response = await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml: text, changeReason });
  expect(response.status).toBe(201);
  return response.body as { id: string; key: string; version: number; sha256: string; status: string };
}
const submit = (id: string) => app.http.post(`/api/v1/process-versions/${id}/submit`).set(owner.auth).send({});
const sign = (id: string, verb: string, who: { auth: Record<string, string>; user: { password: string } }, meaning: string, comment?: string) =>
  app.http.post(`/api/v1/process-versions/${id}/${verb}`).set(who.auth).send({ password: who.user.password, meaning, ...(comment ? { comment } : {}) });

async function releasedVersion(text: string) {
  const draft = await createDraft(text);
  expect((await submit(draft.id)).status).toBe(200);
  expect((await sign(draft.id, 'approve', reviewer, 'approved')).status).toBe(200);
  const released = await sign(draft.id, 'release', owner, 'released');
  expect(released.status).toBe(200);
  return released.body;
}

const countVersions = async () => Number((await app.deps.db('process_versions').count({ n: '*' }))[0].n);

describe('drafts', () => {
  it('stores a draft under the executable process id with the next version number and the exact text’s SHA-256', async () => {
    // given
    const key = newKey();
    const text = withKey(xml, key);

    // when
    const first = await createDraft(text, 'First cut of the approval');
    const second = await createDraft(text, 'Second attempt');

    // then
    expect(first).toMatchObject({ key, version: 1, status: 'draft', sha256: sha256(text), changeReason: 'First cut of the approval', name: 'Simple approval' });
    expect(second.version).toBe(2);
    const stored = await app.http.get(`/api/v1/process-versions/${first.id}/xml`).set(owner.auth);
    expect(stored.text).toBe(text);
    expect(stored.headers['content-type']).toMatch(/application\/xml/);
    const audit = await auditOf(app, 'ProcessVersion', first.id);
    expect(audit[0]).toMatchObject({ action: 'processVersion.created', actor_id: owner.user.id, reason: 'First cut of the approval' });
  });

  it('edits a draft with a reason, audits old and new hash, and refuses edits without one', async () => {
    const key = newKey();
    const draft = await createDraft(withKey(xml, key));

    const noReason = await app.http.put(`/api/v1/process-versions/${draft.id}`).set(owner.auth).send({ xml: withKey(xmlV2, key) });
    expect(noReason.status).toBe(400);

    const edited = await app.http.put(`/api/v1/process-versions/${draft.id}`).set(owner.auth).send({ xml: withKey(xmlV2, key), changeReason: 'Supervisors may approve too' });
    expect(edited.status).toBe(200);
    expect(edited.body.sha256).toBe(sha256(withKey(xmlV2, key)));
    const entry = (await auditOf(app, 'ProcessVersion', draft.id)).find((e) => e.action === 'processVersion.edited')!;
    expect(entry.before).toMatchObject({ sha256: draft.sha256 });
    expect(entry.after).toMatchObject({ sha256: sha256(withKey(xmlV2, key)) });
    expect(entry.reason).toBe('Supervisors may approve too');
  });

  it('refuses a model of another key in an edit', async () => {
    const draft = await createDraft(withKey(xml, newKey()));
    const response = await app.http.put(`/api/v1/process-versions/${draft.id}`).set(owner.auth).send({ xml: withKey(xml, newKey()), changeReason: 'wrong file' });
    expect(response.status).toBe(422);
  });

  it('is only for process owners', async () => {
    const response = await app.http.post('/api/v1/process-versions').set(reviewer.auth).send({ xml, changeReason: 'not mine to make' });
    expect(response.status).toBe(403);
  });
});

describe('bad models get a clear answer and change nothing', () => {
  const cases: Array<[string, string, number, RegExp]> = [
    ['malformed XML', '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p"></bpmn:definitions>', 400, /./],
    ['a DOCTYPE (XXE)', '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><bpmn:process id="p" isExecutable="true"/></bpmn:definitions>', 400, /DOCTYPE|DTD|entit/i],
    ['a root that is not BPMN definitions', '<?xml version="1.0"?><html><body>hello</body></html>', 422, /definitions|BPMN/i],
    ['duplicate ids', withKey(xml, 'dup-ids').replace('id="EndEvent_1"', 'id="Task_review"').replace('targetRef="EndEvent_1"', 'targetRef="Task_review"').replace('bpmnElement="EndEvent_1"', 'bpmnElement="Task_review"'), 422, /Task_review/],
    ['no process at all', '<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="x"></bpmn:definitions>', 422, /process/i],
  ];

  it.each(cases)('%s', async (_name, text, status, detail) => {
    const [versions, audit] = [await countVersions(), Number((await app.deps.db('audit_events').count({ n: '*' }))[0].n)];
    const response = await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml: text, changeReason: 'testing refusals' });
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/problem\+json/);
    expect(`${response.body.detail} ${JSON.stringify(response.body.errors ?? [])}`).toMatch(detail);
    expect(await countVersions()).toBe(versions);
    expect(Number((await app.deps.db('audit_events').count({ n: '*' }))[0].n)).toBe(audit);
  });

  it('a model over 5 MB → 413', async () => {
    const padding = `<!-- ${'x'.repeat(5 * 1024 * 1024)} -->`;
    const response = await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml: xml.replace('<bpmn:process', `${padding}<bpmn:process`), changeReason: 'too big' });
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('payload_too_large');
  });

  it('a body far over any limit → 413 from the body parser', async () => {
    const response = await app.http.post('/api/v1/process-versions').set(owner.auth).send({ xml: 'x'.repeat(7 * 1024 * 1024), changeReason: 'huge' });
    expect(response.status).toBe(413);
  });
});

describe('submit gate', () => {
  it('refuses a draft with lint errors (422, the list in the body) and leaves it a draft', async () => {
    const draft = await createDraft(withKey(fixture('unassigned-task.bpmn'), newKey()));
    const response = await submit(draft.id);
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'Task_review' })]));
    const after = await app.http.get(`/api/v1/process-versions/${draft.id}`).set(owner.auth);
    expect(after.body.status).toBe('draft');
  });

  it('moves a clean draft to review, keeps lint warnings, and freezes its content', async () => {
    const draft = await createDraft(withKey(xml, newKey()));
    const response = await submit(draft.id);
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('in_review');
    expect(response.body.lint).toMatchObject({ warnings: expect.any(Array), checkedAt: expect.any(String) });
    const edit = await app.http.put(`/api/v1/process-versions/${draft.id}`).set(owner.auth).send({ xml: withKey(xmlV2, draft.key), changeReason: 'too late' });
    expect(edit.status).toBe(409);
    await expect(app.deps.db('process_versions').where({ id: draft.id }).update({ xml: 'tampered' })).rejects.toThrow(/never changes/);
  });
});

describe('review and approval with electronic signatures', () => {
  it('records an approval bound to the content hash, with printed name, meaning and server time', async () => {
    const draft = await createDraft(withKey(xml, newKey()));
    await submit(draft.id);

    const response = await sign(draft.id, 'approve', reviewer, 'approved', 'Reviewed against URS-12');

    expect(response.status).toBe(200);
    expect(response.body.status).toBe('approved');
    expect(response.body.signatures).toEqual([
      expect.objectContaining({ printedName: 'Ravi Reddy', meaning: 'approved', comment: 'Reviewed against URS-12', recordHash: draft.sha256, valid: true }),
    ]);
    expect(Date.parse(response.body.signatures[0].signedAt)).toBeCloseTo(app.deps.clock.now().getTime(), -4);
    const actions = (await auditOf(app, 'ProcessVersion', draft.id)).map((e) => e.action);
    expect(actions).toEqual(['processVersion.created', 'processVersion.submitted', 'processVersion.approved']);
  });

  it('never lets the author approve, even with the reviewer role (C10)', async () => {
    const both = await signedInUser(app, ['process_owner', 'validation_reviewer']);
    const created = await app.http.post('/api/v1/process-versions').set(both.auth).send({ xml: withKey(xml, newKey()), changeReason: 'mine' });
    await app.http.post(`/api/v1/process-versions/${created.body.id}/submit`).set(both.auth).send({});
    const response = await sign(created.body.id, 'approve', both, 'approved');
    expect(response.status).toBe(403);
    expect((await app.deps.db('signatures').where({ record_id: created.body.id })).length).toBe(0);
  });

  it('refuses a wrong role, a meaning not allowed here, and a wrong password (401, audited, counted)', async () => {
    const draft = await createDraft(withKey(xml, newKey()));
    await submit(draft.id);
    const operator = await signedInUser(app, ['operator']);

    expect((await sign(draft.id, 'approve', operator, 'approved')).status).toBe(403);
    expect((await sign(draft.id, 'approve', reviewer, 'released')).status).toBe(400);
    const wrong = await app.http.post(`/api/v1/process-versions/${draft.id}/approve`).set(reviewer.auth).send({ password: 'not-my-password', meaning: 'approved' });
    expect(wrong.status).toBe(401);

    const failures = (await auditOf(app, 'User', reviewer.user.id)).filter((e) => e.action === 'signature.failed');
    expect(failures).toHaveLength(1);
    expect((await app.deps.db('users').where({ id: reviewer.user.id }).first())!.failed_signature_count).toBe(1);
    expect((await app.http.get(`/api/v1/process-versions/${draft.id}`).set(owner.auth)).body.status).toBe('in_review');
    // a correct signature resets the count
    expect((await sign(draft.id, 'approve', reviewer, 'approved')).status).toBe(200);
    expect((await app.deps.db('users').where({ id: reviewer.user.id }).first())!.failed_signature_count).toBe(0);
  });

  it('rejects with a signed comment; a rejected version is never released', async () => {
    const draft = await createDraft(withKey(xml, newKey()));
    await submit(draft.id);
    expect((await sign(draft.id, 'reject', reviewer, 'rejected')).status).toBe(400);
    const rejected = await sign(draft.id, 'reject', reviewer, 'rejected', 'Missing second-person verification');
    expect(rejected.status).toBe(200);
    expect(rejected.body.status).toBe('rejected');
    expect((await sign(draft.id, 'release', owner, 'released')).status).toBe(409);
  });
});

describe('release, supersede, rollback and retire', () => {
  it('refuses release without approval', async () => {
    const draft = await createDraft(withKey(xml, newKey()));
    await submit(draft.id);
    const response = await sign(draft.id, 'release', owner, 'released');
    expect(response.status).toBe(409);
  });

  it('keeps one released version per key: releasing supersedes the previous one; rollback re-releases it with a reason', async () => {
    // given version 1 released
    const key = newKey();
    const v1 = await releasedVersion(withKey(xml, key));
    expect(v1.status).toBe('released');
    expect(v1.signatures.map((s: { meaning: string }) => s.meaning)).toEqual(['approved', 'released']);

    // when version 2 is released
    const v2 = await releasedVersion(withKey(xmlV2, key));

    // then
    const v1After = await app.http.get(`/api/v1/process-versions/${v1.id}`).set(owner.auth);
    expect(v1After.body.status).toBe('superseded');
    expect(v2.status).toBe('released');
    const processes = await app.http.get('/api/v1/processes').set(owner.auth);
    expect(processes.body.items.find((p: { key: string }) => p.key === key).released).toMatchObject({ id: v2.id, version: 2 });
    const released = await app.deps.db('process_versions').where({ key, status: 'released' });
    expect(released).toHaveLength(1);

    // when rolling back to version 1 without, then with a reason
    expect((await sign(v1.id, 'release', owner, 'released')).status).toBe(400);
    const rollback = await sign(v1.id, 'release', owner, 'released', 'CAPA-17: v2 blocks night shift; back to v1');
    expect(rollback.status).toBe(200);
    expect(rollback.body.status).toBe('released');
    expect((await app.http.get(`/api/v1/process-versions/${v2.id}`).set(owner.auth)).body.status).toBe('superseded');
    const actions = (await auditOf(app, 'ProcessVersion', v1.id)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['processVersion.released', 'processVersion.superseded', 'processVersion.rolledBack']));

    // and retiring it leaves the key without a released version
    const retired = await app.http.post(`/api/v1/process-versions/${v1.id}/retire`).set(owner.auth).send({ reason: 'Process discontinued' });
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    const after = await app.http.get('/api/v1/processes').set(owner.auth);
    expect(after.body.items.find((p: { key: string }) => p.key === key).released).toBeNull();
  });

  it('shows the status history with actor, time and reason', async () => {
    const v = await releasedVersion(withKey(xml, newKey()));
    const detail = await app.http.get(`/api/v1/process-versions/${v.id}`).set(reviewer.auth);
    expect(detail.body.history.map((h: { to: string }) => h.to)).toEqual(['draft', 'in_review', 'approved', 'released']);
    expect(detail.body.history[0]).toMatchObject({ actor: owner.user.username, printedName: 'Olivia Owens', reason: 'Initial version of the process' });
  });
});

describe('diff and record export', () => {
  it('lists the changed task with its changed attributes', async () => {
    const key = newKey();
    const v1 = await createDraft(withKey(xml, key));
    const v2 = await createDraft(withKey(xmlV2, key));
    const response = await app.http.get(`/api/v1/process-versions/${v2.id}/diff?against=${v1.id}`).set(reviewer.auth);
    expect(response.status).toBe(200);
    expect(response.body.added).toEqual([]);
    expect(response.body.removed).toEqual([]);
    const task = response.body.changed.find((c: { id: string }) => c.id === 'Task_review');
    expect(task.attributes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'name', before: 'Review request', after: 'Check and approve request' }),
        expect.objectContaining({ name: expect.stringMatching(/candidateGroups/), before: 'operator', after: 'operator,supervisor' }),
      ]),
    );
  });

  it('exports the whole record as JSON, and audits the export', async () => {
    const v = await releasedVersion(withKey(xml, newKey()));
    const response = await app.http.get(`/api/v1/process-versions/${v.id}/record`).set(reviewer.auth);
    expect(response.status).toBe(200);
    expect(response.body.content.xml).toContain('<bpmn:process');
    expect(response.body.content.sha256).toBe(v.sha256);
    expect(response.body.version.signatures.map((s: { printedName: string; meaning: string }) => [s.printedName, s.meaning])).toEqual([
      ['Ravi Reddy', 'approved'],
      ['Olivia Owens', 'released'],
    ]);
    expect(response.body.auditTrail.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['processVersion.created', 'processVersion.released', 'signature.recorded']),
    );
    expect((await auditOf(app, 'ProcessVersion', v.id)).at(-1)!.action).toBe('processVersion.exported');
  });

  it('answers 404 for unknown versions', async () => {
    expect((await app.http.get('/api/v1/process-versions/00000000-0000-4000-8000-000000000000').set(owner.auth)).status).toBe(404);
    expect((await app.http.post('/api/v1/process-versions/00000000-0000-4000-8000-000000000000/submit').set(owner.auth).send({})).status).toBe(404);
  });
});
