import { buildProcess } from '../support/bpmn-builder';
import { deployReleased } from '../support/deploy';
import { auditOf, signedInUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/test-app';

// A critical step: the operator records a torque value (form with limits) and signs "performed";
// a second person verifies it (C10, C18, W10, W11).
const torqueForm = {
  type: 'default',
  id: 'torque-record',
  components: [
    { type: 'number', key: 'torqueNm', label: 'Torque (N·m)', validate: { required: true, min: 40, max: 45 } },
    { type: 'textfield', key: 'gaugeId', label: 'Gauge', validate: { required: true, pattern: 'TW-[0-9]{3}' } },
    { type: 'checkbox', key: 'visualOk', label: 'Visual check passed' },
  ],
};

const criticalStep = buildProcess({
  id: 'torque-step',
  name: 'Torque critical joint',
  nodes: [
    { id: 'Start', type: 'startEvent', name: 'Operation started' },
    {
      id: 'Torque',
      type: 'userTask',
      name: 'Torque joint J4',
      attrs: { 'camunda:candidateGroups': 'operator', 'camunda:formRef': 'torque-record', 'gemba:signatureRequired': 'true', 'gemba:signatureMeaning': 'performed', 'gemba:verifierRequired': 'true' },
    },
    { id: 'End', type: 'endEvent', name: 'Joint torqued' },
  ],
  flows: [
    { from: 'Start', to: 'Torque' },
    { from: 'Torque', to: 'End' },
  ],
});

describe('Feature: critical steps with form data, a performer signature and second-person verification', () => {
  let app: TestApp;
  let performer: Awaited<ReturnType<typeof signedInUser>>;
  let verifier: Awaited<ReturnType<typeof signedInUser>>;
  let taskId: string;
  let instanceId: string;
  beforeAll(async () => {
    app = await startTestApp();
    performer = await signedInUser(app, ['operator'], { printedName: 'Pat Performer' });
    verifier = await signedInUser(app, ['operator'], { printedName: 'Vic Verifier' });
    await deployReleased(app, criticalStep, { forms: { 'torque-record': torqueForm } });
    const started = await app.http.post('/api/v1/processes/torque-step/instances').set(performer.auth).send({ businessKey: 'SN-1001' });
    instanceId = started.body.id;
    taskId = started.body.openTasks[0].id;
  });
  afterAll(async () => {
    await app?.close();
  });

  const complete = (who: typeof performer, body: Record<string, unknown>) => app.http.post(`/api/v1/tasks/${taskId}/complete`).set(who.auth).send(body);

  describe('Scenario: the form and the signature are enforced by the server', () => {
    it('Given the task, Then it carries its form and says that it must be signed and verified', async () => {
      const task = await app.http.get(`/api/v1/tasks/${taskId}`).set(performer.auth);
      expect(task.body.form).toEqual(torqueForm);
      expect(task.body.signature).toEqual({ required: true, meaning: 'performed', verifierRequired: true });
    });

    it('When the value is out of limits or the gauge id malformed, Then 400 names each field and nothing changes', async () => {
      const response = await complete(performer, { variables: { torqueNm: 47.5, gaugeId: 'X1' }, signature: { password: performer.user.password, meaning: 'performed' } });
      expect(response.status).toBe(400);
      expect(response.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.variables.gaugeId', 'body.variables.torqueNm']);
      expect((await app.http.get(`/api/v1/tasks/${taskId}`).set(performer.auth)).body.status).toBe('open');
      expect(await app.deps.db('signatures').where({ record_id: taskId })).toHaveLength(0);
    });

    it('When a field the form does not have is sent, Then it is refused', async () => {
      const response = await complete(performer, { variables: { torqueNm: 42, gaugeId: 'TW-101', approvedByQa: true }, signature: { password: performer.user.password, meaning: 'performed' } });
      expect(response.status).toBe(400);
      expect(response.body.errors[0].path).toBe('body.variables.approvedByQa');
    });

    it('When the signature is missing or has another meaning, Then the step is refused', async () => {
      expect((await complete(performer, { variables: { torqueNm: 42, gaugeId: 'TW-101' } })).status).toBe(400);
      expect((await complete(performer, { variables: { torqueNm: 42, gaugeId: 'TW-101' }, signature: { password: performer.user.password, meaning: 'verified' } })).status).toBe(400);
    });

    it('When the password is wrong, Then 401 and the failed attempt is recorded', async () => {
      const response = await complete(performer, { variables: { torqueNm: 42, gaugeId: 'TW-101' }, signature: { password: 'not-it-at-all', meaning: 'performed' } });
      expect(response.status).toBe(401);
      expect((await auditOf(app, 'User', performer.user.id)).map((e) => e.action)).toContain('signature.failed');
    });
  });

  describe('Scenario: performed, then verified by someone else', () => {
    it('When the operator performs the step with valid data and signs, Then it waits for verification', async () => {
      const response = await complete(performer, { variables: { torqueNm: 42.1, gaugeId: 'TW-101', visualOk: true }, signature: { password: performer.user.password, meaning: 'performed', comment: 'Joint J4 OK' } });
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('awaiting_verification');
      expect((await app.http.get(`/api/v1/instances/${instanceId}`).set(performer.auth)).body.status).toBe('running');
    });

    it('Then the performer cannot verify their own step', async () => {
      const own = await app.http.post(`/api/v1/tasks/${taskId}/verify`).set(performer.auth).send({ password: performer.user.password, meaning: 'verified' });
      expect(own.status).toBe(403);
    });

    it('When a second operator verifies with a signature, Then the instance completes with the performer’s data', async () => {
      const verified = await app.http.post(`/api/v1/tasks/${taskId}/verify`).set(verifier.auth).send({ password: verifier.user.password, meaning: 'verified' });
      expect(verified.status).toBe(200);
      expect(verified.body.status).toBe('completed');
      const instance = (await app.http.get(`/api/v1/instances/${instanceId}`).set(performer.auth)).body;
      expect(instance.status).toBe('completed');
      expect(instance.variables).toMatchObject({ torqueNm: 42.1, gaugeId: 'TW-101', visualOk: true });
    });

    it('And both signatures are stored with printed name, meaning and the hash of the data they sign', async () => {
      const signatures = await app.deps.db('signatures').where({ record_type: 'UserTask', record_id: taskId }).orderBy('signed_at');
      expect(signatures.map((s) => [s.printed_name, s.meaning])).toEqual([
        ['Pat Performer', 'performed'],
        ['Vic Verifier', 'verified'],
      ]);
      expect(signatures[0].record_hash).toBe(signatures[1].record_hash);
      expect(signatures[0].comment).toBe('Joint J4 OK');
    });
  });
});
