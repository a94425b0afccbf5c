// node-opcua is ESM-only: the simulator and the connector load Node's own copy (see the support file).
jest.mock('node-opcua', () => require('../integration/opcua/support/native-opcua').loadNativeOpcua());

import { quietOpcUaLogs } from '../integration/opcua/support/logging';
import { startCellSimulator, type CellSimulator } from '../../server/adapters/simulators/opcua-cell';
import { Plant } from './plant';

// REQUIREMENTS 1.2, W10, W11, W18, C10, C18 through the HTTP API with the OPC UA cell simulator:
// line clearance and the critical measurement are performed by one operator and verified by
// another (the performer cannot verify their own entry); the consumed component lot and the
// produced lot are genealogy events; the job order runs on the cell and its counters come back;
// a value above the upper limit raises a QMS nonconformance, holds the output lot and starts MRB
// handling before the operation can complete; the held lot is not confirmed to the ERP until
// the MRB releases it.

const MINUTE = 60_000;

const dispatched = {
  orderId: 'WO-1001',
  operation: '0010',
  partNumber: 'FG-7001',
  quantity: 20,
  unit: 'EA',
  equipmentId: 'cell-1',
  componentMaterial: 'RM-1001',
  outputLot: 'LOT-WO-1001',
  characteristic: 'Seal width',
  nominal: 4,
  lsl: 3.8,
  usl: 4.2,
  measurementUnit: 'mm',
  firstArticle: 'none',
};

