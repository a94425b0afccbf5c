import { DAY, HOUR, ProcessRun } from './support';

// REQUIREMENTS 1.4, 1.7, W13–W15, C10: the nonconformance holds the lot and goes through MRB
// dispositions with their signatures; the deviation blocks its batch until QA approves; CAPA
// runs D0–D8 with a containment timer, plan approval and an effectiveness check whose
// "ineffective" result reopens it.

const nc = { recordType: 'nonconformance', ncNumber: 'NC-2030-00001', lot: 'LOT-WO-1001', material: 'FG-7001', severity: 'major', description: 'Seal width 4.35 mm above 4.2 mm' };
const containment = { suspectScope: 'LOT-WO-1001 only; no shipment yet (forward trace)', containmentActions: 'Lot quarantined in cage Q2', stopShip: true, customerNotification: 'not-required', quarantineLocation: 'Q2' };
const mrb = (disposition: string) => ({ disposition, dispositionQuantity: 98, mrbMembers: 'Quinn Morales (QA), Eli Grant (engineering)', dispositionRationale: `MRB decided ${disposition}` });
const noCapa = { capaRequired: 'no', capaRationale: 'Isolated event, no recurrence in 12 months' };

async function toMrb(run: ProcessRun, start: Record<string, unknown> = nc) {
  await run.start(start, { businessKey: 'NC-2030-00001' });
  await run.completeJob('HoldLot', { holdId: 'hold-1' });
  await run.complete('Containment', containment);
}

