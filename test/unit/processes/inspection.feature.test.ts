import { ProcessRun } from './support';

// REQUIREMENTS 1.3, W12, W18: 100 % or Z1.4 AQL sampling computed by the system, the decision
// against limits and the accept number, accept signed "inspected", reject signed "rejected"
// followed by a hold, a nonconformance and MRB handling.

const requested = {
  lot: 'LOT-WO-1001',
  material: 'FG-7001',
  orderId: 'WO-1001',
  lotSize: 500,
  inspectionType: 'final',
  samplingPlan: 'aql',
  aql: '1.0',
  characteristic: 'Seal width',
  lsl: 3.8,
  usl: 4.2,
  measurementUnit: 'mm',
};
// ANSI/ASQ Z1.4, lot 281–500, level II → code letter H, n = 50; AQL 1.0 normal → Ac 1, Re 2
const planH = { codeLetter: 'H', sampleSize: 50, acceptNumber: 1, rejectNumber: 2 };
const sample = (defectsFound: number, measuredMin = 3.91, measuredMax = 4.12) => ({ sampleInspected: 50, measuredMin, measuredMax, defectsFound, gaugeId: 'G-1001', inspectionNotes: '' });

async function inspected(run: ProcessRun, data: ReturnType<typeof sample>) {
  await run.complete('InspectSample', data);
  await run.completeJob('CheckGauge', { calibrationDue: '2030-09-30' });
}

describe('Feature: inspection', () => {
  describe('Scenario: AQL sampling accepts a lot with one defective (Ac = 1)', () => {
    let run: ProcessRun;

    it('Given a final inspection of 500 units at AQL 1.0', async () => {
      run = await ProcessRun.of('inspection');
      await run.start(requested, { businessKey: 'LOT-WO-1001' });
    });

    it('Then the system computes the Z1.4 level II sample size', async () => {
      expect(run.job('ComputeSample')).toMatchObject({
        connector: 'gemba',
        operation: 'aqlSampleSize',
        input: { lotSize: 500, aql: '1.0', inspectionLevel: 'II', switchingState: 'normal' },
      });
      await run.completeJob('ComputeSample', planH);
      expect(run.variables).toMatchObject(planH);
    });

    it('When the inspector records one defective in the sample of 50', async () => {
      run.expectTask('InspectSample', { name: 'Inspect the sample', candidateGroups: ['inspector'], formRef: 'insp-sample', meaning: null });
      await inspected(run, sample(1));
    });

    it('Then the lot is accepted with the inspector\'s signature "inspected"', async () => {
      run.expectTask('AcceptLot', { name: 'Accept the lot', candidateGroups: ['inspector'], formRef: 'insp-accept', meaning: 'inspected' });
      expect(run.openTasks()).toEqual(['AcceptLot']);
      await run.complete('AcceptLot', { acceptanceConfirmed: true, acceptanceNote: '' });
      expect(run.status).toBe('completed');
      expect(run.completed()).toContain('EndAccepted');
      expect(run.completed()).not.toContain('HoldLot');
    });
  });

  describe('Scenario: AQL sampling rejects at the reject number: hold and nonconformance', () => {
    let run: ProcessRun;

    it('Given two defectives in the sample (Re = 2)', async () => {
      run = await ProcessRun.of('inspection');
      await run.start(requested);
      await run.completeJob('ComputeSample', planH);
      await inspected(run, sample(2));
    });

    it('Then the inspector rejects the lot with the signature "rejected"', async () => {
      run.expectTask('RejectLot', { name: 'Reject the lot', candidateGroups: ['inspector'], formRef: 'insp-reject', meaning: 'rejected' });
      await run.complete('RejectLot', { rejectionReason: 'attribute', nonconformingQuantity: 2, rejectionNotes: 'Two pouches with open seals' });
    });

    it('And the lot is put on hold first, so it can be neither consumed nor confirmed (W18)', async () => {
      expect(run.openJobs()).toEqual(['HoldLot']);
      expect(run.job('HoldLot')).toMatchObject({
        connector: 'gemba',
        operation: 'placeHold',
        input: { lot: 'LOT-WO-1001', material: 'FG-7001', reason: 'Rejected at final inspection: attribute', reference: 'inspection LOT-WO-1001' },
      });
      await run.completeJob('HoldLot', { holdId: 'hold-7' });
    });

    it('Then a nonconformance is opened in the QMS and the MRB process started', async () => {
      expect(run.job('RaiseNonconformance').input).toEqual({
        title: 'Lot LOT-WO-1001 rejected at final inspection',
        description: '2 defective in a sample of 50; measured 3.91 to 4.12 mm, limits 3.8 to 4.2; Two pouches with open seals',
        severity: 'major',
        material: 'FG-7001',
        lot: 'LOT-WO-1001',
        orderId: 'WO-1001',
        quantityAffected: 500,
        detectedBy: 'inspection',
        source: 'gemba',
      });
      await run.completeJob('RaiseNonconformance', { ncNumber: 'NC-2030-00002' });
      expect(run.job('StartMrb').input).toEqual({
        processKey: 'deviation-capa',
        businessKey: 'NC-2030-00002',
        recordType: 'nonconformance',
        ncNumber: 'NC-2030-00002',
        lot: 'LOT-WO-1001',
        material: 'FG-7001',
        severity: 'major',
        description: 'Lot LOT-WO-1001 rejected at final inspection: attribute',
      });
      await run.completeJob('StartMrb', { instanceId: 'inst-nc-2' });
      expect(run.status).toBe('completed');
      expect(run.completed().at(-1)).toBe('EndRejected');
    });
  });

  describe('Scenario: 100 % inspection rejects a unit outside the limits', () => {
    it('Given a first-article lot of 25 inspected 100 %, When the largest value exceeds the upper limit, Then the lot is rejected', async () => {
      // given
      const run = await ProcessRun.of('inspection');
      await run.start({ ...requested, lotSize: 25, samplingPlan: '100', inspectionType: 'first-article' });
      expect(run.openJobs()).toEqual([]);

      // when
      await inspected(run, { ...sample(0, 3.95, 4.25), sampleInspected: 25 });

      // then
      expect(run.openTasks()).toEqual(['RejectLot']);
    });

    it('Given 100 % inspection with no defect and all values inside, Then the lot is accepted (c = 0)', async () => {
      const run = await ProcessRun.of('inspection');
      await run.start({ ...requested, lotSize: 25, samplingPlan: '100' });
      await inspected(run, { ...sample(0), sampleInspected: 25 });
      expect(run.openTasks()).toEqual(['AcceptLot']);
    });
  });

  describe('Scenario: switching rules and inspection level are passed to the sample-size lookup', () => {
    it('Given tightened inspection at level III, Then the lookup is asked for it', async () => {
      const run = await ProcessRun.of('inspection');
      await run.start({ ...requested, switchingState: 'tightened', inspectionLevel: 'III' });
      expect(run.job('ComputeSample').input).toEqual({ lotSize: 500, aql: '1.0', inspectionLevel: 'III', switchingState: 'tightened' });
    });
  });

  describe('Scenario: an expired gauge is rejected (W11)', () => {
    it('Given GAUGE_NOT_CALIBRATED, Then the sample is inspected again', async () => {
      const run = await ProcessRun.of('inspection');
      await run.start({ ...requested, samplingPlan: '100', lotSize: 10 });
      await run.complete('InspectSample', { ...sample(0), sampleInspected: 10, gaugeId: 'G-0007' });
      await run.failJob('CheckGauge', 'GAUGE_NOT_CALIBRATED');
      expect(run.openTasks()).toEqual(['InspectSample']);
    });
  });
});
