import { DAY, ProcessRun } from './support';

// REQUIREMENTS 1.6 and W16: parallel functional impact assessments, the change board's signed
// approval or rejection, an implementation plan with validation and rollback plans and
// effectivity, a new process version through the controlled-versions path, verification and a
// timed effectiveness review before QA closure.

const request = {
  changeTitle: 'Add seal width check to operation 0010',
  changeReason: 'CAPA: worn jaw spring escaped detection',
  changeDescription: 'New data collection step after sealing',
  changeClass: 'process',
  changeDuration: 'permanent',
  emergencyChange: false,
  affectedItems: 'operation-execution v1; WI-0010 rev C',
  affectedProcessKey: 'operation-execution',
};
const assessments = {
  AssessQuality: { qualityImpact: 'Improves detection', regulatoryImpact: 'none', customerNotification: 'not-required' },
  AssessValidation: { validationScope: 'partial', csaRisk: 'medium', validationImpact: 'Scenario tests of operation-execution' },
  AssessManufacturing: { manufacturingImpact: '+20 s cycle time', oldRevisionMaterial: 'not-applicable', trainingRequired: 'yes', partialFaiRequired: 'no' },
};
const plan = (newProcessVersion: 'yes' | 'no') => ({
  implementationPlan: 'Update WI, release new process version, train operators',
  validationPlan: 'Run the scenario tests on the new version',
  rollbackPlan: 'Re-release operation-execution v1',
  effectiveDate: '2030-04-01',
  effectivity: 'Orders released after 2030-04-01',
  newProcessVersion,
});
const version = (status: string) => ({ versionId: '7d0c8a52-58a4-4bd6-9f0e-2b1f6f3f4c11', versionKey: 'operation-execution', versionNumber: 2, versionStatus: status, versionSha256: 'b7e2' });

async function assessed(run: ProcessRun) {
  await run.complete('DescribeChange', request);
  for (const [task, data] of Object.entries(assessments)) await run.complete(task, data);
}