describe('Feature: nonconformance and MRB disposition', () => {
  describe('Scenario: use as is, approved by the design authority', () => {
    let run: ProcessRun;

    it('Given a nonconformance on LOT-WO-1001, Then the lot is held before anything else (W13)', async () => {
      run = await ProcessRun.of('deviation-capa');
      await run.start(nc);
      expect(run.openTasks()).toEqual([]);
      expect(run.job('HoldLot')).toMatchObject({
        connector: 'gemba',
        operation: 'placeHold',
        input: { lot: 'LOT-WO-1001', material: 'FG-7001', reason: 'Nonconformance: Seal width 4.35 mm above 4.2 mm', reference: 'NC-2030-00001' },
      });
      await run.completeJob('HoldLot', { holdId: 'hold-1' });
    });

    it('Then quality contains and scopes the suspect product, due within 24 hours', async () => {
      const task = run.expectTask('Containment', { name: 'Contain and scope suspect product', candidateGroups: ['quality'], formRef: 'dc-containment', meaning: null });
      expect(task.dueAt).toEqual(new Date(run.now.getTime() + 24 * HOUR));
      await run.complete('Containment', containment);
    });

    it('When the MRB dispositions "use as is" with the signature "dispositioned"', async () => {
      run.expectTask('MrbDisposition', { name: 'MRB disposition', candidateGroups: ['quality'], formRef: 'dc-mrb-disposition', meaning: 'dispositioned' });
      await run.complete('MrbDisposition', mrb('use-as-is'));
    });

    it('Then the design authority must approve with the signature "approved"', async () => {
      run.expectTask('DesignAuthority', { name: 'Design authority approval', candidateGroups: ['quality'], formRef: 'dc-design-authority', meaning: 'approved' });
      await run.complete('DesignAuthority', { designAuthorityDecision: 'approve', customerApprovalReference: '', designAuthorityRationale: 'Seal strength tested OK at 4.35 mm' });
    });

    it('And only then is the hold released', async () => {
      expect(run.job('ReleaseLot').input).toEqual({ lot: 'LOT-WO-1001', reason: 'MRB disposition use-as-is', reference: 'NC-2030-00001' });
      await run.completeJob('ReleaseLot', { releasedAt: run.now.toISOString() });
    });

    it('When quality decides no CAPA is needed, Then the record closes with the rationale', async () => {
      run.expectTask('DecideCapa', { candidateGroups: ['quality'], formRef: 'dc-capa-decision', meaning: null });
      await run.complete('DecideCapa', noCapa);
      expect(run.status).toBe('completed');
      expect(run.completed().at(-1)).toBe('EndNoCapa');
      expect(run.variables).toMatchObject({ capaRequired: 'no', capaRationale: noCapa.capaRationale });
    });
  });

  describe('Scenario: repair needs the design authority and a re-inspection', () => {
    it('Given repair approved, Then the operator repairs ("performed"), the inspector re-inspects ("inspected") and the hold is released', async () => {
      // given
      const run = await ProcessRun.of('deviation-capa');
      await toMrb(run);
      await run.complete('MrbDisposition', mrb('repair'));
      await run.complete('DesignAuthority', { designAuthorityDecision: 'approve', customerApprovalReference: 'CUST-CA-88', designAuthorityRationale: 'Repair per SRP-12 accepted' });

      // then
      run.expectTask('Repair', { name: 'Repair per approved procedure', candidateGroups: ['operator'], formRef: 'dc-repair', meaning: 'performed' });
      await run.complete('Repair', { repairProcedure: 'SRP-12', repairDescription: 'Resealed with reduced jaw temperature', repairedQuantity: 98 });
      run.expectTask('Reinspect', { name: 'Re-inspect', candidateGroups: ['inspector'], formRef: 'dc-reinspection', meaning: 'inspected' });
      await run.complete('Reinspect', { reinspectionResult: 'conforming', reinspectionNotes: 'All 98 within 3.8–4.2 mm' });
      expect(run.openJobs()).toEqual(['ReleaseLot']);
    });
  });

  describe('Scenario: the design authority returns use-as-is to the MRB', () => {
    it('Given the design authority does not approve, Then the MRB dispositions again', async () => {
      const run = await ProcessRun.of('deviation-capa');
      await toMrb(run);
      await run.complete('MrbDisposition', mrb('use-as-is'));
      await run.complete('DesignAuthority', { designAuthorityDecision: 'return', customerApprovalReference: '', designAuthorityRationale: 'Seal strength not demonstrated' });
      expect(run.openTasks()).toEqual(['MrbDisposition']);
      expect(run.openJobs()).toEqual([]);
    });
  });

  describe('Scenario: rework fails re-inspection, then the lot is scrapped and stays on hold', () => {
    let run: ProcessRun;

    it('Given rework was chosen, Then no design authority is asked and the rework is signed "performed"', async () => {
      run = await ProcessRun.of('deviation-capa');
      await toMrb(run);
      await run.complete('MrbDisposition', mrb('rework'));
      run.expectTask('Rework', { name: 'Rework to full conformance', candidateGroups: ['operator'], formRef: 'dc-rework', meaning: 'performed' });
      await run.complete('Rework', { reworkDescription: 'Re-sealed all pouches', reworkedQuantity: 98 });
    });

    it('When the re-inspection finds the lot still nonconforming, Then it goes back to the MRB', async () => {
      await run.complete('Reinspect', { reinspectionResult: 'nonconforming', reinspectionNotes: '12 pouches still above limit' });
      expect(run.openTasks()).toEqual(['MrbDisposition']);
    });

    it('When the MRB scraps it, Then the supervisor carries it out and the scrap is a genealogy event', async () => {
      await run.complete('MrbDisposition', mrb('scrap'));
      run.expectTask('CarryOut', { name: 'Carry out scrap, return or regrade', candidateGroups: ['supervisor'], formRef: 'dc-carry-out', meaning: 'performed' });
      await run.complete('CarryOut', { dispositionEvidence: 'Scrap tag S-0412', dispositionCarriedOut: true });
      expect(run.job('RecordRemoval').input).toEqual({ eventType: 'scrap', material: 'FG-7001', lot: 'LOT-WO-1001', quantity: 98, uom: 'EA', reference: 'NC-2030-00001' });
      await run.completeJob('RecordRemoval', { genealogyEventId: 'g-9' });
    });

    it('Then the hold is never released and the CAPA decision follows', () => {
      expect(run.completed()).not.toContain('ReleaseLot');
      expect(run.openTasks()).toEqual(['DecideCapa']);
    });
  });

  describe('Scenario: return to vendor and regrade', () => {
    it('Given return to vendor, Then the material leaves stock as a "return-to-vendor" genealogy event, still held', async () => {
      const run = await ProcessRun.of('deviation-capa');
      await toMrb(run);
      await run.complete('MrbDisposition', mrb('return-to-vendor'));
      await run.complete('CarryOut', { dispositionEvidence: 'RMA-77812', dispositionCarriedOut: true });
      expect(run.job('RecordRemoval').input).toMatchObject({ eventType: 'return-to-vendor' });
    });

    it('Given regrade, Then the relabelled lot is released', async () => {
      const run = await ProcessRun.of('deviation-capa');
      await toMrb(run);
      await run.complete('MrbDisposition', mrb('regrade'));
      await run.complete('CarryOut', { dispositionEvidence: 'Grade B label', dispositionCarriedOut: true });
      expect(run.openJobs()).toEqual(['ReleaseLot']);
      expect(run.completed()).not.toContain('DesignAuthority');
    });
  });
});

