import { HOUR, ProcessRun, T0, WO_1001_DISPATCH } from './support';

// REQUIREMENTS 1.1: ERP schedule or manual start, automated readiness gates with a signed
// checklist fallback, first-article determination, supervisor release, ERP acknowledgement,
// and the start of operation execution for the order.

const order = {
  orderId: 'WO-1001',
  partNumber: 'FG-7001',
  quantity: 100,
  unit: 'EA',
  equipmentId: 'cell-1',
  componentMaterial: 'RM-1001',
  componentQuantity: 20,
  componentLot: 'L-2026-001',
  characteristic: 'Seal width',
  nominal: 4,
  lsl: 3.8,
  usl: 4.2,
  measurementUnit: 'mm',
};
const released = { versionId: 'pv-17', versionKey: 'operation-execution', versionNumber: 1, versionStatus: 'released', versionSha256: 'a3f1c2' };
const fai = { faiNewPart: false, faiDesignChange: true, faiProcessChange: false, faiProgramChange: false, faiLapse: false, faiRequired: 'partial', faiRationale: 'Drawing rev C changed the seal width' };
const release = { travelerChecked: true, toolingVerified: true, personnelQualified: true, releaseComment: 'Shift B' };

async function passGates(run: ProcessRun, from: 'CheckMaterial' | 'CheckEquipment' = 'CheckMaterial') {
  if (from === 'CheckMaterial') await run.completeJob('CheckMaterial', { sufficient: true, lotStatus: 'RELEASED', available: 100 });
  await run.completeJob('CheckEquipment', { equipmentState: 'Idle' });
  await run.completeJob('CheckDeviations', { openDeviations: 0, lotBlocked: false });
  await run.completeJob('CheckDocuments', released);
}

