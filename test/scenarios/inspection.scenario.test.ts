
import { Plant } from './plant';

// REQUIREMENTS 1.3, W11, W12, W13, W18 through the HTTP API: the system computes the Z1.4 sample,
// an expired gauge is refused, the inspector accepts with the signature "inspected" or rejects
// with "rejected", and a rejection holds the lot, opens a QMS nonconformance and starts MRB
// handling. The record of the lot shows the plan, the results, the signature and the changed gauge.

const request = (lot: string) => ({
  lot,
  material: 'FG-7001',
  lotSize: 500,
  inspectionType: 'final',
  samplingPlan: 'aql',
  aql: '1.0',
  characteristic: 'Seal width',
  lsl: 3.8,
  usl: 4.2,
  measurementUnit: 'mm',
});
const sample = (gaugeId: string, defectsFound: number) => ({ sampleInspected: 50, measuredMin: 3.91, measuredMax: 4.12, defectsFound, gaugeId, inspectionNotes: '' });

describe('Feature: inspection through the API', () => {
  let plant: Plant;
  beforeAll(async () => {
    plant = await Plant.start({ processes: ['escalation', 'change-control', 'deviation-capa', 'inspection'] });
  });
  afterAll(async () => {
    await plant?.close();
  });

  describe('Scenario: Z1.4 sampling accepts a lot, after an expired gauge was refused', () => {
    let instanceId: string;

    it('Given an inspector requests a final inspection of 500 units at AQL 1.0', async () => {
      const started = await plant.app.http.post('/api/v1/processes/inspection/instances').set(plant.users.inspector.auth).send({ businessKey: 'LOT-A', variables: request('LOT-A') });
      expect(started.status).toBe(201);
      instanceId = started.body.id;
    });

    it('Then the system computes code letter H, n = 50, Ac 1, Re 2', async () => {
      await plant.task(plant.users.inspector, 'InspectSample', instanceId);
      expect((await plant.instance(instanceId)).variables).toMatchObject({ codeLetter: 'H', sampleSize: 50, acceptNumber: 1, rejectNumber: 2 });
    });

    it('When the sample is recorded with an expired gauge, Then it must be inspected again (W11)', async () => {
      await plant.complete(plant.users.inspector, 'InspectSample', sample('G-0007', 1), { instanceId });
      const again = await plant.task(plant.users.inspector, 'InspectSample', instanceId);
      expect(again.activityId).toBe('InspectSample');
      const history = (await plant.instance(instanceId)).history.map((h) => h.activityId);
      expect(history).toContain('GaugeNotCalibrated');
    });

    it('When it is recorded with a calibrated gauge and one defective, Then the inspector accepts with "inspected"', async () => {
      await plant.complete(plant.users.inspector, 'InspectSample', sample('G-1001', 1), { instanceId });
      const accept = await plant.task(plant.users.inspector, 'AcceptLot', instanceId);
      expect(accept.signature).toMatchObject({ meaning: 'inspected' });
      await plant.complete(plant.users.inspector, 'AcceptLot', { acceptanceConfirmed: true, acceptanceNote: 'Sample within limits' }, { instanceId });
      const ended = await plant.ended(instanceId);
      expect(ended.history.map((h) => h.activityId)).toContain('EndAccepted');
    });

    it('Then the lot record shows the plan, the decision, the signature and the gauge entered again', async () => {
      const response = await plant.app.http.get('/api/v1/records/lot/LOT-A').set(plant.users.quality.auth);
      expect(response.status).toBe(200);
      const [inspection] = response.body.inspections;
      expect(inspection).toMatchObject({ decision: 'accepted', plan: { codeLetter: 'H', sampleSize: 50, acceptNumber: 1, rejectNumber: 2 } });
      expect(inspection.signatures).toEqual([expect.objectContaining({ printedName: 'Ines Park', meaning: 'inspected', valid: true })]);
      expect(response.body.changedEntries).toEqual([expect.objectContaining({ field: 'gaugeId', firstValue: 'G-0007', value: 'G-1001' })]);
      expect(response.body.gauges.map((g: { gaugeId: string; calibratedAtUse: boolean }) => [g.gaugeId, g.calibratedAtUse])).toEqual([
        ['G-0007', false],
        ['G-1001', true],
      ]);
    });
  });

  describe('Scenario: a rejected lot is held, reported to the QMS and handed to the MRB (W13)', () => {
    let instanceId: string;

    it('Given two defectives in the sample (Re = 2)', async () => {
      const started = await plant.app.http.post('/api/v1/processes/inspection/instances').set(plant.users.inspector.auth).send({ businessKey: 'LOT-B', variables: request('LOT-B') });
      instanceId = started.body.id;
      await plant.complete(plant.users.inspector, 'InspectSample', sample('G-1001', 2), { instanceId });
    });

    it('When the inspector rejects the lot with "rejected"', async () => {
      const reject = await plant.task(plant.users.inspector, 'RejectLot', instanceId);
      expect(reject.signature).toMatchObject({ meaning: 'rejected' });
      await plant.complete(plant.users.inspector, 'RejectLot', { rejectionReason: 'attribute', nonconformingQuantity: 2, rejectionNotes: 'Two pouches with open seals' }, { instanceId });
      await plant.ended(instanceId);
    });

    it('Then the lot is on hold, a nonconformance is open in the QMS, and the MRB process holds the lot under its number', async () => {
      const holds = await plant.app.http.get('/api/v1/lots/LOT-B/holds').set(plant.users.operator.auth);
      expect(holds.body.onHold).toBe(true);
      const variables = (await plant.instance(instanceId)).variables;
      expect(variables.ncNumber).toMatch(/^NC-\d{4}-\d{5}$/);
      expect(plant.qms.nonconformances().map((nc) => [nc.ncNumber, nc.lot])).toEqual([[variables.ncNumber, 'LOT-B']]);
      const mrb = await plant.instance(variables.ncInstanceId);
      expect(mrb).toMatchObject({ key: 'deviation-capa', businessKey: variables.ncNumber, variables: { recordType: 'nonconformance', lot: 'LOT-B' } });
      await plant.task(plant.users.quality, 'Containment', mrb.id);
      expect(holds.body.items.map((h: { reference: string }) => h.reference)).toEqual(expect.arrayContaining([`inspection LOT-B`]));
    });
  });
});
