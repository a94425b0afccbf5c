
import { Plant } from './plant';
import { loadLibraryProcess } from '../../server/platform/standard-library';

// REQUIREMENTS 1.6 and W16 through the API: three functional assessments in parallel, each signed;
// the change board's decision signed "approved"; the implementation plan "authored"; a new process
// version released through the controlled path and linked (the change waits until it is released,
// checked by gemba.getProcessVersion); verification "verified"; the effectiveness review 30 days
// later on the controlled clock; QA closure "closed".

const DAY = 86_400_000;
const revisionB = (xml: string) => xml.replace('</bpmn:documentation>', ' Revision B: the seal width is checked in process.</bpmn:documentation>');

describe('Feature: change control through the API', () => {
  let plant: Plant;
  let instanceId: string;
  let draftId: string;
  beforeAll(async () => {
    plant = await Plant.start({ processes: ['change-control', 'inspection'] });
  });
  afterAll(async () => {
    await plant?.close();
  });

  describe('Scenario: an approved change releases a new version of the inspection process', () => {
    it('Given the process owner requests a change to the inspection process', async () => {
      const started = await plant.app.http.post('/api/v1/processes/change-control/instances').set(plant.users.owner.auth).send({ businessKey: 'CC-2030-001', variables: {} });
      expect(started.status).toBe(201);
      instanceId = started.body.id;
      await plant.complete(
        plant.users.owner,
        'DescribeChange',
        {
          changeTitle: 'Seal width check in final inspection',
          changeReason: 'CAPA NC-2030-00042',
          changeDescription: 'Add the seal width to the inspection documentation',
          changeClass: 'process',
          changeDuration: 'permanent',
          emergencyChange: false,
          affectedItems: 'inspection v1',
          affectedProcessKey: 'inspection',
        },
        { instanceId },
      );
    });

    it('Then quality, validation and manufacturing assess it in parallel, each signing', async () => {
      const tasks = await Promise.all([
        plant.task(plant.users.quality, 'AssessQuality', instanceId),
        plant.task(plant.users.validator, 'AssessValidation', instanceId),
        plant.task(plant.users.supervisor, 'AssessManufacturing', instanceId),
      ]);
      expect(tasks.map((t) => t.signature?.meaning)).toEqual(['reviewed', 'reviewed', 'performed']);
      await plant.complete(plant.users.validator, 'AssessValidation', { validationScope: 'partial', csaRisk: 'medium', validationImpact: 'Scenario tests of inspection' }, { instanceId });
      await plant.complete(plant.users.quality, 'AssessQuality', { qualityImpact: 'Improves detection', regulatoryImpact: 'none', customerNotification: 'not-required' }, { instanceId });
      await plant.complete(plant.users.supervisor, 'AssessManufacturing', { manufacturingImpact: '+20 s per lot', oldRevisionMaterial: 'not-applicable', trainingRequired: 'yes', partialFaiRequired: 'no' }, { instanceId });
    });

    it('When the board approves, Then quality signs the approval and the owner authors the plan', async () => {
      await plant.complete(plant.users.quality, 'CcbReview', { ccbMembers: 'QA, engineering, production', reviewResults: 'Benefit outweighs effort', ccbDecision: 'approve' }, { instanceId });
      const approval = await plant.task(plant.users.quality, 'SignApproval', instanceId);
      expect(approval.signature).toMatchObject({ meaning: 'approved' });
      await plant.complete(plant.users.quality, 'SignApproval', { approvalConditions: 'Train all shifts first' }, { instanceId });
      await plant.complete(
        plant.users.owner,
        'PlanImplementation',
        { implementationPlan: 'New inspection version, WI update, training', validationPlan: 'Scenario tests', rollbackPlan: 'Re-release inspection v1', effectiveDate: '2030-04-01', effectivity: 'Lots inspected after release', newProcessVersion: 'yes' },
        { instanceId },
      );
    });

    it('When the owner links the new version while it is only approved, Then the change waits for its release', async () => {
      const library = await plant.app.http.get('/api/v1/processes').set(plant.users.owner.auth);
      const v1 = library.body.items.find((p: { key: string }) => p.key === 'inspection').released;
      const draft = await plant.app.http.post('/api/v1/process-versions').set(plant.users.owner.auth).send({ xml: revisionB(loadLibraryProcess('inspection').xml), changeReason: 'CC-2030-001', forms: loadLibraryProcess('inspection').forms, basedOnId: v1.id });
      expect(draft.status).toBe(201);
      draftId = draft.body.id;
      expect((await plant.app.http.post(`/api/v1/process-versions/${draftId}/submit`).set(plant.users.owner.auth).send({})).status).toBe(200);
      const approve = await plant.app.http.post(`/api/v1/process-versions/${draftId}/approve`).set(plant.users.reviewer.auth).send({ password: plant.users.reviewer.user.password, meaning: 'approved' });
      expect(approve.status).toBe(200);

      await plant.complete(plant.users.owner, 'LinkVersion', { processVersionId: draftId, versionNote: 'approved, release pending' }, { instanceId });
      await plant.task(plant.users.owner, 'LinkVersion', instanceId);
      expect((await plant.instance(instanceId)).variables).toMatchObject({ linkedVersionStatus: 'approved', linkedVersionKey: 'inspection', linkedVersionNumber: 2 });
    });

    it('When the version is released and linked again, Then quality verifies the implementation', async () => {
      const release = await plant.app.http.post(`/api/v1/process-versions/${draftId}/release`).set(plant.users.owner.auth).send({ password: plant.users.owner.user.password, meaning: 'released' });
      expect(release.status).toBe(200);
      await plant.complete(plant.users.owner, 'LinkVersion', { processVersionId: draftId, versionNote: 'released' }, { instanceId });
      await plant.complete(plant.users.supervisor, 'ImplementTasks', { documentsUpdated: true, equipmentUpdated: false, trainingCompleted: true, implementationNotes: 'WI-0020 rev B issued, shifts trained' }, { instanceId });
      const verify = await plant.task(plant.users.quality, 'VerifyImplementation', instanceId);
      expect(verify.signature).toMatchObject({ meaning: 'verified' });
      expect((await plant.instance(instanceId)).variables).toMatchObject({ linkedVersionStatus: 'released', linkedVersionSha256: release.body.sha256 });
      await plant.complete(plant.users.quality, 'VerifyImplementation', { verificationEvidence: 'Scenario test report TR-118', testsExecuted: true }, { instanceId });
    });

    it('Then the effectiveness review is due after 30 days, and QA closes the change', async () => {
      await plant.advance(30 * DAY + 1000);
      await plant.complete(plant.users.quality, 'ReviewEffectiveness', { changeEffective: 'yes', kpiEvidence: 'No seal-width NC in 30 days' }, { instanceId });
      const close = await plant.task(plant.users.quality, 'CloseChange', instanceId);
      expect(close.signature).toMatchObject({ meaning: 'closed' });
      await plant.complete(plant.users.quality, 'CloseChange', { closureNote: '' }, { instanceId });
      const ended = await plant.ended(instanceId);
      expect(ended.history.map((h) => h.activityId)).toContain('EndClosed');
      const signatures = await plant.app.deps.db('signatures as s').joinRaw('join user_tasks as t on t.id::text = s.record_id').where('t.instance_id', instanceId).select('s.meaning', 's.printed_name').orderBy('s.signed_at');
      expect(signatures.map((s) => `${s.printed_name}:${s.meaning}`)).toEqual([
        'Valerie Vance:reviewed',
        'Quinn Morales:reviewed',
        'Sam Sato:performed',
        'Quinn Morales:approved',
        'Olivia Owens:authored',
        'Sam Sato:performed',
        'Quinn Morales:verified',
        'Quinn Morales:reviewed',
        'Quinn Morales:closed',
      ]);
    });
  });
});