describe('Feature: deviation', () => {
  describe('Scenario: the batch stays blocked until QA approves (W15)', () => {
    let run: ProcessRun;
    const assessment = { deviationClass: 'major', deviationType: 'unplanned', batchImpact: 'Batch B-17 sealed at 238 °C for 4 minutes', investigationSummary: 'Heater controller drift' };

    it('Given a deviation on batch B-17, Then it is classified and assessed with the signature "reviewed"', async () => {
      run = await ProcessRun.of('deviation-capa');
      await run.start({ recordType: 'deviation', lot: 'B-17', material: 'FG-7002', severity: 'major', description: 'Sealing temperature excursion' });
      run.expectTask('AssessDeviation', { name: 'Classify deviation and assess batch impact', candidateGroups: ['quality'], formRef: 'dc-deviation-assessment', meaning: 'reviewed' });
      await run.complete('AssessDeviation', assessment);
    });

    it('Then the affected batch is held', async () => {
      expect(run.job('HoldBatches').input).toEqual({ lot: 'B-17', material: 'FG-7002', reason: 'Deviation (major): Sealing temperature excursion', reference: 'record' });
      await run.completeJob('HoldBatches', { holdId: 'hold-2' });
    });

    it('When QA returns the assessment, Then it is assessed again and the batch stays held', async () => {
      run.expectTask('QaApproveDeviation', { name: 'QA approval of the deviation', candidateGroups: ['quality'], formRef: 'dc-deviation-approval', meaning: 'approved' });
      await run.complete('QaApproveDeviation', { qaDecision: 'return', qaComment: 'Add the seal strength results' });
      expect(run.openTasks()).toEqual(['AssessDeviation']);
      await run.complete('AssessDeviation', { ...assessment, batchImpact: 'Seal strength 41 N (spec ≥ 30 N) on 20 samples' });
      expect(run.openJobs()).toEqual(['HoldBatches']);
      await run.completeJob('HoldBatches', { holdId: 'hold-2' });
      expect(run.completed()).not.toContain('ReleaseBatches');
    });

    it('When QA approves, Then the batch is released for disposition', async () => {
      await run.complete('QaApproveDeviation', { qaDecision: 'approve', qaComment: 'Impact assessed, no product risk' });
      expect(run.job('ReleaseBatches').input).toEqual({ lot: 'B-17', reason: 'Deviation approved by QA', reference: 'record' });
      await run.completeJob('ReleaseBatches', { releasedAt: run.now.toISOString() });
      expect(run.openTasks()).toEqual(['DecideCapa']);
    });
  });
});

