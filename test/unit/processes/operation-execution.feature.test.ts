import { MINUTE, ProcessRun, WO_1001_DISPATCH } from './support';

// REQUIREMENTS 1.2, W10, W11, W18, C10, C18: performed and verified critical steps, genealogy of
// consumed and produced lots, the job order on the OPC UA cell, an out-of-limit value that
// cannot complete without a nonconformance, and no ERP confirmation of held material.

const dispatched = WO_1001_DISPATCH;
const clearance = { previousMaterialRemoved: true, lineClean: true, setupVerified: true, clearanceNotes: '' };
const scan = (lot: string, more: 'yes' | 'no') => ({ scannedMaterial: 'RM-1001', scannedLot: lot, consumedQuantity: 10.5, consumedUom: 'KG', moreComponents: more });
const completion = { producedQuantity: 98, scrapQuantity: 2, scrapReason: 'setup', handoverNotes: 'Two setup parts scrapped' };

async function untilMeasurement(run: ProcessRun) {
  await run.complete('LineClearance', clearance);
  await run.complete('ScanComponent', scan('L-2026-001', 'no'));
  await run.completeJob('RecordConsumption', { genealogyEventId: 'g-1' });
  await run.completeJob('SendJobOrder', { startedAt: run.now.toISOString() });
  await run.fire('WaitCycle');
  await run.completeJob('ReadJobResult', { jobStatus: 'Completed', processedCount: 100, defectiveCount: 2 });
}

async function measure(run: ProcessRun, value: number) {
  await run.complete('MeasureCharacteristic', { measuredValue: value, gaugeId: 'G-1001', measurementNotes: '' });
  await run.completeJob('CheckGauge', { calibrationDue: '2030-09-30' });
}

