import PDFDocument from 'pdfkit';
import type { RecordDocument, RecordStep } from './build-record';

// The human-readable record (C15): the JSON record laid out with pdfkit's standard fonts. Every
// signature shows printed name, meaning and time in UTC and in the site's time zone (C08); data
// changed after its first entry is marked (Annex 11 §8.2).

// pdfkit's standard fonts encode WinAnsi only: a few signs are spelled out, the rest replaced.
const SPELLED: Record<string, string> = { '≤': '<=', '≥': '>=', '→': '->', '←': '<-', '✍': '', '≠': '!=', '√': 'v', '…': '...' };
const WIN_ANSI_EXTRA = new Set('€‚ƒ„†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** Text the standard fonts can show. */
export function pdfText(value: unknown): string {
  const raw = value === null || value === undefined ? '—' : typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  let out = '';
  for (const char of raw) {
    const code = char.codePointAt(0)!;
    if (SPELLED[char] !== undefined) out += SPELLED[char];
    else if (code === 0x0a || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(char)) out += char;
    else out += '?';
  }
  return out;
}

const MARGIN = 48;

/**
 * Renders a record as a PDF (A4), with a running footer of the record, its integrity hash and page
 * numbers. Resolves to the file's bytes.
 */
export function renderRecordPdf(record: RecordDocument): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: pdfText(record.title), Author: 'Gemba', Subject: `${record.recordType} ${record.identifier}`, Creator: 'Gemba' } });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('error', reject);
    doc.on('end', () => resolve(Buffer.concat(chunks)));

    const width = doc.page.width - 2 * MARGIN;
    const heading = (text: string) => {
      if (doc.y > doc.page.height - 140) doc.addPage();
      doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).fillColor('#1f3a5f').text(pdfText(text), MARGIN, undefined, { width }).moveDown(0.2).fillColor('black').font('Helvetica').fontSize(9);
    };
    const line = (label: string, value: unknown) => {
      doc.font('Helvetica-Bold').fontSize(9).text(`${pdfText(label)}: `, MARGIN, undefined, { continued: true, width }).font('Helvetica').text(pdfText(value), { width });
    };
    const small = (text: string, options: { indent?: number; color?: string } = {}) => {
      doc.font('Helvetica').fontSize(8.5).fillColor(options.color ?? 'black').text(pdfText(text), MARGIN + (options.indent ?? 0), undefined, { width: width - (options.indent ?? 0) }).fillColor('black');
    };

    doc.font('Helvetica-Bold').fontSize(15).text(pdfText(record.title), { width });
    doc.font('Helvetica').fontSize(8.5).text(pdfText(`Generated ${record.generatedAt} UTC (${record.generatedAtSite}) by ${record.generatedBy}. Site time zone: ${record.siteTimeZone}.`), { width });

    heading('Header');
    line('Part number', record.header.partNumber);
    line('Lots', record.header.lots.join(', ') || '—');
    if (record.header.serial) line('Serial', record.header.serial);
    line('Work orders', record.header.orderIds.join(', ') || '—');
    const q = record.header.quantities;
    line('Quantities', `ordered ${pdfText(q.ordered)}, produced ${q.produced}, scrapped ${q.scrapped} ${pdfText(q.unit ?? '')}`);
    line('Dates', `${pdfText(record.header.firstActivityAt)} to ${pdfText(record.header.lastActivityAt)} (UTC)`);
    line('Equipment', record.header.equipment.join(', ') || '—');
    line('Record status', record.header.status);

    heading('Master reference (process versions used)');
    for (const m of record.masterReference) small(`${m.processKey} version ${pdfText(m.version)} (${pdfText(m.status)}), released ${pdfText(m.releasedAt)}; SHA-256 ${pdfText(m.sha256)}`);

    heading('Components consumed');
    if (record.components.length === 0) small('None recorded.');
    for (const c of record.components) {
      small(`${c.material} lot ${pdfText(c.lot ?? c.serial)}: ${pdfText(c.quantity)} ${pdfText(c.uom)} into ${pdfText(c.into)}, ${c.consumedAt} UTC (${c.consumedAtSite}), by ${pdfText(c.performedByName ?? c.performedBy)} on ${pdfText(c.equipmentId)}; status at use: ${c.statusAtUse}`);
    }

    heading('Equipment and gauges');
    for (const e of record.equipment) small(`${e.equipmentId}: used ${e.firstUse} to ${e.lastUse} UTC; ${e.genealogyEvents} genealogy events; orders ${e.orderIds.join(', ') || '—'}`);
    for (const g of record.gauges) {
      small(`Gauge ${g.gaugeId} used in "${g.step}" at ${pdfText(g.usedAt)}: ${g.registered ? `calibration due ${g.calibrationDue}` : 'not in the register'}; calibrated at use: ${g.calibratedAtUse ? 'yes' : 'NO'}`);
    }

    heading('Steps, data and signatures');
    for (const step of record.steps) renderStep(doc, step, width, small);

    heading('Inspections');
    if (record.inspections.length === 0) small('None.');
    for (const i of record.inspections) {
      small(`Lot ${pdfText(i.lot)}, ${pdfText(i.inspectionType)} inspection: plan ${pdfText(i.plan.samplingPlan)} (AQL ${pdfText(i.plan.aql)}, level ${pdfText(i.plan.inspectionLevel)}, ${pdfText(i.plan.switchingState)}; code letter ${pdfText(i.plan.codeLetter)}, n = ${pdfText(i.plan.sampleSize)}, Ac ${pdfText(i.plan.acceptNumber)}, Re ${pdfText(i.plan.rejectNumber)})`);
      small(`Results: ${pdfText(i.results.sampleInspected)} inspected, ${pdfText(i.results.defectsFound)} defective, measured ${pdfText(i.results.measuredMin)} to ${pdfText(i.results.measuredMax)} ${pdfText(i.results.unit)} (limits ${pdfText(i.results.lsl)} to ${pdfText(i.results.usl)}), gauge ${pdfText(i.results.gaugeId)}. Decision: ${i.decision.toUpperCase()}${i.ncNumber ? `, ${i.ncNumber}` : ''}`, { indent: 10 });
      for (const s of i.signatures) small(`Signed "${s.meaning}" by ${s.printedName} at ${s.signedAt} UTC (${s.signedAtSite})`, { indent: 10 });
    }

    heading('Exceptions: nonconformances, deviations, holds, incidents');
    for (const n of record.exceptions.nonconformances) {
      small(`${pdfText(n.recordType)} ${pdfText(n.ncNumber)} on lot ${pdfText(n.lot)} (${pdfText(n.severity)}): ${pdfText(n.description)}; disposition ${pdfText(n.disposition)}; CAPA ${pdfText(n.capaRequired)}; ${n.status}, opened ${n.openedAt}${n.closedAt ? `, closed ${n.closedAt}` : ''}`);
    }
    for (const h of record.exceptions.holds) {
      small(`Hold on ${h.lot} (${h.reference}): ${h.reason}; placed by ${pdfText(h.placedBy)} at ${h.placedAt}; ${h.status === 'released' ? `released by ${pdfText(h.releasedBy)} at ${pdfText(h.releasedAt)}: ${pdfText(h.releaseReason)}` : 'ACTIVE'}`);
    }
    for (const i of record.exceptions.incidents) small(`Incident (${i.kind}, ${i.status}) at ${i.createdAt}: ${i.message}`);
    for (const e of record.exceptions.escalations) small(`Escalation "${pdfText(e.title)}" (${pdfText(e.eventClass)}), ${e.status}, resolution ${pdfText(e.resolutionCode)}`);
    if (record.exceptions.nonconformances.length + record.exceptions.holds.length + record.exceptions.incidents.length + record.exceptions.escalations.length === 0) small('None.');

    heading('Entries changed after their first entry (Annex 11 §8.2)');
    if (record.changedEntries.length === 0) small('None.');
    for (const c of record.changedEntries) {
      small(`[CHANGED] ${c.step} / ${c.label}: first ${pdfText(c.firstValue)} (${c.firstEnteredAt} by ${pdfText(c.firstEnteredBy)}), then ${pdfText(c.value)} (${pdfText(c.enteredAt)} by ${pdfText(c.enteredBy)})`, { color: '#9a3412' });
    }

    heading('Genealogy');
    for (const g of record.genealogy) {
      small(`${g.occurredAt} ${g.eventType} ${g.material} ${pdfText(g.lot ?? g.serial)}${g.quantity !== null ? ` ${g.quantity} ${pdfText(g.uom)}` : ''}${g.into ? ` into ${g.into}` : ''}${g.status ? ` -> ${g.status}` : ''}; ${pdfText(g.performedByName ?? g.performedBy)}; ${pdfText(g.equipmentId)}; version ${pdfText(g.versionSha256?.slice(0, 12))}`);
    }

    heading('Review by exception');
    const r = record.reviewByException;
    small(`Open tasks ${r.openTasks}; active holds ${r.activeHolds}; open incidents ${r.openIncidents}; nonconformances ${r.nonconformances}; changed entries ${r.changedEntries}; invalid signatures ${r.invalidSignatures}. Ready for release: ${r.readyForRelease ? 'yes' : 'no'}.`);

    heading('Audit trail');
    for (const a of record.auditTrail) small(`#${a.seq} ${a.occurredAt} ${pdfText(a.printedName ?? a.actor)} (${a.actorType}) ${a.action} ${a.entity}${a.reason ? ` - reason: ${a.reason}` : ''}`);

    const pages = doc.bufferedPageRange();
    for (let i = 0; i < pages.count; i++) {
      doc.switchToPage(pages.start + i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.font('Helvetica').fontSize(7).fillColor('#555555').text(pdfText(`${record.recordType} ${record.identifier} - record SHA-256 ${record.integrity.sha256} - page ${i + 1} of ${pages.count}`), MARGIN, doc.page.height - 30, { width, align: 'center' });
      doc.page.margins.bottom = bottom;
    }
    doc.end();
  });
}