describe('Feature: CAPA (8D)', () => {
  describe('Scenario: late containment is escalated, the plan is returned once, and an ineffective check reopens the CAPA', () => {
    let run: ProcessRun;
    const owner = 'owner';

    it('Given a nonconformance dispositioned and a CAPA decided', async () => {
      run = await ProcessRun.of('deviation-capa');
      await toMrb(run);
      await run.complete('MrbDisposition', mrb('regrade'));
      await run.complete('CarryOut', { dispositionEvidence: 'Grade B label', dispositionCarriedOut: true });
      await run.completeJob('ReleaseLot', { releasedAt: run.now.toISOString() });
      await run.complete('DecideCapa', { capaRequired: 'yes', capaRationale: 'Third seal-width NC this quarter' });
    });

    it('When quality plans the 8D (D0–D2) with the process owner as CAPA owner', async () => {
      run.expectTask('OpenCapa', { name: 'D0–D2: team and problem description', candidateGroups: ['quality'], formRef: 'dc-8d-open', meaning: null });
      await run.complete('OpenCapa', { capaOwner: owner, capaTeam: 'Owner, QA, maintenance', problemStatement: 'Seal width above USL on line 3 since week 9', capaPriority: 'high' });
    });

    it('Then D3 containment is assigned to the owner with a 48-hour containment timer', () => {
      const task = run.expectTask('Contain', { name: 'D3: interim containment', assignee: owner, formRef: 'dc-8d-containment', meaning: 'performed' });
      expect(task.candidateGroups).toEqual([]);
      expect(run.timer('ContainmentLate')).toMatchObject({ value: 'PT48H', interrupting: false, expireAt: new Date(run.now.getTime() + 48 * HOUR) });
    });

    it('When the containment is late, Then an escalation is started and containment stays open', async () => {
      await run.fire('ContainmentLate');
      expect(run.job('EscalateContainment').input).toEqual({
        processKey: 'escalation',
        businessKey: 'CAPA-LOT-WO-1001',
        eventClass: 'quality',
        title: 'CAPA containment overdue: Seal width 4.35 mm above 4.2 mm',
        lot: 'LOT-WO-1001',
        capaOwner: owner,
      });
      await run.completeJob('EscalateContainment', { instanceId: 'inst-esc-9' });
      expect(run.openTasks()).toEqual(['Contain']);
      await run.complete('Contain', { interimContainment: '100 % seal check at end of line', containmentVerified: true });
    });

    it('Then D4 root cause with its evidence, and D5 actions signed "authored" by the owner', async () => {
      run.expectTask('RootCause', { assignee: owner, formRef: 'dc-8d-root-cause', meaning: null });
      await run.complete('RootCause', { analysisMethod: '5-why', rootCause: 'Worn jaw spring', escapePoint: 'No in-process seal check', rootCauseEvidence: 'MWO-4711 teardown report' });
      run.expectTask('PlanActions', { assignee: owner, formRef: 'dc-8d-actions', meaning: 'authored' });
      await run.complete('PlanActions', { correctiveActions: 'Replace springs every 6 months', escapeActions: 'Add in-process seal width check', actionsDueDate: '2030-04-30' });
    });

    it('When QA returns the plan, Then the owner revises it; When QA approves, Then D6 follows', async () => {
      run.expectTask('ApprovePlan', { name: 'QA approval of the CAPA plan', candidateGroups: ['quality'], formRef: 'dc-8d-plan-approval', meaning: 'approved' });
      await run.complete('ApprovePlan', { planDecision: 'return', planComment: 'Add a due date per action' });
      expect(run.openTasks()).toEqual(['PlanActions']);
      await run.complete('PlanActions', { correctiveActions: 'Replace springs every 6 months (due 04-15)', escapeActions: 'In-process check (due 04-30)', actionsDueDate: '2030-04-30' });
      await run.complete('ApprovePlan', { planDecision: 'approve', planComment: 'Approved as revised' });
      run.expectTask('Implement', { assignee: owner, formRef: 'dc-8d-implement', meaning: 'performed' });
    });

    it('When D6 changes the process, Then a change control is opened', async () => {
      await run.complete('Implement', { implementationEvidence: 'Springs replaced, check added to WI', containmentRemoved: true, changeControlRequired: 'yes', changeSummary: 'Add seal width check to operation 0010' });
      expect(run.job('OpenChangeControl').input).toEqual({
        processKey: 'change-control',
        businessKey: 'CC-LOT-WO-1001',
        changeTitle: 'Add seal width check to operation 0010',
        changeReason: 'CAPA: Worn jaw spring',
        origin: 'deviation-capa',
        originReference: 'NC-2030-00001',
      });
      await run.completeJob('OpenChangeControl', { instanceId: 'inst-cc-1' });
    });

    it('Then D7 and the QA closure ("closed") schedule the effectiveness check after 90 days', async () => {
      await run.complete('PreventRecurrence', { systemicActions: 'PM plan updated for all sealers', fmeaUpdated: true, similarProductsReviewed: true, trainingCompleted: false });
      run.expectTask('CloseCapa', { name: 'D8: QA closure', candidateGroups: ['quality'], formRef: 'dc-8d-close', meaning: 'closed' });
      await run.complete('CloseCapa', { closureSummary: 'Actions implemented', teamRecognized: true });
      expect(run.openTasks()).toEqual([]);
      expect(run.timer('WaitEffectiveness')).toMatchObject({ value: 'P90D', expireAt: new Date(run.now.getTime() + 90 * DAY) });
    });

    it('When the check is inconclusive, Then it is scheduled again', async () => {
      await run.fire('WaitEffectiveness');
      run.expectTask('CheckEffectiveness', { assignee: owner, formRef: 'dc-effectiveness-check', meaning: 'performed' });
      await run.complete('CheckEffectiveness', { effectivenessResult: 'inconclusive', effectivenessEvidence: 'Line 3 idle for 8 weeks' });
      await run.complete('ApproveEffectiveness', { effectivenessEvidenceReviewed: true, effectivenessComment: '' });
      expect(run.openTimers()).toEqual(['WaitEffectiveness']);
    });

    it('When the check finds the actions ineffective and QA confirms, Then the CAPA reopens at D4 (W14)', async () => {
      await run.fire('WaitEffectiveness');
      await run.complete('CheckEffectiveness', { effectivenessResult: 'ineffective', effectivenessEvidence: 'Two seal-width NCs in May' });
      run.expectTask('ApproveEffectiveness', { name: 'QA review of the effectiveness check', candidateGroups: ['quality'], formRef: 'dc-effectiveness-approval', meaning: 'approved' });
      await run.complete('ApproveEffectiveness', { effectivenessEvidenceReviewed: true, effectivenessComment: 'Reopen' });
      expect(run.status).toBe('running');
      expect(run.openTasks()).toEqual(['RootCause']);
    });

    it('When the reopened CAPA is worked again and found effective, Then it closes as effective', async () => {
      await run.complete('RootCause', { analysisMethod: 'fault-tree', rootCause: 'Jaw temperature controller drift', escapePoint: 'Check only at start of shift', rootCauseEvidence: 'Controller calibration record' });
      await run.complete('PlanActions', { correctiveActions: 'Replace controller', escapeActions: 'Hourly checks', actionsDueDate: '2030-09-30' });
      await run.complete('ApprovePlan', { planDecision: 'approve', planComment: 'Approved as revised' });
      await run.complete('Implement', { implementationEvidence: 'Controller replaced', containmentRemoved: true, changeControlRequired: 'no', changeSummary: '' });
      expect(run.openJobs()).toEqual([]);
      await run.complete('PreventRecurrence', { systemicActions: 'Controller added to calibration plan', fmeaUpdated: true, similarProductsReviewed: true, trainingCompleted: true });
      await run.complete('CloseCapa', { closureSummary: 'Reopened CAPA closed', teamRecognized: true });
      await run.fire('WaitEffectiveness');
      await run.complete('CheckEffectiveness', { effectivenessResult: 'effective', effectivenessEvidence: 'No NC in 90 days' });
      await run.complete('ApproveEffectiveness', { effectivenessEvidenceReviewed: true, effectivenessComment: '' });
      expect(run.status).toBe('completed');
      expect(run.completed().at(-1)).toBe('EndEffective');
      expect(run.completed().filter((id) => id === 'CloseCapa')).toHaveLength(2);
    });
  });
});
