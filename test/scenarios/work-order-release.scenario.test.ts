// node-opcua is ESM-only: the simulator and the connector load Node's own copy (see the support file).
jest.mock('node-opcua', () => require('../integration/opcua/support/native-opcua').loadNativeOpcua());

import { startCellSimulator, type CellSimulator } from '../../server/adapters/simulators/opcua-cell';
import { quietOpcUaLogs } from '../integration/opcua/support/logging';
import { Plant } from './plant';

// REQUIREMENTS 1.1 through the HTTP API against the simulated ERP and QMS and the OPC UA cell: the
// order is validated in the ERP; material, equipment state, open deviations and the released work
// instructions are checked as service calls; quality decides the first article; only a supervisor
// releases, with the signature "released"; the ERP gets the acknowledgement and operation execution
// starts with the version hash of the work instructions. A component lot on QC hold fails the gate;
// the supervisor's signed checklist then blocks the order and reports it to the ERP.

const order = (componentLot: string) => ({
  orderId: 'WO-1001',
  partNumber: 'FG-7001',
  quantity: 100,
  unit: 'EA',
  equipmentId: 'cell-1',
  componentMaterial: 'RM-1001',
  componentQuantity: 20,
  componentLot,
  characteristic: 'Seal width',
  nominal: 4,
  lsl: 3.8,
  usl: 4.2,
  measurementUnit: 'mm',
});