describe('Feature: work order release', () => {
  describe('Scenario: the ERP schedules an order and every gate passes', () => {
    let run: ProcessRun;

    it('Given the ProductionScheduleReceived message for WO-1001', async () => {
      run = await ProcessRun.of('work-order-release');
      await run.start(order, { messageName: 'ProductionScheduleReceived', businessKey: 'WO-1001' });
      expect(run.state?.start).toBe('StartSchedule');
    });

    it('Then the order is validated in the ERP', async () => {
      expect(run.job('ValidateOrder')).toMatchObject({ connector: 'erp', operation: 'getOrder', input: { orderId: 'WO-1001' } });
      await run.completeJob('ValidateOrder', { orderStatus: 'RELEASED', plannedQuantity: 100, material: 'FG-7001', confirmedYield: 0 });
      expect(run.variables).toMatchObject({ erpOrderStatus: 'RELEASED', plannedQuantity: 100 });
      // outputs the model does not map stay out of the instance
      expect(run.variables).not.toHaveProperty('confirmedYield');
      expect(run.variables).not.toHaveProperty('orderStatus');
    });

    it('And the readiness gates run as connector calls with their inputs', async () => {
      expect(run.job('CheckMaterial')).toMatchObject({ connector: 'erp', operation: 'checkMaterialAvailability', input: { material: 'RM-1001', quantity: 20, lot: 'L-2026-001' } });
      await run.completeJob('CheckMaterial', { sufficient: true, lotStatus: 'RELEASED', available: 100 });
      expect(run.job('CheckEquipment')).toMatchObject({ connector: 'cell-1', operation: 'readMachineState', input: { equipmentId: 'cell-1' } });
      await run.completeJob('CheckEquipment', { equipmentState: 'Idle' });
      expect(run.job('CheckDeviations')).toMatchObject({ connector: 'qms', operation: 'listOpenDeviations', input: { lot: 'L-2026-001' } });
      await run.completeJob('CheckDeviations', { openDeviations: 0, lotBlocked: false, items: [] });
      expect(run.job('CheckDocuments')).toMatchObject({ connector: 'gemba', operation: 'getProcessVersion', input: { processKey: 'operation-execution' } });
      await run.completeJob('CheckDocuments', released);
      // only the mapped outputs become variables
      expect(run.variables).toMatchObject({ materialAvailable: true, materialLotStatus: 'RELEASED', equipmentState: 'Idle', lotBlocked: false, documentsCurrent: true, checkedVersion: 1, checkedVersionSha256: 'a3f1c2' });
      expect(run.variables).not.toHaveProperty('items');
      expect(run.variables).not.toHaveProperty('available');
    });

    it('When quality determines a partial first article', async () => {
      run.expectTask('DetermineFai', { name: 'Determine first-article need (AS9102)', candidateGroups: ['quality'], formRef: 'wor-first-article', meaning: null });
      expect(run.task('DetermineFai').dueAt).toEqual(new Date(T0.getTime() + 8 * HOUR));
      await run.complete('DetermineFai', fai);
    });

    it('Then the supervisor releases the order with the signature "released"', async () => {
      run.expectTask('ReleaseOrder', { name: 'Release order for production', candidateGroups: ['supervisor'], formRef: 'wor-release', meaning: 'released' });
      await run.complete('ReleaseOrder', release);
    });

    it('Then the release is acknowledged to the ERP', async () => {
      expect(run.job('AcknowledgeOrder').input).toEqual({ orderId: 'WO-1001', acknowledgedBy: 'gemba', accepted: true, message: 'Released for production' });
      await run.completeJob('AcknowledgeOrder', { acknowledgementId: 'ACK-000001' });
    });

    it('And operation execution is started for the order with its data collection spec', async () => {
      expect(run.job('StartExecution')).toMatchObject({ connector: 'gemba', operation: 'startProcess' });
      expect(run.job('StartExecution').input).toEqual({ processKey: 'operation-execution', businessKey: 'WO-1001', ...WO_1001_DISPATCH });
    });

    it('And the version actually started is recorded, even when it is newer than the one the readiness check saw', async () => {
      // Version 2 was released between the readiness check (v1, a3f1c2) and the start.
      await run.completeJob('StartExecution', { instanceId: 'inst-42', versionId: 'ver-2', versionSha256: 'b7e9d4' });
      expect(run.status).toBe('completed');
      expect(run.variables).toMatchObject({ executionInstanceId: 'inst-42', executionVersionId: 'ver-2', executionVersionSha256: 'b7e9d4', checkedVersionSha256: 'a3f1c2', erpAcknowledgementId: 'ACK-000001' });
      expect(run.completed().at(-1)).toBe('EndReleased');
    });
  });

  describe('Scenario: material is not available, the supervisor re-checks later', () => {
    let run: ProcessRun;

    it('Given an order created by hand', async () => {
      run = await ProcessRun.of('work-order-release');
      await run.start(order);
      expect(run.state?.start).toBe('none');
      await run.completeJob('ValidateOrder', { orderStatus: 'RELEASED', plannedQuantity: 100 });
    });

    it('When the ERP reports MATERIAL_NOT_AVAILABLE, Then the signed readiness checklist opens', async () => {
      await run.failJob('CheckMaterial', 'MATERIAL_NOT_AVAILABLE', 'lot L-2026-001 unknown');
      expect(run.openJobs()).toEqual([]);
      run.expectTask('ReadinessChecklist', { name: 'Readiness checklist (manual gate check)', candidateGroups: ['supervisor'], formRef: 'wor-readiness-checklist', meaning: 'verified' });
    });

    it('When the supervisor decides to re-check, Then the gates run again after the default hour', async () => {
      await run.complete('ReadinessChecklist', {
        materialConfirmed: false,
        equipmentConfirmed: true,
        deviationsAssessed: true,
        documentsConfirmed: true,
        readinessDecision: 'recheck',
        checklistJustification: 'Powder delivery expected within the hour',
      });
      expect(run.timer('WaitRecheck')).toMatchObject({ value: 'PT1H', expireAt: new Date(run.now.getTime() + HOUR) });
      await run.fire('WaitRecheck');
      expect(run.openJobs()).toEqual(['CheckMaterial']);
    });

    it('When the gates pass on the second try, Then the release continues', async () => {
      await passGates(run);
      expect(run.openTasks()).toEqual(['DetermineFai']);
    });
  });

  describe('Scenario: an open unplanned deviation blocks the order', () => {
    it('Given the QMS reports the lot blocked, When the supervisor confirms the block, Then the ERP is told and the order ends blocked', async () => {
      // given
      const run = await ProcessRun.of('work-order-release');
      await run.start({ ...order, componentLot: 'L-2026-002' });
      await run.completeJob('ValidateOrder', { orderStatus: 'RELEASED', plannedQuantity: 100 });
      await run.completeJob('CheckMaterial', { sufficient: false, lotStatus: 'QC-HOLD' });
      await run.completeJob('CheckEquipment', { equipmentState: 'Idle' });
      await run.completeJob('CheckDeviations', { openDeviations: 2, lotBlocked: true });
      await run.completeJob('CheckDocuments', released);

      // when
      await run.complete('ReadinessChecklist', {
        materialConfirmed: false,
        equipmentConfirmed: true,
        deviationsAssessed: true,
        documentsConfirmed: true,
        readinessDecision: 'blocked',
        checklistJustification: 'DEV-2026-0007 open on L-2026-002',
      });

      // then
      expect(run.job('ReportBlocked').input).toEqual({ orderId: 'WO-1001', acknowledgedBy: 'gemba', accepted: false, message: 'Blocked: DEV-2026-0007 open on L-2026-002' });
      await run.completeJob('ReportBlocked', { acknowledgementId: 'ACK-000002' });
      expect(run.status).toBe('completed');
      expect(run.completed()).toContain('EndBlocked');
      expect(run.completed()).not.toContain('ReleaseOrder');
    });
  });

  describe('Scenario: gates fail but the supervisor verifies readiness by hand', () => {
    it('Given the cell is still running another job, When the supervisor signs the checklist as ready, Then first-article determination follows', async () => {
      // given
      const run = await ProcessRun.of('work-order-release');
      await run.start(order);
      await run.completeJob('ValidateOrder', { orderStatus: 'RELEASED', plannedQuantity: 100 });
      await run.completeJob('CheckMaterial', { sufficient: true, lotStatus: 'RELEASED' });
      await run.completeJob('CheckEquipment', { equipmentState: 'Execute' });
      await run.completeJob('CheckDeviations', { openDeviations: 0, lotBlocked: false });
      await run.completeJob('CheckDocuments', released);
      expect(run.openTasks()).toEqual(['ReadinessChecklist']);

      // when
      await run.complete('ReadinessChecklist', {
        materialConfirmed: true,
        equipmentConfirmed: true,
        deviationsAssessed: true,
        documentsConfirmed: true,
        readinessDecision: 'ready',
        checklistJustification: 'Cell finishes WO-0999 in 10 minutes',
      });

      // then
      expect(run.openTasks()).toEqual(['DetermineFai']);
    });
  });

  describe('Scenario: no released work instructions', () => {
    it('Given operation-execution has no released version, Then the gate fails to the checklist', async () => {
      const run = await ProcessRun.of('work-order-release');
      await run.start(order);
      await run.completeJob('ValidateOrder', { orderStatus: 'RELEASED', plannedQuantity: 100 });
      await run.completeJob('CheckMaterial', { sufficient: true, lotStatus: 'RELEASED' });
      await run.completeJob('CheckEquipment', { equipmentState: 'Idle' });
      await run.completeJob('CheckDeviations', { openDeviations: 0, lotBlocked: false });
      await run.completeJob('CheckDocuments', { versionId: null, versionKey: null, versionNumber: null, versionStatus: 'not-found', versionSha256: null });
      expect(run.variables.documentsCurrent).toBe(false);
      expect(run.openTasks()).toEqual(['ReadinessChecklist']);
    });
  });

  describe('Scenario: the ERP does not know the order', () => {
    it('Given ORDER_NOT_FOUND from the ERP, Then the release ends without any gate', async () => {
      const run = await ProcessRun.of('work-order-release');
      await run.start({ ...order, orderId: 'WO-9999' });
      await run.failJob('ValidateOrder', 'ORDER_NOT_FOUND');
      expect(run.status).toBe('completed');
      expect(run.completed()).toContain('EndOrderUnknown');
      expect(run.completed()).not.toContain('CheckMaterial');
    });
  });
});
