// node-opcua is ESM-only: the simulator and the connector load Node's own copy (see the support file).
jest.mock('node-opcua', () => require('../integration/opcua/support/native-opcua').loadNativeOpcua());

import PDFParser from 'pdf2json';
import type { Response } from 'superagent';
import { startCellSimulator, type CellSimulator } from '../../server/adapters/simulators/opcua-cell';
import { loadLibraryProcess } from '../../server/platform/standard-library';
import { quietOpcUaLogs } from '../integration/opcua/support/logging';
import { Plant, type Signed } from './plant';

// A day in the plant, end to end through the HTTP API, with the simulated ERP and QMS and the
// OPC UA cell: the ERP's production schedule starts three order releases; WO-2001 runs on the
// cell; its final inspection rejects the lot, which is held and becomes a QMS nonconformance;
// the MRB reworks it; the CAPA opens a change control, which releases version 2 of
// operation-execution through the controlled path. WO-2002, started before the change, finishes on
// version 1; WO-2003, released after it, runs on version 2. Then the lot of WO-2001 traces in
// both directions, its record exports as JSON and as a PDF with the signatures in its text, and
// the KPIs show the day: first pass yield from the inspections and OEE of the cell from the PackML
// states and counters its equipment monitor (PUT /equipment/cell-1/monitoring) recorded.

const MINUTE = 60_000;
const dayStart = new Date();

const pdfTextOf = (pdf: Buffer): Promise<string> =>
  new Promise((resolve, reject) => {
    const parser = new PDFParser(undefined, true);
    parser.on('pdfParser_dataError', (error) => reject(error.parserError));
    parser.on('pdfParser_dataReady', () => resolve(parser.getRawTextContent()));
    parser.parseBuffer(pdf);
  });

const binary = (response: Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
};