describe('Feature: work order release through the API', () => {
  let plant: Plant;
  let cell: CellSimulator;
  beforeAll(async () => {
    quietOpcUaLogs();
    cell = await startCellSimulator({ port: 0, cycleTimeMs: 15, transitionMs: 10 });
    plant = await Plant.start({ cell });
  });
  afterAll(async () => {
    await plant?.close();
    await cell?.stop();
  });

  describe('Scenario: every readiness gate passes and the supervisor releases the order', () => {
    let instanceId: string;

    it('Given a supervisor starts the release of WO-1001 by hand', async () => {
      const started = await plant.app.http.post('/api/v1/processes/work-order-release/instances').set(plant.users.supervisor.auth).send({ businessKey: 'WO-1001', variables: order('L-2026-001') });
      expect(started.status).toBe(201);
      instanceId = started.body.id;
    });

    it('Then the ERP, the cell, the QMS and the released work instructions are checked before quality decides the first article', async () => {
      const fai = await plant.task(plant.users.quality, 'DetermineFai', instanceId);
      expect(fai.signature).toBeNull();
      const { variables, history } = await plant.instance(instanceId);
      expect(variables).toMatchObject({
        erpOrderStatus: 'RELEASED',
        materialAvailable: true,
        equipmentState: 'Idle',
        lotBlocked: false,
        documentsCurrent: true,
        checkedVersion: 1,
        checkedVersionSha256: plant.versions.get('operation-execution')!.sha256,
      });
      expect(history.map((h) => h.activityId)).not.toContain('ReadinessChecklist');
      expect(plant.erp.calls().map((c) => `${c.method} ${c.path}`)).toEqual(expect.arrayContaining(['GET /orders/WO-1001', 'GET /materials/RM-1001/availability']));
      await plant.complete(plant.users.quality, 'DetermineFai', { faiNewPart: false, faiDesignChange: false, faiProcessChange: false, faiProgramChange: false, faiLapse: false, faiRequired: 'none', faiRationale: 'Running part, no change' }, { instanceId });
    });

    it('When an operator tries to release the order, Then it is refused and nothing changes', async () => {
      const release = await plant.task(plant.users.supervisor, 'ReleaseOrder', instanceId);
      expect(release.signature).toMatchObject({ meaning: 'released' });
      const byOperator = await plant.app.http
        .post(`/api/v1/tasks/${release.id}/complete`)
        .set(plant.users.operator.auth)
        .send({ variables: { travelerChecked: true, toolingVerified: true, personnelQualified: true, releaseComment: '' }, signature: { password: plant.users.operator.user.password, meaning: 'released' } });
      expect([403, 404]).toContain(byOperator.status);
      expect(byOperator.headers['content-type']).toMatch(/problem\+json/);
      expect((await plant.task(plant.users.supervisor, 'ReleaseOrder', instanceId)).id).toBe(release.id);
      expect(plant.erp.acknowledgements()).toEqual([]);
    });

    it('When the supervisor releases it with "released", Then the ERP is acknowledged and execution starts on the released work instructions', async () => {
      await plant.complete(plant.users.supervisor, 'ReleaseOrder', { travelerChecked: true, toolingVerified: true, personnelQualified: true, releaseComment: 'Shift A' }, { instanceId });
      const ended = await plant.ended(instanceId);
      expect(ended.history.map((h) => h.activityId)).toContain('EndReleased');
      expect(plant.erp.acknowledgements()).toEqual([expect.objectContaining({ orderId: 'WO-1001', acknowledgedBy: 'gemba' })]);
      const signatures = await plant.app.deps.db('signatures as s').joinRaw('join user_tasks as t on t.id::text = s.record_id').where('t.instance_id', instanceId).select('s.meaning', 's.printed_name');
      expect(signatures.map((s) => `${s.printed_name}:${s.meaning}`)).toEqual(['Sam Sato:released']);

      const execution = await plant.instance(ended.variables.executionInstanceId);
      expect(execution).toMatchObject({
        key: 'operation-execution',
        versionId: plant.versions.get('operation-execution')!.id,
        businessKey: 'WO-1001',
        variables: { orderId: 'WO-1001', outputLot: 'LOT-WO-1001', firstArticle: 'none', lsl: 3.8, usl: 4.2 },
      });
      // the release records the version it actually started (the traveler's hash)
      expect(ended.variables).toMatchObject({ executionVersionId: execution.versionId, executionVersionSha256: plant.versions.get('operation-execution')!.sha256 });
      await plant.task(plant.users.operator, 'LineClearance', execution.id);
    });
  });

  describe('Scenario: a component lot on QC hold fails the gate and the supervisor blocks the order', () => {
    let instanceId: string;

    it('Given the release of WO-1002 with component lot L-2026-002, which the ERP holds for QC', async () => {
      plant.erp.putOrder({ orderId: 'WO-1002', material: 'FG-7001', plannedQuantity: 100, unit: 'EA' });
      const started = await plant.app.http.post('/api/v1/processes/work-order-release/instances').set(plant.users.supervisor.auth).send({ businessKey: 'WO-1002', variables: { ...order('L-2026-002'), orderId: 'WO-1002' } });
      expect(started.status).toBe(201);
      instanceId = started.body.id;
    });

    it('Then the readiness checklist asks the supervisor, with the signature "verified"', async () => {
      const checklist = await plant.task(plant.users.supervisor, 'ReadinessChecklist', instanceId);
      expect(checklist.signature).toMatchObject({ meaning: 'verified' });
      expect((await plant.instance(instanceId)).variables).toMatchObject({ materialLotStatus: 'QC-HOLD' });
    });

    it('When the supervisor blocks it, Then the order is reported to the ERP as not accepted and nothing is executed', async () => {
      await plant.complete(
        plant.users.supervisor,
        'ReadinessChecklist',
        { materialConfirmed: false, equipmentConfirmed: true, deviationsAssessed: true, documentsConfirmed: true, readinessDecision: 'blocked', checklistJustification: 'Component lot on QC hold, no other lot' },
        { instanceId },
      );
      const ended = await plant.ended(instanceId);
      expect(ended.history.map((h) => h.activityId)).toEqual(expect.arrayContaining(['ReportBlocked', 'EndBlocked']));
      expect(plant.erp.acknowledgements().filter((a) => a.orderId === 'WO-1002')).toEqual([expect.objectContaining({ orderId: 'WO-1002' })]);
      expect(await plant.instances('operation-execution', 'WO-1002')).toEqual([]);
    });
  });
});
