
import { Plant } from './plant';

// REQUIREMENTS 1.4, W13, W14, C10 through the API on the controlled clock: a nonconformance holds
// its lot, the MRB dispositions rework ("dispositioned"), the operator reworks ("performed"), the
// inspector re-inspects ("inspected") and the hold is released; the CAPA runs D0–D8 with the
// containment timer escalating a late containment, the owner's plan ("authored") approved by QA
// ("approved"), QA closure ("closed") and the effectiveness check 90 days later.

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('Feature: nonconformance, MRB and CAPA through the API', () => {
  let plant: Plant;
  let instanceId: string;
  let owner: string;
  beforeAll(async () => {
    plant = await Plant.start({ processes: ['escalation', 'change-control', 'deviation-capa'] });
    owner = plant.users.owner.user.username;
  });
  afterAll(async () => {
    await plant?.close();
  });

  describe('Scenario: rework restores the lot, and a CAPA prevents recurrence', () => {
    it('Given quality opens a nonconformance on LOT-C, Then the lot is held before anything else (W13)', async () => {
      const started = await plant.app.http
        .post('/api/v1/processes/deviation-capa/instances')
        .set(plant.users.quality.auth)
        .send({ businessKey: 'NC-2030-00042', variables: { recordType: 'nonconformance', ncNumber: 'NC-2030-00042', lot: 'LOT-C', material: 'FG-7001', severity: 'major', description: 'Seal width 4.35 mm above 4.2 mm' } });
      expect(started.status).toBe(201);
      instanceId = started.body.id;
      await plant.task(plant.users.quality, 'Containment', instanceId);
      const holds = await plant.app.http.get('/api/v1/lots/LOT-C/holds').set(plant.users.quality.auth);
      expect(holds.body).toMatchObject({ onHold: true, items: [expect.objectContaining({ reference: 'NC-2030-00042', status: 'active' })] });
    });

    it('Then the open nonconformance shows in the aging KPI', async () => {
      const kpis = await plant.app.http.get('/api/v1/kpis').set(plant.users.quality.auth);
      expect(kpis.body.figures.aging.value.nonconformance).toMatchObject({ open: 1, buckets: { '0-7d': 1, '8-30d': 0, '31-90d': 0, '>90d': 0 } });
      expect(kpis.body.figures.holds.value).toMatchObject({ active: 1, lots: 1 });
    });

    it('When quality contains it and the MRB dispositions rework ("dispositioned"), the operator reworks and the inspector re-inspects', async () => {
      await plant.complete(plant.users.quality, 'Containment', { suspectScope: 'LOT-C only; not shipped', containmentActions: 'Quarantined in cage Q2', stopShip: true, customerNotification: 'not-required', quarantineLocation: 'Q2' }, { instanceId });
      const mrb = await plant.task(plant.users.quality, 'MrbDisposition', instanceId);
      expect(mrb.signature).toMatchObject({ meaning: 'dispositioned' });
      await plant.complete(plant.users.quality, 'MrbDisposition', { disposition: 'rework', dispositionQuantity: 98, mrbMembers: 'Quinn Morales (QA), Eli Grant (engineering)', dispositionRationale: 'Re-seal restores conformity' }, { instanceId });
      await plant.complete(plant.users.operator, 'Rework', { reworkDescription: 'Re-sealed all pouches', reworkedQuantity: 98 }, { instanceId });
      await plant.complete(plant.users.inspector, 'Reinspect', { reinspectionResult: 'conforming', reinspectionNotes: 'All 98 within 3.8–4.2 mm' }, { instanceId });
    });

    it('Then the hold is released with the MRB as reference', async () => {
      await plant.task(plant.users.quality, 'DecideCapa', instanceId);
      const holds = await plant.app.http.get('/api/v1/lots/LOT-C/holds').set(plant.users.quality.auth);
      expect(holds.body.onHold).toBe(false);
      expect(holds.body.items[0]).toMatchObject({ status: 'released', releaseReason: 'MRB disposition rework', releaseReference: 'NC-2030-00042' });
    });

    it('When a CAPA is opened with the process owner as owner, Then D3 is the owner’s and late containment escalates after 48 h', async () => {
      await plant.complete(plant.users.quality, 'DecideCapa', { capaRequired: 'yes', capaRationale: 'Third seal-width NC this quarter' }, { instanceId });
      await plant.complete(plant.users.quality, 'OpenCapa', { capaOwner: owner, capaTeam: 'Owner, QA, maintenance', problemStatement: 'Seal width above USL on line 3', capaPriority: 'high' }, { instanceId });
      const contain = await plant.task(plant.users.owner, 'Contain', instanceId);
      expect(contain.assignee).toBe(owner);
      await plant.advance(48 * HOUR + 1000);
      const [escalation] = await plant.instances('escalation', 'CAPA-LOT-C');
      expect(escalation).toMatchObject({ status: 'running' });
      expect((await plant.instance(escalation.id)).variables).toMatchObject({ eventClass: 'quality', capaOwner: owner });
      const kpis = await plant.app.http.get('/api/v1/kpis').set(plant.users.quality.auth);
      expect(kpis.body.figures.aging.value.capa).toMatchObject({ open: 1 });
      expect(kpis.body.figures.aging.value.nonconformance.open).toBe(0);
    });

    it('When the owner contains, finds the root cause and authors the plan, Then QA approves it ("approved"): owner ≠ approver (C10)', async () => {
      await plant.complete(plant.users.owner, 'Contain', { interimContainment: '100 % seal check at end of line', containmentVerified: true }, { instanceId });
      await plant.complete(plant.users.owner, 'RootCause', { analysisMethod: '5-why', rootCause: 'Worn jaw spring', escapePoint: 'No in-process seal check', rootCauseEvidence: 'MWO-4711 teardown report' }, { instanceId });
      const plan = await plant.task(plant.users.owner, 'PlanActions', instanceId);
      expect(plan.signature).toMatchObject({ meaning: 'authored' });
      await plant.complete(plant.users.owner, 'PlanActions', { correctiveActions: 'Replace springs every 6 months', escapeActions: 'Add in-process seal width check', actionsDueDate: '2030-04-30' }, { instanceId });

      // the owner cannot approve their own plan: the task is not theirs and "approved" is not their meaning
      const approval = await plant.task(plant.users.quality, 'ApprovePlan', instanceId);
      const byOwner = await plant.app.http.post(`/api/v1/tasks/${approval.id}/complete`).set(plant.users.owner.auth).send({ variables: { planDecision: 'approve', planComment: 'ok' }, signature: { password: plant.users.owner.user.password, meaning: 'approved' } });
      // refused (not a candidate: the task is not even shown to them), and nothing changed
      expect([403, 404]).toContain(byOwner.status);
      expect((await plant.task(plant.users.quality, 'ApprovePlan', instanceId)).id).toBe(approval.id);
      await plant.complete(plant.users.quality, 'ApprovePlan', { planDecision: 'approve', planComment: 'Approved' }, { instanceId });
    });

    it('When the actions are implemented and QA closes the CAPA ("closed"), Then the effectiveness check is due after 90 days and closes it', async () => {
      await plant.complete(plant.users.owner, 'Implement', { implementationEvidence: 'Springs replaced, check added to WI', containmentRemoved: true, changeControlRequired: 'no', changeSummary: '' }, { instanceId });
      await plant.complete(plant.users.owner, 'PreventRecurrence', { systemicActions: 'PM plan updated for all sealers', fmeaUpdated: true, similarProductsReviewed: true, trainingCompleted: true }, { instanceId });
      const close = await plant.task(plant.users.quality, 'CloseCapa', instanceId);
      expect(close.signature).toMatchObject({ meaning: 'closed' });
      await plant.complete(plant.users.quality, 'CloseCapa', { closureSummary: 'Actions implemented', teamRecognized: true }, { instanceId });

      await plant.advance(90 * DAY + 1000);
      await plant.complete(plant.users.owner, 'CheckEffectiveness', { effectivenessResult: 'effective', effectivenessEvidence: 'No seal-width NC in 90 days' }, { instanceId });
      await plant.complete(plant.users.quality, 'ApproveEffectiveness', { effectivenessEvidenceReviewed: true, effectivenessComment: '' }, { instanceId });
      const ended = await plant.ended(instanceId);
      expect(ended.history.map((h) => h.activityId)).toContain('EndEffective');
    });

    it('Then the record of LOT-C lists the nonconformance, the hold and every signature with its meaning', async () => {
      const record = await plant.app.http.get('/api/v1/records/lot/LOT-C').set(plant.users.quality.auth);
      expect(record.status).toBe(200);
      expect(record.body.exceptions.nonconformances).toEqual([expect.objectContaining({ ncNumber: 'NC-2030-00042', disposition: 'rework', capaRequired: 'yes', status: 'completed' })]);
      expect(record.body.exceptions.holds).toEqual([expect.objectContaining({ reference: 'NC-2030-00042', status: 'released' })]);
      const signed = record.body.steps.flatMap((s: { signatures: Array<{ printedName: string; meaning: string }> }) => s.signatures.map((x) => `${x.printedName}:${x.meaning}`));
      expect(signed).toEqual(expect.arrayContaining(['Quinn Morales:dispositioned', 'Oscar Novak:performed', 'Ines Park:inspected', 'Olivia Owens:authored', 'Quinn Morales:approved', 'Quinn Morales:closed']));
    });
  });
});