describe('Feature: a day in the plant', () => {
  let plant: Plant;
  let cell: CellSimulator;
  const orders = ['WO-2001', 'WO-2002', 'WO-2003'];
  const release = new Map<string, string>();
  const execution = new Map<string, string>();
  let ncNumber: string;
  let ncInstanceId: string;
  let changeInstanceId: string;
  let v1: { id: string; sha256: string };
  let v2: { id: string; sha256: string };

  beforeAll(async () => {
    quietOpcUaLogs();
    cell = await startCellSimulator({ port: 0, cycleTimeMs: 15, transitionMs: 10, defectEvery: 10 });
    plant = await Plant.start({ cell, monitorCell: true });
    v1 = plant.versions.get('operation-execution')!;
    for (const id of ['FG-7001', 'RM-1001']) {
      expect((await plant.app.http.put(`/api/v1/isa95/material-definitions/${id}`).set(plant.users.owner.auth).send({ unit: id === 'RM-1001' ? 'KG' : 'EA' })).status).toBe(201);
    }
    expect((await plant.app.http.put('/api/v1/equipment/cell-1/profile').set(plant.users.owner.auth).send({ name: 'Sealing cell 1', idealCycleMs: 15, reason: 'cell simulator cycle' })).status).toBe(200);
    for (const orderId of orders) plant.erp.putOrder({ orderId, material: 'FG-7001', plannedQuantity: 20, unit: 'EA' });
  });
  afterAll(async () => {
    await plant?.close();
    await cell?.stop();
  });

  const releaseOrder = async (orderId: string) => {
    const instanceId = release.get(orderId)!;
    await plant.complete(plant.users.quality, 'DetermineFai', { faiNewPart: false, faiDesignChange: false, faiProcessChange: false, faiProgramChange: false, faiLapse: false, faiRequired: 'none', faiRationale: 'Running part' }, { instanceId });
    await plant.complete(plant.users.supervisor, 'ReleaseOrder', { travelerChecked: true, toolingVerified: true, personnelQualified: true, releaseComment: `Day shift, ${orderId}` }, { instanceId });
    const ended = await plant.ended(instanceId);
    execution.set(orderId, ended.variables.executionInstanceId);
    return plant.instance(ended.variables.executionInstanceId);
  };
  const confirmed = (orderId: string) => plant.erp.confirmations().some((c) => c.orderId === orderId);
  const lineClearance = (orderId: string) =>
    plant.complete(plant.users.operator, 'LineClearance', { previousMaterialRemoved: true, lineClean: true, setupVerified: true, clearanceNotes: '' }, { instanceId: execution.get(orderId), verifier: plant.users.operator2 });
  /** Scan, run the job on the cell, measure (performed + verified) and complete the operation. */
  const runOperation = async (orderId: string, measuredValue: number) => {
    const instanceId = execution.get(orderId)!;
    await plant.complete(plant.users.operator, 'ScanComponent', { scannedMaterial: 'RM-1001', scannedLot: 'L-2026-001', consumedQuantity: 10.5, consumedUom: 'KG', moreComponents: 'no' }, { instanceId });
    await plant.until(() => cell.job?.jobId === `${orderId}-0010`, `the job order of ${orderId} on the cell`);
    await Plant.jobStatus(cell, 'Completed');
    await plant.advance(MINUTE);
    await plant.complete(plant.users.operator, 'MeasureCharacteristic', { measuredValue, gaugeId: 'G-1001', measurementNotes: '' }, { instanceId, verifier: plant.users.operator2 });
    await plant.complete(plant.users.operator, 'CompleteOperation', { producedQuantity: 18, scrapQuantity: 2, scrapReason: 'setup', handoverNotes: '' }, { instanceId });
    // The operator resets the cell at its HMI for the next order.
    cell.forceState('Idle');
  };
  const inspect = async (orderId: string, as: Signed, defectsFound: number, measuredMax: number) => {
    // The final inspection is a call activity: the execution waits for its decision (W18).
    const inspectionInstanceId = await plant.childOf(execution.get(orderId)!, 'inspection');
    expect((await plant.instance(execution.get(orderId)!)).status).toBe('running');
    expect(confirmed(orderId)).toBe(false);
    // the sample size is computed (gemba.aqlSampleSize) before the task is offered
    await plant.task(as, 'InspectSample', inspectionInstanceId);
    const { variables } = await plant.instance(inspectionInstanceId);
    await plant.complete(as, 'InspectSample', { sampleInspected: variables.sampleSize, measuredMin: 3.9, measuredMax, defectsFound, gaugeId: 'G-1001', inspectionNotes: '' }, { instanceId: inspectionInstanceId });
    return inspectionInstanceId as string;
  };

  describe('Scenario: from the ERP schedule to a new version of the work instructions', () => {
    it('Given the ERP sends the day’s production schedule of three orders', async () => {
      const future = (hours: number) => new Date(plant.app.deps.clock.now().getTime() + hours * 3_600_000).toISOString();
      const parameter = (ID: string, value: string | number, DataType: string) => ({ ID, Value: { ValueString: String(value), DataType } });
      const response = await plant.app.http
        .post('/api/v1/isa95/production-schedules')
        .set(plant.erpApiKey)
        .send({
          releaseID: '1.0',
          ApplicationArea: { Sender: { LogicalID: 'SAP-ERP' }, CreationDateTime: new Date().toISOString(), BODID: 'ERP-PS-DAY-1' },
          DataArea: {
            ProductionSchedule: {
              ID: 'PS-DAY-1',
              ProductionRequest: orders.map((ID) => ({
                ID,
                ProcessSegmentID: '0010',
                StartTime: future(1),
                EndTime: future(20),
                MaterialProducedRequirement: [{ MaterialDefinitionID: 'FG-7001', Quantity: { QuantityString: '20', UnitOfMeasure: 'EA' }, MaterialLotID: [`LOT-${ID}`] }],
                MaterialConsumedRequirement: [{ MaterialDefinitionID: 'RM-1001', Quantity: { QuantityString: '10.5', UnitOfMeasure: 'KG' }, MaterialLotID: ['L-2026-001'] }],
                EquipmentRequirement: [{ EquipmentID: 'cell-1' }],
                Parameter: [parameter('characteristic', 'Seal width', 'string'), parameter('nominal', 4, 'double'), parameter('lsl', 3.8, 'double'), parameter('usl', 4.2, 'double'), parameter('measurementUnit', 'mm', 'string')],
              })),
            },
          },
        });
      expect(response.status).toBe(200);
      const answers = response.body.DataArea.ProductionSchedule.ProductionRequest;
      expect(answers.map((a: { ID: string; ActionCode: string }) => `${a.ID}:${a.ActionCode}`)).toEqual(orders.map((id) => `${id}:Accepted`));
      for (const answer of answers) release.set(answer.ID, answer.ProcessInstanceID);
    });

    it('Then each order’s readiness gates pass against the ERP, the cell, the QMS and the released work instructions', async () => {
      for (const orderId of orders) {
        await plant.task(plant.users.quality, 'DetermineFai', release.get(orderId));
        const { key, variables } = await plant.instance(release.get(orderId)!);
        expect(key).toBe('work-order-release');
        expect(variables).toMatchObject({ orderId, materialAvailable: true, equipmentState: 'Idle', lotBlocked: false, documentsCurrent: true, checkedVersion: 1, checkedVersionSha256: v1.sha256 });
      }
    });

    it('When WO-2001 is released and run on the cell, Then its job order, counters and genealogy are recorded on version 1', async () => {
      const exec = await releaseOrder('WO-2001');
      expect(exec.versionId).toBe(v1.id);
      await lineClearance('WO-2001');
      await runOperation('WO-2001', 4.02);
      const { variables } = await plant.instance(execution.get('WO-2001')!);
      expect(variables).toMatchObject({ jobStatus: 'Completed', processedCount: 20, defectiveCount: 2, measuredValue: 4.02 });
      expect(variables.ncNumber).toBeUndefined();
    });

    it('When the final inspection finds defectives and the inspector rejects the lot ("rejected"), Then it is held and a nonconformance opens', async () => {
      const inspectionId = await inspect('WO-2001', plant.users.inspector, 3, 4.31);
      const reject = await plant.task(plant.users.inspector, 'RejectLot', inspectionId);
      expect(reject.signature).toMatchObject({ meaning: 'rejected' });
      await plant.complete(plant.users.inspector, 'RejectLot', { rejectionReason: 'attribute', nonconformingQuantity: 3, rejectionNotes: 'Seal width above 4.2 mm' }, { instanceId: inspectionId });
      const inspection = await plant.ended(inspectionId);
      ({ ncNumber, ncInstanceId } = inspection.variables);
      expect(plant.qms.nonconformances().map((nc) => [nc.ncNumber, nc.lot])).toEqual([[ncNumber, 'LOT-WO-2001']]);
      const holds = await plant.app.http.get('/api/v1/lots/LOT-WO-2001/holds').set(plant.users.operator.auth);
      expect(holds.body.onHold).toBe(true);
      // W18: the execution took the rejection back and ended without confirming the lot to the ERP.
      const exec = await plant.ended(execution.get('WO-2001')!);
      expect(exec).toMatchObject({ status: 'completed', variables: { inspectionDecision: 'rejected', inspectionNcNumber: ncNumber } });
      expect(exec.history.map((h) => h.activityId)).toEqual(expect.arrayContaining(['FinalInspection', 'EndRejected']));
      expect(exec.history.map((h) => h.activityId)).not.toContain('ConfirmToErp');
      expect(confirmed('WO-2001')).toBe(false);
    });

    it('And WO-2002 is released and started on version 1 while the nonconformance is worked', async () => {
      const exec = await releaseOrder('WO-2002');
      expect(exec.versionId).toBe(v1.id);
      await lineClearance('WO-2002');
      await plant.task(plant.users.operator, 'ScanComponent', execution.get('WO-2002'));
    });

    it('When the MRB reworks the lot and quality opens a CAPA, Then the owner’s actions lead to a change control', async () => {
      const instanceId = ncInstanceId;
      await plant.complete(plant.users.quality, 'Containment', { suspectScope: 'LOT-WO-2001', containmentActions: 'Quarantined', stopShip: true, customerNotification: 'not-required', quarantineLocation: 'Q1' }, { instanceId });
      await plant.complete(plant.users.quality, 'MrbDisposition', { disposition: 'rework', dispositionQuantity: 18, mrbMembers: 'QA, engineering', dispositionRationale: 'Re-seal restores conformity' }, { instanceId });
      await plant.complete(plant.users.operator, 'Rework', { reworkDescription: 'Re-sealed all pouches', reworkedQuantity: 18 }, { instanceId });
      await plant.complete(plant.users.inspector, 'Reinspect', { reinspectionResult: 'conforming', reinspectionNotes: 'All within 3.8–4.2 mm' }, { instanceId });
      await plant.complete(plant.users.quality, 'DecideCapa', { capaRequired: 'yes', capaRationale: 'Seal width drifts without an in-process check' }, { instanceId });
      await plant.complete(plant.users.quality, 'OpenCapa', { capaOwner: plant.users.owner.user.username, capaTeam: 'Owner, QA', problemStatement: 'Seal width above USL at final inspection', capaPriority: 'high' }, { instanceId });
      await plant.complete(plant.users.owner, 'Contain', { interimContainment: '100 % seal check', containmentVerified: true }, { instanceId });
      await plant.complete(plant.users.owner, 'RootCause', { analysisMethod: '5-why', rootCause: 'No in-process seal width check', escapePoint: 'Only final inspection measures', rootCauseEvidence: 'NC trend report' }, { instanceId });
      await plant.complete(plant.users.owner, 'PlanActions', { correctiveActions: 'Add an in-process check to the work instructions', escapeActions: 'Measure every lot', actionsDueDate: '2030-04-30' }, { instanceId });
      await plant.complete(plant.users.quality, 'ApprovePlan', { planDecision: 'approve', planComment: 'Approved' }, { instanceId });
      await plant.complete(plant.users.owner, 'Implement', { implementationEvidence: 'Change requested', containmentRemoved: false, changeControlRequired: 'yes', changeSummary: 'In-process seal width check in operation-execution' }, { instanceId });
      await plant.task(plant.users.owner, 'PreventRecurrence', instanceId);
      changeInstanceId = (await plant.instance(instanceId)).variables.changeInstanceId;
      expect(await plant.instance(changeInstanceId)).toMatchObject({ key: 'change-control', variables: { origin: 'deviation-capa', originReference: ncNumber } });
      expect((await plant.app.http.get('/api/v1/lots/LOT-WO-2001/holds').set(plant.users.operator.auth)).body.onHold).toBe(false);
    });

    it('When the change board approves, Then version 2 of operation-execution is released through the controlled path and linked', async () => {
      const instanceId = changeInstanceId;
      await plant.complete(
        plant.users.owner,
        'DescribeChange',
        { changeTitle: 'In-process seal width check', changeReason: `CAPA ${ncNumber}`, changeDescription: 'Revision B of the work instructions', changeClass: 'process', changeDuration: 'permanent', emergencyChange: false, affectedItems: 'operation-execution v1', affectedProcessKey: 'operation-execution' },
        { instanceId },
      );
      await plant.complete(plant.users.validator, 'AssessValidation', { validationScope: 'partial', csaRisk: 'medium', validationImpact: 'Scenario tests' }, { instanceId });
      await plant.complete(plant.users.quality, 'AssessQuality', { qualityImpact: 'Earlier detection', regulatoryImpact: 'none', customerNotification: 'not-required' }, { instanceId });
      await plant.complete(plant.users.supervisor, 'AssessManufacturing', { manufacturingImpact: '+20 s per lot', oldRevisionMaterial: 'not-applicable', trainingRequired: 'yes', partialFaiRequired: 'no' }, { instanceId });
      await plant.complete(plant.users.quality, 'CcbReview', { ccbMembers: 'QA, engineering, production', reviewResults: 'Approved', ccbDecision: 'approve' }, { instanceId });
      await plant.complete(plant.users.quality, 'SignApproval', { approvalConditions: 'Train both shifts' }, { instanceId });
      await plant.complete(
        plant.users.owner,
        'PlanImplementation',
        { implementationPlan: 'Revision B of operation-execution', validationPlan: 'Scenario tests', rollbackPlan: 'Re-release version 1', effectiveDate: '2030-04-01', effectivity: 'Orders released after the release of version 2', newProcessVersion: 'yes' },
        { instanceId },
      );

      const library = loadLibraryProcess('operation-execution');
      const revisionB = library.xml.replace('</bpmn:documentation>', ' Revision B: in-process seal width check.</bpmn:documentation>');
      expect(revisionB).not.toBe(library.xml);
      const draft = await plant.app.http.post('/api/v1/process-versions').set(plant.users.owner.auth).send({ xml: revisionB, changeReason: `Change ${changeInstanceId}`, forms: library.forms, basedOnId: v1.id });
      expect(draft.status).toBe(201);
      expect((await plant.app.http.post(`/api/v1/process-versions/${draft.body.id}/submit`).set(plant.users.owner.auth).send({})).status).toBe(200);
      expect((await plant.app.http.post(`/api/v1/process-versions/${draft.body.id}/approve`).set(plant.users.reviewer.auth).send({ password: plant.users.reviewer.user.password, meaning: 'approved' })).status).toBe(200);
      const released = await plant.app.http.post(`/api/v1/process-versions/${draft.body.id}/release`).set(plant.users.owner.auth).send({ password: plant.users.owner.user.password, meaning: 'released' });
      expect(released.status).toBe(200);
      v2 = { id: draft.body.id, sha256: released.body.sha256 };
      expect(released.body.version).toBe(2);

      await plant.complete(plant.users.owner, 'LinkVersion', { processVersionId: v2.id, versionNote: 'released' }, { instanceId });
      await plant.complete(plant.users.supervisor, 'ImplementTasks', { documentsUpdated: true, equipmentUpdated: false, trainingCompleted: true, implementationNotes: 'Both shifts trained' }, { instanceId });
      await plant.complete(plant.users.quality, 'VerifyImplementation', { verificationEvidence: 'Scenario test report', testsExecuted: true }, { instanceId });
      expect((await plant.instance(instanceId)).variables).toMatchObject({ linkedVersionStatus: 'released', linkedVersionKey: 'operation-execution', linkedVersionNumber: 2, linkedVersionSha256: v2.sha256 });
    });

    it('Then WO-2003, released now, runs on version 2, and its release records the hash of version 2, not the one its gate checked', async () => {
      const exec3 = await releaseOrder('WO-2003');
      expect(exec3.versionId).toBe(v2.id);
      const released3 = await plant.instance(release.get('WO-2003')!);
      expect(released3.variables).toMatchObject({ checkedVersionSha256: v1.sha256, executionVersionId: v2.id, executionVersionSha256: v2.sha256 });
      expect(v2.sha256).not.toBe(v1.sha256);
      const released1 = await plant.instance(release.get('WO-2001')!);
      expect(released1.variables).toMatchObject({ executionVersionId: v1.id, executionVersionSha256: v1.sha256 });
    });

    it('And WO-2002 finishes on version 1, confirmed to the ERP only after its inspection accepted the lot', async () => {
      await lineClearance('WO-2003');
      await plant.task(plant.users.operator, 'ScanComponent', execution.get('WO-2003'));

      await runOperation('WO-2002', 4.05);
      const inspectionId = await inspect('WO-2002', plant.users.inspector, 0, 4.1);
      expect(confirmed('WO-2002')).toBe(false);
      await plant.complete(plant.users.inspector, 'AcceptLot', { acceptanceConfirmed: true, acceptanceNote: '' }, { instanceId: inspectionId });
      const exec2 = await plant.ended(execution.get('WO-2002')!);
      expect(exec2).toMatchObject({ status: 'completed', versionId: v1.id, variables: { inspectionDecision: 'accepted', lotOnHold: false } });
      const steps = exec2.history.map((h) => h.activityId);
      expect(steps.indexOf('FinalInspection')).toBeLessThan(steps.indexOf('CheckHold'));
      expect(steps.indexOf('CheckHold')).toBeLessThan(steps.indexOf('ConfirmToErp'));
      expect(plant.erp.confirmations().filter((c) => c.orderId === 'WO-2002')).toHaveLength(1);
      expect(confirmed('WO-2001')).toBe(false);
    });
  });

  describe('Scenario: the auditor’s view of the day', () => {
    it('Then the lot of WO-2001 traces back to its component and the component forward to the lots that consumed it', async () => {
      const backward = await plant.app.http.get('/api/v1/trace/LOT-WO-2001?direction=backward&depth=10').set(plant.users.quality.auth);
      expect(backward.status).toBe(200);
      expect(backward.body.ends.map((n: { material: string; identifier: string }) => `${n.material}/${n.identifier}`)).toEqual(['RM-1001/L-2026-001']);
      expect(backward.body.edges).toEqual([expect.objectContaining({ quantity: 10.5, uom: 'KG', event: expect.objectContaining({ eventType: 'consume', orderId: 'WO-2001', equipmentId: 'cell-1', versionSha256: v1.sha256 }) })]);
      const lotHistory = backward.body.history.map((e: { eventType: string }) => e.eventType);
      expect(lotHistory).toEqual(expect.arrayContaining(['consume', 'produce', 'status']));

      const forward = await plant.app.http.get('/api/v1/trace/L-2026-001?direction=forward').set(plant.users.quality.auth);
      expect(forward.status).toBe(200);
      expect(forward.body.ends.map((n: { identifier: string }) => n.identifier).sort()).toEqual(['LOT-WO-2001', 'LOT-WO-2002']);
    });

    it('And its record exports as JSON with every step, signature, the inspection, the nonconformance and the hold', async () => {
      const record = await plant.app.http.get('/api/v1/records/lot/LOT-WO-2001').set(plant.users.quality.auth);
      expect(record.status).toBe(200);
      expect(record.body.header).toMatchObject({ partNumber: 'FG-7001', orderIds: expect.arrayContaining(['WO-2001']), equipment: expect.arrayContaining(['cell-1']) });
      const clearance = record.body.steps.find((s: { activityId: string; processKey: string }) => s.activityId === 'LineClearance' && s.processKey === 'operation-execution');
      expect(clearance.signatures.map((s: { role: string; printedName: string; meaning: string }) => `${s.role}:${s.printedName}:${s.meaning}`)).toEqual(['performer:Oscar Novak:performed', 'verifier:Vera Verifier:verified']);
      expect(record.body.inspections).toEqual([expect.objectContaining({ decision: 'rejected', ncNumber, signatures: [expect.objectContaining({ printedName: 'Ines Park', meaning: 'rejected' })] })]);
      expect(record.body.exceptions.nonconformances).toEqual([expect.objectContaining({ ncNumber, disposition: 'rework' })]);
      expect(record.body.exceptions.holds.map((h: { reference: string; status: string; releaseReason: string }) => [h.reference, h.status, h.releaseReason])).toEqual([
        ['inspection LOT-WO-2001', 'released', 'MRB disposition rework'],
        [ncNumber, 'released', 'MRB disposition rework'],
      ]);
      expect(record.body.components).toEqual([expect.objectContaining({ material: 'RM-1001', lot: 'L-2026-001', quantity: 10.5, statusAtUse: 'released' })]);
      expect(record.body.masterReference.map((m: { processKey: string; version: number }) => `${m.processKey} v${m.version}`)).toEqual(expect.arrayContaining(['work-order-release v1', 'operation-execution v1', 'inspection v1', 'deviation-capa v1']));
    });

    it('And as a PDF whose text holds the signatures with their meanings', async () => {
      const response = await plant.app.http.get('/api/v1/records/lot/LOT-WO-2001?format=pdf').set(plant.users.quality.auth).buffer(true).parse(binary);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      const text = (await pdfTextOf(response.body as Buffer)).replace(/\s+/g, ' ');
      for (const expected of ['Oscar Novak - meaning "performed"', 'Vera Verifier - meaning "verified"', 'Sam Sato - meaning "released"', 'Ines Park - meaning "rejected"', 'Quinn Morales - meaning "dispositioned"', ncNumber]) {
        expect(text).toContain(expected);
      }
    });

    it('And the KPIs show the day: first pass yield from the two inspections, OEE of the cell from the equipment monitor’s samples', async () => {
      // The monitor records each change in its own transaction: wait until it has seen both jobs' counts.
      await plant.until(async () => (await plant.equipment()).counters?.processed === 40, 'the monitor seeing 40 units processed');
      const samples = await plant.app.deps.db('equipment_samples').where({ equipment_id: 'cell-1' });
      expect(samples.length).toBeGreaterThan(0);
      // recorded by the monitor: every sample has its observation claimed in equipment_observations
      expect((await plant.app.deps.db('equipment_observations').where({ equipment_id: 'cell-1' })).length).toBeGreaterThan(0);
      const to = plant.app.deps.clock.now().toISOString();
      const kpis = await plant.app.http.get(`/api/v1/kpis?from=${dayStart.toISOString()}&to=${to}`).set(plant.users.supervisor.auth);
      expect(kpis.status).toBe(200);
      expect(kpis.body.figures.firstPassYield).toMatchObject({ value: 0.5, inputs: { inspectionsCompleted: 2, acceptedFirstTime: 1, rejected: 1 } });
      const [oee] = kpis.body.figures.oee;
      expect(oee.equipmentId).toBe('cell-1');
      expect(oee.value).toMatchObject({ totalCount: 40, defectiveCount: 4, goodCount: 36, quality: 0.9, idealCycleMs: 15 });
      expect(oee.value.availability).toBeGreaterThan(0);
      expect(oee.value.availability).toBeLessThan(1);
      expect(oee.value.oee).toBeCloseTo(oee.value.availability * oee.value.performance * oee.value.quality, 3);
      expect(oee.definition).toMatch(/availability × performance × quality/);
    });
  });
});
