import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { checkExecutability, parseModel } from '../../../server/bpmn';
import { createExpressions } from '../../../server/expressions';
import { drive } from './corpus-driver';

// Conformance: every model of the shared corpus (the MIWG reference suite included) goes through
// import, the submit gate's executability check and, when the engine can run it, a run to its end
// under both driving policies, with the platform's strict expression evaluator. The property held:
// a model the gate lets through never misbehaves silently: it completes, or stops with a model
// failure that names its expression or element (an incident), never waiting on nothing.
const CORPUS = path.resolve(__dirname, '../../../../shared/corpus');
const FOLDERS = ['miwg-reference', 'bpmn-engine', 'bpmn-elements', 'camunda-bpm-examples', 'camunda-modeler'];
const files = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(CORPUS, folder))
    .filter((f) => f.endsWith('.bpmn'))
    .map((f) => `${folder}/${f}`),
);
const options = { allowScripts: true, services: { log: () => undefined }, expressions: createExpressions() };

type Row = { file: string; imported: string; gate: string; tasksFirst?: string; timersFirst?: string };
const rows: Row[] = [];

afterAll(() => {
  if (process.env.GEMBA_CORPUS_REPORT) console.table(rows);
});

describe('Feature: conformance of the shared corpus (import → submit gate → run)', () => {
  it.each(files)('Scenario: %s', async (file) => {
    const xml = readFileSync(path.join(CORPUS, file), 'utf8');
    let parsed;
    try {
      parsed = await parseModel(xml);
    } catch (err) {
      rows.push({ file, imported: `refused: ${(err as Error).name}`, gate: '–' });
      // only the deliberately broken file is refused at import
      expect(file).toBe('camunda-modeler/broken.bpmn');
      return;
    }
    const findings = checkExecutability(parsed);
    const row: Row = { file, imported: 'yes', gate: findings.length ? [...new Set(findings.map((f) => f.code))].join(', ') : 'runnable' };
    rows.push(row);
    for (const finding of findings) expect(finding.reason.length).toBeGreaterThan(20);
    if (findings.length) return;

    for (const policy of ['tasksFirst', 'timersFirst'] as const) {
      const report = await drive(file, xml, options, policy);
      row[policy] = report.result + (report.detail ? ` (${report.detail.slice(0, 60)})` : '');
      // Loud is acceptable: a model error is an incident naming the expression or element (the
      // driver completes work with no data, so strict expressions on missing variables fail).
      // Silent is not: waiting on nothing ('stuck'), looping ('limit'), a host or state failure.
      const acceptable = report.result === 'completed' || (report.result === 'failed' && /^model: .+/.test(report.detail ?? ''));
      expect({ file, policy, result: report.result, detail: report.detail, acceptable }).toEqual({ file, policy, result: report.result, detail: report.detail, acceptable: true });
    }
  });

  it('Then every MIWG reference model imports, and the executable ones run', () => {
    const miwg = rows.filter((r) => r.file.startsWith('miwg-reference/'));
    expect(miwg.length).toBe(21);
    expect(miwg.every((r) => r.imported === 'yes')).toBe(true);
    expect(miwg.filter((r) => r.gate === 'runnable').map((r) => r.file)).toEqual(['miwg-reference/C.9.0.bpmn', 'miwg-reference/C.9.1.bpmn']);
  });
});
