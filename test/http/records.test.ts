import PDFParser from 'pdf2json';
import type { Response } from 'superagent';
import { Plant } from '../scenarios/plant';
import { auditOf } from '../support/factories';

// GET /api/v1/records/:type/:identifier (T04, C15): the record of a lot inspected with the
// library's inspection process, where the inspector first entered an expired gauge and then a
// calibrated one. JSON and PDF; the entry changed after its first entry is flagged in both;
// every export is audited with the hash of what was sent; bad requests change nothing.

const binary = (response: Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => callback(null, Buffer.concat(chunks)));
};
const pdfTextOf = (pdf: Buffer): Promise<string> =>
  new Promise((resolve, reject) => {
    const parser = new PDFParser(undefined, true);
    parser.on('pdfParser_dataError', (error) => reject(error.parserError));
    parser.on('pdfParser_dataReady', () => resolve(parser.getRawTextContent().replace(/\s+/g, ' ')));
    parser.parseBuffer(pdf);
  });

describe('Records API', () => {
  let plant: Plant;
  beforeAll(async () => {
    plant = await Plant.start({ processes: ['escalation', 'change-control', 'deviation-capa', 'inspection'] });
    const started = await plant.app.http
      .post('/api/v1/processes/inspection/instances')
      .set(plant.users.inspector.auth)
      .send({ businessKey: 'LOT-R1', variables: { lot: 'LOT-R1', orderId: 'WO-R1', material: 'FG-7001', lotSize: 500, inspectionType: 'final', samplingPlan: 'aql', aql: '1.0', characteristic: 'Seal width', lsl: 3.8, usl: 4.2, measurementUnit: 'mm' } });
    const instanceId = started.body.id;
    const sample = (gaugeId: string) => ({ sampleInspected: 50, measuredMin: 3.91, measuredMax: 4.12, defectsFound: 0, gaugeId, inspectionNotes: '' });
    await plant.complete(plant.users.inspector, 'InspectSample', sample('G-0007'), { instanceId });
    await plant.complete(plant.users.inspector, 'InspectSample', sample('G-1001'), { instanceId });
    await plant.complete(plant.users.inspector, 'AcceptLot', { acceptanceConfirmed: true, acceptanceNote: 'Within limits' }, { instanceId });
    await plant.ended(instanceId);
  });
  afterAll(async () => {
    await plant?.close();
  });

  it('returns the lot record as JSON with steps, signatures, the changed entry flagged and an integrity hash; the export is audited', async () => {
    const response = await plant.app.http.get('/api/v1/records/lot/LOT-R1?timeZone=Europe/Berlin').set(plant.users.quality.auth);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ recordType: 'lot', identifier: 'LOT-R1', siteTimeZone: 'Europe/Berlin', generatedBy: 'Quinn Morales' });
    const samples = response.body.steps.filter((s: { activityId: string }) => s.activityId === 'InspectSample');
    expect(samples).toHaveLength(2);
    expect(samples[1].repeated).toBe(1);
    const gauge = samples[1].data.find((d: { field: string }) => d.field === 'gaugeId');
    expect(gauge.changedAfterFirstEntry).toMatchObject({ firstValue: 'G-0007', firstEnteredBy: plant.users.inspector.user.username });
    expect(samples[0].data.find((d: { field: string }) => d.field === 'gaugeId').changedAfterFirstEntry).toBeNull();
    expect(response.body.changedEntries).toEqual([expect.objectContaining({ field: 'gaugeId', firstValue: 'G-0007', value: 'G-1001' })]);
    const accept = response.body.steps.find((s: { activityId: string }) => s.activityId === 'AcceptLot');
    expect(accept.signatures).toEqual([expect.objectContaining({ role: 'performer', printedName: 'Ines Park', meaning: 'inspected', valid: true, signedAtSite: expect.stringContaining('Europe/Berlin') })]);
    expect(response.body.integrity).toEqual({ algorithm: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(response.headers['x-content-sha256']).toBe(response.body.integrity.sha256);
    const audit = await auditOf(plant.app, 'Record', 'lot:LOT-R1');
    expect(audit.at(-1)).toMatchObject({ action: 'record.exported', actor_name: plant.users.quality.user.username });
  });

  it('finds the same steps from the work order', async () => {
    const response = await plant.app.http.get('/api/v1/records/work-order/WO-R1').set(plant.users.supervisor.auth);
    expect(response.status).toBe(200);
    expect(response.body.header.orderIds).toEqual(['WO-R1']);
    expect(response.body.inspections).toEqual([expect.objectContaining({ lot: 'LOT-R1', decision: 'accepted' })]);
  });

  it('exports the record as a PDF whose text holds the signature and the flagged change, in both forms of the URL', async () => {
    for (const url of ['/api/v1/records/lot/LOT-R1?format=pdf', '/api/v1/records/lot/LOT-R1/record.pdf']) {
      const response = await plant.app.http.get(url).set(plant.users.quality.auth).buffer(true).parse(binary);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['content-disposition']).toBe('attachment; filename="lot-LOT-R1.pdf"');
      const body = response.body as Buffer;
      expect(body.subarray(0, 5).toString()).toBe('%PDF-');
      const text = await pdfTextOf(body);
      expect(text).toContain('Ines Park - meaning "inspected"');
      expect(text).toContain('[CHANGED]');
      expect(text).toContain('G-0007');
    }
    const audit = await auditOf(plant.app, 'Record', 'lot:LOT-R1');
    expect(audit.filter((a) => a.action === 'record.exported').map((a) => (a.after as { format: string }).format)).toEqual(['json', 'pdf', 'pdf']);
  });

  it('refuses bad requests with a problem, unknown subjects with 404, and roles without the right with 403', async () => {
    const before = (await auditOf(plant.app, 'Record', 'lot:LOT-R1')).length;
    for (const url of ['/api/v1/records/lot/LOT-R1?format=xml', '/api/v1/records/lot/LOT-R1?timeZone=Mars/Olympus', '/api/v1/records/lot/LOT-R1?x=1']) {
      const response = await plant.app.http.get(url).set(plant.users.quality.auth);
      expect({ url, status: response.status, type: response.headers['content-type'] }).toEqual({ url, status: 400, type: expect.stringMatching(/problem\+json/) });
    }
    expect((await plant.app.http.get('/api/v1/records/lot/NO-SUCH-LOT').set(plant.users.quality.auth)).status).toBe(404);
    // a record type that does not exist is a path that does not exist
    expect((await plant.app.http.get('/api/v1/records/pallet/LOT-R1').set(plant.users.quality.auth)).status).toBe(404);
    expect((await plant.app.http.get('/api/v1/records/lot/LOT-R1').set(plant.users.operator.auth)).status).toBe(403);
    // inspectors may read records but not export them as documents
    expect((await plant.app.http.get('/api/v1/records/lot/LOT-R1').set(plant.users.inspector.auth)).status).toBe(200);
    expect((await plant.app.http.get('/api/v1/records/lot/LOT-R1?format=pdf').set(plant.users.inspector.auth)).status).toBe(403);
    expect((await auditOf(plant.app, 'Record', 'lot:LOT-R1')).length).toBe(before + 1);
  });
});