describe('Feature: operation execution through the API, with the OPC UA cell', () => {
  let plant: Plant;
  let cell: CellSimulator;
  let instanceId: string;
  let inspectionInstanceId: string;
  beforeAll(async () => {
    quietOpcUaLogs();
    cell = await startCellSimulator({ port: 0, cycleTimeMs: 15, transitionMs: 10, defectEvery: 10 });
    plant = await Plant.start({ processes: ['escalation', 'change-control', 'deviation-capa', 'inspection', 'operation-execution'], cell });
  });
  afterAll(async () => {
    await plant?.close();
    await cell?.stop();
  });

  describe('Scenario: an out-of-limit seal width is contained before the order is confirmed', () => {
    it('Given a supervisor dispatches operation 0010 of WO-1001 to cell-1', async () => {
      const started = await plant.app.http.post('/api/v1/processes/operation-execution/instances').set(plant.users.supervisor.auth).send({ businessKey: 'WO-1001', variables: dispatched });
      expect(started.status).toBe(201);
      instanceId = started.body.id;
    });

    it('When the operator performs line clearance, Then the same operator cannot verify it (C10) and a second operator does (C18)', async () => {
      const task = await plant.task(plant.users.operator, 'LineClearance', instanceId);
      expect(task.signature).toMatchObject({ meaning: 'performed', verifierRequired: true });
      const performed = await plant.app.http
        .post(`/api/v1/tasks/${task.id}/complete`)
        .set(plant.users.operator.auth)
        .send({ variables: { previousMaterialRemoved: true, lineClean: true, setupVerified: true, clearanceNotes: '' }, signature: { password: plant.users.operator.user.password, meaning: 'performed' } });
      expect(performed.status).toBe(200);
      const bySelf = await plant.app.http.post(`/api/v1/tasks/${task.id}/verify`).set(plant.users.operator.auth).send({ password: plant.users.operator.user.password, meaning: 'verified' });
      expect(bySelf.status).toBe(403);
      expect(bySelf.headers['content-type']).toMatch(/problem\+json/);
      expect(bySelf.body.detail).toMatch(/performer of a step cannot verify it/);
      await plant.task(plant.users.operator, 'LineClearance', instanceId, 'awaiting_verification');
      const verified = await plant.app.http.post(`/api/v1/tasks/${task.id}/verify`).set(plant.users.operator2.auth).send({ password: plant.users.operator2.user.password, meaning: 'verified' });
      expect(verified.status).toBe(200);
      const signatures = await plant.app.deps.db('signatures').where({ record_id: task.id }).orderBy('signed_at').select('printed_name', 'meaning');
      expect(signatures.map((s) => `${s.printed_name}:${s.meaning}`)).toEqual(['Oscar Novak:performed', 'Vera Verifier:verified']);
    });

    it('When the operator scans the component lot, Then its consumption into the output lot is a genealogy event', async () => {
      await plant.complete(plant.users.operator, 'ScanComponent', { scannedMaterial: 'RM-1001', scannedLot: 'L-2026-001', consumedQuantity: 10.5, consumedUom: 'KG', moreComponents: 'no' }, { instanceId });
      const trace = await plant.app.http.get('/api/v1/trace/LOT-WO-1001?direction=backward').set(plant.users.operator.auth);
      expect(trace.status).toBe(200);
      expect(trace.body.nodes.map((n: { identifier: string; material: string }) => `${n.material}/${n.identifier}`)).toEqual(expect.arrayContaining(['FG-7001/LOT-WO-1001', 'RM-1001/L-2026-001']));
      const consumed = trace.body.edges.map((e: { event: Record<string, unknown> }) => e.event);
      expect(consumed).toEqual([
        expect.objectContaining({ eventType: 'consume', material: 'RM-1001', lot: 'L-2026-001', quantity: 10.5, uom: 'KG', equipmentId: 'cell-1', processKey: 'operation-execution', versionSha256: plant.versions.get('operation-execution')!.sha256 }),
      ]);
    });

    it('Then the job order runs on the cell and its counters are read back', async () => {
      await plant.until(() => cell.job, 'the job order on the cell');
      expect(cell.job).toMatchObject({ jobId: 'WO-1001-0010', partNumber: 'FG-7001', quantity: 20 });
      await Plant.jobStatus(cell, 'Completed');
      await plant.advance(MINUTE);
      await plant.task(plant.users.operator, 'MeasureCharacteristic', instanceId);
      expect((await plant.instance(instanceId)).variables).toMatchObject({ jobStatus: 'Completed', processedCount: 20, defectiveCount: 2 });
    });

    it('When 4.35 mm is measured (USL 4.2) and verified, Then a nonconformance is raised, the lot held and MRB started before the operation can complete (W10)', async () => {
      const measure = await plant.task(plant.users.operator, 'MeasureCharacteristic', instanceId);
      expect(measure.signature).toMatchObject({ meaning: 'performed', verifierRequired: true });
      await plant.complete(plant.users.operator, 'MeasureCharacteristic', { measuredValue: 4.35, gaugeId: 'G-1001', measurementNotes: 'Seal looks wide' }, { instanceId, verifier: plant.users.operator2 });
      await plant.task(plant.users.operator, 'CompleteOperation', instanceId);
      const instance = await plant.instance(instanceId);
      const order = instance.history.map((h) => h.activityId);
      expect(order.indexOf('RaiseNonconformance')).toBeGreaterThan(order.indexOf('MeasureCharacteristic'));
      expect(order.indexOf('PlaceHold')).toBeGreaterThan(order.indexOf('RaiseNonconformance'));
      expect(order.indexOf('StartMrb')).toBeGreaterThan(order.indexOf('PlaceHold'));
      expect(plant.qms.nonconformances()).toEqual([expect.objectContaining({ ncNumber: instance.variables.ncNumber, lot: 'LOT-WO-1001', orderId: 'WO-1001' })]);
      const holds = await plant.app.http.get('/api/v1/lots/LOT-WO-1001/holds').set(plant.users.operator.auth);
      expect(holds.body).toMatchObject({ onHold: true, items: [expect.objectContaining({ reference: instance.variables.ncNumber, status: 'active' })] });
      const mrb = await plant.instance(instance.variables.ncInstanceId);
      expect(mrb).toMatchObject({ key: 'deviation-capa', businessKey: instance.variables.ncNumber, variables: { recordType: 'nonconformance', lot: 'LOT-WO-1001' } });
    });

    it('When the operator completes the operation, Then production is a genealogy event and the execution waits for the final inspection, confirming nothing (W18)', async () => {
      const complete = await plant.task(plant.users.operator, 'CompleteOperation', instanceId);
      expect(complete.signature).toMatchObject({ meaning: 'performed' });
      await plant.complete(plant.users.operator, 'CompleteOperation', { producedQuantity: 18, scrapQuantity: 2, scrapReason: 'setup', handoverNotes: '' }, { instanceId });
      inspectionInstanceId = await plant.childOf(instanceId, 'inspection');
      await plant.task(plant.users.inspector, 'InspectSample', inspectionInstanceId);
      expect(await plant.instance(inspectionInstanceId)).toMatchObject({ businessKey: 'LOT-WO-1001', variables: { lot: 'LOT-WO-1001', lotSize: 18, inspectionType: 'final', samplingPlan: 'aql' } });
      const waiting = await plant.instance(instanceId);
      expect(waiting.status).toBe('running');
      expect(waiting.history.map((h) => h.activityId)).not.toEqual(expect.arrayContaining(['CheckHold']));
      expect(waiting.history.map((h) => h.activityId)).not.toContain('ConfirmToErp');
      expect(plant.erp.confirmations().filter((c) => c.orderId === 'WO-1001')).toEqual([]);
      const produced = await plant.app.deps.db('genealogy_events').where({ instance_id: instanceId, event_type: 'produce' });
      expect(produced).toEqual([expect.objectContaining({ material: 'FG-7001', lot: 'LOT-WO-1001', uom: 'EA', equipment_id: 'cell-1', performed_by: plant.users.operator.user.username })]);
      expect(Number(produced[0].quantity)).toBe(18);
    });

    it('When the inspector accepts the lot while the nonconformance still holds it, Then the hold is checked only now and the lot is not confirmed (W18)', async () => {
      await plant.complete(plant.users.inspector, 'InspectSample', { sampleInspected: 5, measuredMin: 3.9, measuredMax: 4.1, defectsFound: 0, gaugeId: 'G-1001', inspectionNotes: '' }, { instanceId: inspectionInstanceId });
      await plant.complete(plant.users.inspector, 'AcceptLot', { acceptanceConfirmed: true, acceptanceNote: 'Sample conforms' }, { instanceId: inspectionInstanceId });
      await plant.ended(inspectionInstanceId);
      await plant.task(plant.users.supervisor, 'ResolveHold', instanceId);
      const instance = await plant.instance(instanceId);
      expect(instance.variables).toMatchObject({ inspectionDecision: 'accepted', lotOnHold: true });
      expect(plant.erp.confirmations().filter((c) => c.orderId === 'WO-1001')).toEqual([]);
    });

    it('When the MRB reworks the lot and releases the hold, Then the supervisor\'s re-check confirms the order to the ERP once', async () => {
      const { ncInstanceId } = (await plant.instance(instanceId)).variables;
      await plant.complete(plant.users.quality, 'Containment', { suspectScope: 'LOT-WO-1001 only', containmentActions: 'Quarantined', stopShip: true, customerNotification: 'not-required', quarantineLocation: 'Q1' }, { instanceId: ncInstanceId });
      await plant.complete(plant.users.quality, 'MrbDisposition', { disposition: 'rework', dispositionQuantity: 18, mrbMembers: 'QA, engineering', dispositionRationale: 'Re-seal restores conformity' }, { instanceId: ncInstanceId });
      await plant.complete(plant.users.operator, 'Rework', { reworkDescription: 'Re-sealed', reworkedQuantity: 18 }, { instanceId: ncInstanceId });
      await plant.complete(plant.users.inspector, 'Reinspect', { reinspectionResult: 'conforming', reinspectionNotes: 'All within limits' }, { instanceId: ncInstanceId });
      await plant.complete(plant.users.quality, 'DecideCapa', { capaRequired: 'no', capaRationale: 'Isolated setup error' }, { instanceId: ncInstanceId });
      await plant.ended(ncInstanceId);
      expect(plant.erp.confirmations().filter((c) => c.orderId === 'WO-1001')).toEqual([]);

      await plant.complete(plant.users.supervisor, 'ResolveHold', { holdResolutionNote: 'Released by the MRB after rework' }, { instanceId });
      const ended = await plant.ended(instanceId);
      expect(ended.variables).toMatchObject({ lotOnHold: false, erpConfirmationNumber: expect.stringMatching(/^CNF-/) });
      expect(plant.erp.confirmations().filter((c) => c.orderId === 'WO-1001')).toEqual([expect.objectContaining({ yieldQuantity: 18, scrapQuantity: 2, workCenter: 'cell-1' })]);
    });

    it('Then the component lot traces forward into the produced lot, with who, where and under which version', async () => {
      const forward = await plant.app.http.get('/api/v1/trace/L-2026-001?direction=forward').set(plant.users.quality.auth);
      expect(forward.status).toBe(200);
      expect(forward.body.ends.map((n: { identifier: string }) => n.identifier)).toEqual(['LOT-WO-1001']);
      const history = await plant.app.http.get('/api/v1/trace/LOT-WO-1001?direction=backward').set(plant.users.quality.auth);
      expect(history.body.history.map((e: { eventType: string; statusTo?: string; status?: string }) => e.eventType)).toEqual(expect.arrayContaining(['consume', 'produce', 'status']));
    });
  });
});