describe('Feature: operation execution', () => {
  describe('Scenario: a conforming operation from line clearance to the ERP confirmation', () => {
    let run: ProcessRun;

    it('Given an operation dispatched by the release', async () => {
      run = await ProcessRun.of('operation-execution');
      await run.start(dispatched, { businessKey: 'WO-1001' });
    });

    it('Then line clearance is performed by one person and verified by another (C10, C18)', async () => {
      run.expectTask('LineClearance', { name: 'Line clearance and setup verification', candidateGroups: ['operator', 'supervisor'], formRef: 'opx-line-clearance', meaning: 'performed', verifier: true });
      await run.complete('LineClearance', clearance);
    });

    it('When the operator scans a component, Then its consumption into the output lot is a genealogy event', async () => {
      run.expectTask('ScanComponent', { candidateGroups: ['operator'], formRef: 'opx-component-scan', meaning: null });
      await run.complete('ScanComponent', scan('L-2026-001', 'no'));
      expect(run.job('RecordConsumption')).toMatchObject({ connector: 'gemba', operation: 'recordGenealogy' });
      expect(run.job('RecordConsumption').input).toEqual({
        eventType: 'consume',
        material: 'RM-1001',
        lot: 'L-2026-001',
        quantity: 10.5,
        uom: 'KG',
        intoLot: 'LOT-WO-1001',
        orderId: 'WO-1001',
        operation: '0010',
        equipmentId: 'cell-1',
      });
      await run.completeJob('RecordConsumption', { genealogyEventId: 'g-1' });
    });

    it('Then the job order goes to the cell', async () => {
      expect(run.job('SendJobOrder')).toMatchObject({ connector: 'cell-1', operation: 'startJobOrder', input: { jobOrderId: 'WO-1001-0010', partNumber: 'FG-7001', quantity: 100 } });
      await run.completeJob('SendJobOrder', { startedAt: '2030-03-04T06:00:00.000Z' });
    });

    it('And the counters are read every minute until the job completes', async () => {
      expect(run.timer('WaitCycle')).toMatchObject({ value: 'PT1M', expireAt: new Date(run.now.getTime() + MINUTE) });
      await run.fire('WaitCycle');
      expect(run.job('ReadJobResult')).toMatchObject({ connector: 'cell-1', operation: 'getJobResult', input: { jobOrderId: 'WO-1001-0010' } });
      await run.completeJob('ReadJobResult', { jobStatus: 'Running', processedCount: 40, defectiveCount: 1 });
      expect(run.openTimers()).toEqual(['WaitCycle']);
      await run.fire('WaitCycle');
      await run.completeJob('ReadJobResult', { jobStatus: 'Completed', processedCount: 100, defectiveCount: 2 });
      expect(run.variables).toMatchObject({ jobStatus: 'Completed', processedCount: 100, defectiveCount: 2 });
    });

    it('When the critical characteristic is measured within limits with a calibrated gauge', async () => {
      run.expectTask('MeasureCharacteristic', { name: 'Measure critical characteristic', candidateGroups: ['operator', 'supervisor'], formRef: 'opx-measurement', meaning: 'performed', verifier: true });
      await run.complete('MeasureCharacteristic', { measuredValue: 4.05, gaugeId: 'G-1001', measurementNotes: '' });
      expect(run.job('CheckGauge')).toMatchObject({ connector: 'gemba', operation: 'checkGaugeCalibration', input: { gaugeId: 'G-1001' } });
      await run.completeJob('CheckGauge', { calibrationDue: '2030-09-30' });
    });

    it('Then no nonconformance is raised and the operator completes the operation with a signature', async () => {
      expect(run.completed()).not.toContain('RaiseNonconformance');
      run.expectTask('CompleteOperation', { candidateGroups: ['operator'], formRef: 'opx-complete-operation', meaning: 'performed' });
      await run.complete('CompleteOperation', completion);
    });

    it('Then production is recorded and the final (first-article) inspection runs as a called process the execution waits for', async () => {
      expect(run.job('RecordProduction').input).toEqual({ eventType: 'produce', material: 'FG-7001', lot: 'LOT-WO-1001', quantity: 98, uom: 'EA', orderId: 'WO-1001', operation: '0010', equipmentId: 'cell-1' });
      await run.completeJob('RecordProduction', { genealogyEventId: 'g-2' });
      expect(run.call('FinalInspection')).toMatchObject({
        calledElement: 'inspection',
        binding: 'latest',
        businessKey: 'LOT-WO-1001',
        variables: {
          lot: 'LOT-WO-1001',
          material: 'FG-7001',
          orderId: 'WO-1001',
          lotSize: 98,
          inspectionType: 'first-article',
          samplingPlan: '100',
          aql: '1.0',
          characteristic: 'Seal width',
          lsl: 3.8,
          usl: 4.2,
          measurementUnit: 'mm',
        },
      });
      // W18: nothing goes to the ERP, and the hold is not even checked, before the inspection decided.
      expect(run.openJobs()).toEqual([]);
      expect(run.openTasks()).toEqual([]);
      expect(run.completed()).not.toContain('CheckHold');
      expect(run.completed()).not.toContain('ConfirmToErp');
    });

    it('When the inspector accepts the lot, Then the hold is checked and only then the ERP confirmed', async () => {
      await run.completeCall('FinalInspection', { lot: 'LOT-WO-1001', defectsFound: 0, acceptanceConfirmed: true, acceptanceNote: 'ok' });
      expect(run.variables.inspectionDecision).toBe('accepted');
      expect(run.job('CheckHold')).toMatchObject({ connector: 'gemba', operation: 'checkHold', input: { lot: 'LOT-WO-1001' } });
      await run.completeJob('CheckHold', { onHold: false });
      expect(run.job('ConfirmToErp').input).toEqual({ orderId: 'WO-1001', operation: '0010', yieldQuantity: 98, scrapQuantity: 2, unit: 'EA', finalConfirmation: true, workCenter: 'cell-1' });
      await run.completeJob('ConfirmToErp', { confirmationNumber: 'CNF-00000001', orderStatus: 'CONFIRMED' });
      expect(run.status).toBe('completed');
      const order = run.completed();
      expect(order.indexOf('FinalInspection')).toBeLessThan(order.indexOf('CheckHold'));
      expect(order.indexOf('CheckHold')).toBeLessThan(order.indexOf('ConfirmToErp'));
      expect(run.variables).toMatchObject({ consumptionEventId: 'g-1', productionEventId: 'g-2', inspectionDecision: 'accepted', erpConfirmationNumber: 'CNF-00000001' });
    });
  });

  describe('Scenario: a lot rejected at final inspection is never confirmed to ERP (W18)', () => {
    it('Given a conforming operation whose final inspection rejects the lot, Then the execution ends without checking or confirming', async () => {
      const run = await ProcessRun.of('operation-execution');
      await run.start({ ...dispatched, firstArticle: 'none' });
      await untilMeasurement(run);
      await measure(run, 4.0);
      await run.complete('CompleteOperation', completion);
      await run.completeJob('RecordProduction', { genealogyEventId: 'g-9' });
      expect(run.call('FinalInspection').variables).toMatchObject({ inspectionType: 'final', samplingPlan: 'aql' });
      await run.completeCall('FinalInspection', { lot: 'LOT-WO-1001', rejectionReason: 'attribute', holdId: 'hold-9', ncNumber: 'NC-2030-00009', ncInstanceId: 'inst-nc-9' });
      expect(run.status).toBe('completed');
      expect(run.completed()).toContain('EndRejected');
      expect(run.completed()).not.toContain('CheckHold');
      expect(run.completed()).not.toContain('ConfirmToErp');
      expect(run.variables).toMatchObject({ inspectionDecision: 'rejected', inspectionNcNumber: 'NC-2030-00009', inspectionNcInstanceId: 'inst-nc-9' });
      expect(run.variables).not.toHaveProperty('erpConfirmationNumber');
    });
  });

  describe('Scenario: an out-of-limit value cannot complete the step without a nonconformance (W10), and held material is not confirmed (W18)', () => {
    let run: ProcessRun;

    it('Given the job order completed on the cell', async () => {
      run = await ProcessRun.of('operation-execution');
      await run.start({ ...dispatched, firstArticle: 'none' });
      await untilMeasurement(run);
    });

    it('When 4.35 mm is measured against the upper limit 4.2 mm', async () => {
      await measure(run, 4.35);
    });

    it('Then the step does not reach completion: a nonconformance is raised first', () => {
      expect(run.openTasks()).toEqual([]);
      expect(run.job('RaiseNonconformance')).toMatchObject({ connector: 'qms', operation: 'createNonconformance' });
      expect(run.job('RaiseNonconformance').input).toEqual({
        title: 'Seal width out of limits on order WO-1001',
        description: 'Measured 4.35 mm with gauge G-1001; limits 3.8 to 4.2',
        severity: 'major',
        material: 'FG-7001',
        lot: 'LOT-WO-1001',
        orderId: 'WO-1001',
        quantityAffected: 100,
        detectedBy: 'operation-execution',
        source: 'gemba',
      });
    });

    it('And the output lot is held and the MRB process started with the NC number', async () => {
      await run.completeJob('RaiseNonconformance', { ncNumber: 'NC-2030-00001', ncStatus: 'OPEN' });
      expect(run.job('PlaceHold').input).toEqual({ lot: 'LOT-WO-1001', material: 'FG-7001', reason: 'Out-of-limit Seal width', reference: 'NC-2030-00001' });
      await run.completeJob('PlaceHold', { holdId: 'hold-1' });
      expect(run.job('StartMrb').input).toEqual({
        processKey: 'deviation-capa',
        businessKey: 'NC-2030-00001',
        recordType: 'nonconformance',
        ncNumber: 'NC-2030-00001',
        lot: 'LOT-WO-1001',
        material: 'FG-7001',
        orderId: 'WO-1001',
        severity: 'major',
        description: 'Seal width measured 4.35 mm, limits 3.8 to 4.2',
      });
      await run.completeJob('StartMrb', { instanceId: 'inst-nc-1' });
      expect(run.openTasks()).toEqual(['CompleteOperation']);
    });

    it('When the operation is completed while the lot is still on hold, Then no ERP confirmation is sent', async () => {
      await run.complete('CompleteOperation', completion);
      await run.completeJob('RecordProduction', { genealogyEventId: 'g-3' });
      expect(run.call('FinalInspection').variables).toMatchObject({ inspectionType: 'final', samplingPlan: 'aql' });
      expect(run.openJobs()).toEqual([]);
      await run.completeCall('FinalInspection', { lot: 'LOT-WO-1001', acceptanceConfirmed: true });
      await run.completeJob('CheckHold', { onHold: true });
      expect(run.openJobs()).toEqual([]);
      run.expectTask('ResolveHold', { candidateGroups: ['supervisor'], formRef: 'opx-hold-resolution', meaning: null });
    });

    it('When the supervisor says the hold was released but it was not, Then the lot is checked again and still not confirmed', async () => {
      await run.complete('ResolveHold', { holdResolutionNote: 'MRB meeting done' });
      await run.completeJob('CheckHold', { onHold: true });
      expect(run.openTasks()).toEqual(['ResolveHold']);
      expect(run.completed()).not.toContain('ConfirmToErp');
    });

    it('When the MRB released the hold, Then the confirmation goes to the ERP', async () => {
      await run.complete('ResolveHold', { holdResolutionNote: 'Released by MRB as use-as-is (NC-2030-00001)' });
      await run.completeJob('CheckHold', { onHold: false });
      await run.completeJob('ConfirmToErp', { confirmationNumber: 'CNF-00000002' });
      expect(run.status).toBe('completed');
      expect(run.variables).toMatchObject({ ncNumber: 'NC-2030-00001', ncInstanceId: 'inst-nc-1', lotOnHold: false });
    });
  });

  describe('Scenario: the lower limit is inside the limits', () => {
    it('Given 3.8 mm measured (exactly the lower limit), Then the step completes without a nonconformance', async () => {
      const run = await ProcessRun.of('operation-execution');
      await run.start(dispatched);
      await untilMeasurement(run);
      await measure(run, 3.8);
      expect(run.openTasks()).toEqual(['CompleteOperation']);
      expect(run.completed()).not.toContain('RaiseNonconformance');
    });
  });

  describe('Scenario: a held component lot cannot be consumed (W18)', () => {
    it('Given two components, When the second lot is on hold, Then the operator scans another lot', async () => {
      // given
      const run = await ProcessRun.of('operation-execution');
      await run.start(dispatched);
      await run.complete('LineClearance', clearance);
      await run.complete('ScanComponent', scan('L-2026-001', 'yes'));
      await run.completeJob('RecordConsumption', { genealogyEventId: 'g-1' });
      expect(run.openTasks()).toEqual(['ScanComponent']);

      // when
      await run.complete('ScanComponent', scan('L-2026-002', 'no'));
      await run.failJob('RecordConsumption', 'LOT_ON_HOLD', 'lot L-2026-002 is on hold');

      // then
      expect(run.openTasks()).toEqual(['ScanComponent']);
      expect(run.openJobs()).toEqual([]);
      await run.complete('ScanComponent', scan('L-2026-003', 'no'));
      expect(run.job('RecordConsumption').input).toMatchObject({ lot: 'L-2026-003' });
      await run.completeJob('RecordConsumption', { genealogyEventId: 'g-2' });
      expect(run.openJobs()).toEqual(['SendJobOrder']);
    });
  });

  describe('Scenario: the cell refuses the job order', () => {
    it('Given BadInvalidState from StartJobOrder, When the operator resets the cell, Then the job order is sent again', async () => {
      const run = await ProcessRun.of('operation-execution');
      await run.start(dispatched);
      await run.complete('LineClearance', clearance);
      await run.complete('ScanComponent', scan('L-2026-001', 'no'));
      await run.completeJob('RecordConsumption', { genealogyEventId: 'g-1' });
      await run.failJob('SendJobOrder', 'BadInvalidState', 'Cell is in Complete');
      run.expectTask('MakeCellReady', { candidateGroups: ['operator'], formRef: 'opx-cell-ready' });
      await run.complete('MakeCellReady', { cellAction: 'reset', cellNote: 'Reset from Complete' });
      expect(run.openJobs()).toEqual(['SendJobOrder']);
    });
  });

  describe('Scenario: the cell stops during the job', () => {
    it('Given the job order was stopped, When the operator records the reason, Then an escalation is raised and data collection follows', async () => {
      // given
      const run = await ProcessRun.of('operation-execution');
      await run.start(dispatched);
      await run.complete('LineClearance', clearance);
      await run.complete('ScanComponent', scan('L-2026-001', 'no'));
      await run.completeJob('RecordConsumption', { genealogyEventId: 'g-1' });
      await run.completeJob('SendJobOrder', { startedAt: run.now.toISOString() });
      await run.fire('WaitCycle');
      await run.completeJob('ReadJobResult', { jobStatus: 'Stopped', processedCount: 61, defectiveCount: 0 });

      // when
      await run.complete('RecordInterruption', { downtimeReason: 'mechanical', interruptionNotes: 'Sealing jaw drive failed' });

      // then
      expect(run.job('RaiseEscalation').input).toEqual({
        processKey: 'escalation',
        businessKey: 'WO-1001-0010',
        eventClass: 'equipment',
        title: 'Job order Stopped on cell-1: mechanical',
        orderId: 'WO-1001',
        equipmentId: 'cell-1',
        downtimeReason: 'mechanical',
      });
      await run.completeJob('RaiseEscalation', { instanceId: 'inst-esc-1' });
      expect(run.openTasks()).toEqual(['MeasureCharacteristic']);
    });
  });

  describe('Scenario: an expired gauge is rejected (W11)', () => {
    it('Given GAUGE_NOT_CALIBRATED, Then the measurement is taken again with another gauge', async () => {
      const run = await ProcessRun.of('operation-execution');
      await run.start(dispatched);
      await untilMeasurement(run);
      await run.complete('MeasureCharacteristic', { measuredValue: 4.0, gaugeId: 'G-0007', measurementNotes: '' });
      await run.failJob('CheckGauge', 'GAUGE_NOT_CALIBRATED', 'G-0007 calibration expired 2030-01-31');
      expect(run.openTasks()).toEqual(['MeasureCharacteristic']);
      await measure(run, 4.0);
      expect(run.openTasks()).toEqual(['CompleteOperation']);
      expect(run.variables.gaugeId).toBe('G-1001');
    });
  });
});