describe('Feature: change control', () => {
  describe('Scenario: an approved change with a new process version', () => {
    let run: ProcessRun;

    it('Given a change request', async () => {
      run = await ProcessRun.of('change-control');
      await run.start({});
      run.expectTask('DescribeChange', { name: 'Describe the change request', candidateGroups: ['process_owner', 'quality', 'supervisor'], formRef: 'cc-request', meaning: null });
      await run.complete('DescribeChange', request);
    });

    it('Then three impact assessments run in parallel, each signed', () => {
      expect(run.openTasks()).toEqual(['AssessManufacturing', 'AssessQuality', 'AssessValidation']);
      run.expectTask('AssessQuality', { candidateGroups: ['quality'], formRef: 'cc-assess-quality', meaning: 'reviewed' });
      run.expectTask('AssessValidation', { candidateGroups: ['validation_reviewer'], formRef: 'cc-assess-validation', meaning: 'reviewed' });
      run.expectTask('AssessManufacturing', { candidateGroups: ['supervisor'], formRef: 'cc-assess-manufacturing', meaning: 'performed' });
    });

    it('When two are done, Then the board still waits for the third', async () => {
      await run.complete('AssessValidation', assessments.AssessValidation);
      await run.complete('AssessQuality', assessments.AssessQuality);
      expect(run.openTasks()).toEqual(['AssessManufacturing']);
      await run.complete('AssessManufacturing', assessments.AssessManufacturing);
      run.expectTask('CcbReview', { name: 'Change board review', candidateGroups: ['quality'], formRef: 'cc-ccb-review', meaning: null });
    });

    it('When the board approves, Then the approval is signed "approved" (AS9100 8.5.6)', async () => {
      await run.complete('CcbReview', { ccbMembers: 'QA, engineering, production', reviewResults: 'Benefit outweighs cycle time', ccbDecision: 'approve' });
      run.expectTask('SignApproval', { name: 'Sign the change approval', candidateGroups: ['quality'], formRef: 'cc-ccb-approval', meaning: 'approved' });
      await run.complete('SignApproval', { approvalConditions: '' });
    });

    it('Then the process owner authors the plan with validation and rollback plans', async () => {
      run.expectTask('PlanImplementation', { candidateGroups: ['process_owner'], formRef: 'cc-implementation-plan', meaning: 'authored' });
      await run.complete('PlanImplementation', plan('yes'));
      // The plant implements against the released version: the version comes first.
      expect(run.openTasks()).toEqual(['LinkVersion']);
    });

    it('When the linked version is only approved, Then the change waits for its release', async () => {
      run.expectTask('LinkVersion', { name: 'Release the new process version and link it', candidateGroups: ['process_owner'], formRef: 'cc-process-version', meaning: null });
      await run.complete('LinkVersion', { processVersionId: version('approved').versionId, versionNote: 'submitted' });
      expect(run.job('CheckVersion')).toMatchObject({ connector: 'gemba', operation: 'getProcessVersion', input: { versionId: version('approved').versionId } });
      await run.completeJob('CheckVersion', version('approved'));
      expect(run.openTasks()).toEqual(['LinkVersion']);
    });

    it('When it is released, Then the implementation tasks follow', async () => {
      await run.complete('LinkVersion', { processVersionId: version('released').versionId, versionNote: 'released 03-20' });
      await run.completeJob('CheckVersion', version('released'));
      expect(run.openTasks()).toEqual(['ImplementTasks']);
      run.expectTask('ImplementTasks', { candidateGroups: ['process_owner', 'supervisor'], formRef: 'cc-implementation-tasks', meaning: 'performed' });
      expect(run.variables).toMatchObject({ linkedVersionStatus: 'released', linkedVersionKey: 'operation-execution', linkedVersionNumber: 2, linkedVersionSha256: 'b7e2' });
      await run.complete('ImplementTasks', { documentsUpdated: true, equipmentUpdated: false, trainingCompleted: true, implementationNotes: 'WI-0010 rev D issued' });
    });

    it('Then quality verifies the implementation ("verified") and the effectiveness review is due in 30 days', async () => {
      run.expectTask('VerifyImplementation', { candidateGroups: ['quality'], formRef: 'cc-verify', meaning: 'verified' });
      await run.complete('VerifyImplementation', { verificationEvidence: 'Scenario test report TR-118', testsExecuted: true });
      expect(run.timer('WaitReview')).toMatchObject({ value: 'P30D', expireAt: new Date(run.now.getTime() + 30 * DAY) });
    });

    it('When the review finds it effective, Then QA closes the change ("closed")', async () => {
      await run.fire('WaitReview');
      run.expectTask('ReviewEffectiveness', { candidateGroups: ['quality'], formRef: 'cc-effectiveness', meaning: 'reviewed' });
      await run.complete('ReviewEffectiveness', { changeEffective: 'yes', kpiEvidence: 'No seal-width NC in 30 days' });
      run.expectTask('CloseChange', { candidateGroups: ['quality'], formRef: 'cc-closure', meaning: 'closed' });
      await run.complete('CloseChange', { closureNote: '' });
      expect(run.status).toBe('completed');
      expect(run.completed().at(-1)).toBe('EndClosed');
    });
  });

  describe('Scenario: the change board rejects the change', () => {
    it('Given all assessments, When the board rejects, Then the rejection is signed "rejected" and nothing is implemented', async () => {
      // given
      const run = await ProcessRun.of('change-control');
      await run.start({});
      await assessed(run);

      // when
      await run.complete('CcbReview', { ccbMembers: 'QA, engineering', reviewResults: 'Validation effort not justified', ccbDecision: 'reject' });

      // then
      run.expectTask('SignRejection', { name: 'Sign the change rejection', candidateGroups: ['quality'], formRef: 'cc-ccb-rejection', meaning: 'rejected' });
      await run.complete('SignRejection', { rejectionReason: 'Validation effort not justified by the risk' });
      expect(run.status).toBe('completed');
      expect(run.completed().at(-1)).toBe('EndRejected');
      expect(run.completed()).not.toContain('SignApproval');
      expect(run.completed()).not.toContain('PlanImplementation');
    });
  });

  describe('Scenario: an ineffective change is re-planned', () => {
    it('Given a change without a new process version, When the review finds it ineffective, Then the process owner plans again', async () => {
      // given
      const run = await ProcessRun.of('change-control');
      await run.start({ changeTitle: 'Add seal width check', changeReason: 'CAPA: worn spring', origin: 'deviation-capa', originReference: 'NC-2030-00001' });
      await assessed(run);
      await run.complete('CcbReview', { ccbMembers: 'QA, production', reviewResults: 'Approved to proceed', ccbDecision: 'approve' });
      await run.complete('SignApproval', { approvalConditions: 'Train all shifts' });
      await run.complete('PlanImplementation', plan('no'));
      expect(run.openTasks()).toEqual(['ImplementTasks']);
      await run.complete('ImplementTasks', { documentsUpdated: true, equipmentUpdated: true, trainingCompleted: true, implementationNotes: 'Done' });
      await run.complete('VerifyImplementation', { verificationEvidence: 'Checked on line', testsExecuted: true });
      await run.fire('WaitReview');

      // when
      await run.complete('ReviewEffectiveness', { changeEffective: 'no', kpiEvidence: 'NC rate unchanged' });

      // then
      expect(run.openTasks()).toEqual(['PlanImplementation']);
      expect(run.completed()).not.toContain('LinkVersion');
      expect(run.variables).toMatchObject({ origin: 'deviation-capa', originReference: 'NC-2030-00001' });
    });
  });
});