function renderStep(doc: PDFKit.PDFDocument, step: RecordStep, width: number, small: (text: string, options?: { indent?: number; color?: string }) => void): void {
  if (doc.y > doc.page.height - 120) doc.addPage();
  doc.moveDown(0.25).font('Helvetica-Bold').fontSize(9).text(pdfText(`${step.name}  [${step.processKey} v${step.versionNumber ?? '?'}, ${step.source}${step.repeated ? `, entered ${step.repeated + 1} times` : ''}]`), MARGIN, undefined, { width });
  small(`${step.status}${step.completedAt ? ` at ${step.completedAt} UTC (${step.completedAtSite})` : ''}${step.performedBy ? `, by ${step.performedByName ?? step.performedBy}` : ''}${step.verifiedBy ? `, verified by ${step.verifiedByName ?? step.verifiedBy}` : ''}`, { indent: 10 });
  for (const d of step.data) {
    const limits = d.limits ? ` [form limits ${pdfText(d.limits.min)} to ${pdfText(d.limits.max)}]` : '';
    const spec = d.specification ? ` [spec ${d.specification.lsl} to ${d.specification.usl} ${pdfText(d.specification.unit)}: ${d.specification.withinLimits ? 'PASS' : 'FAIL'}]` : '';
    const changed = d.changedAfterFirstEntry ? ` [CHANGED after first entry: was ${pdfText(d.changedAfterFirstEntry.firstValue)} at ${d.changedAfterFirstEntry.firstEnteredAt}]` : '';
    small(`${d.label}: ${pdfText(d.value)}${d.unit ? ` ${d.unit}` : ''}${limits}${spec}${changed}`, { indent: 18, color: d.changedAfterFirstEntry ? '#9a3412' : 'black' });
  }
  for (const s of step.signatures) {
    small(`Signature (${s.role}): ${s.printedName} - meaning "${s.meaning}" - ${s.signedAt} UTC (${s.signedAtSite})${s.comment ? ` - "${s.comment}"` : ''}${s.valid ? '' : ' - INVALID: the data changed after signing'}`, { indent: 18, color: '#14532d' });
  }
}
