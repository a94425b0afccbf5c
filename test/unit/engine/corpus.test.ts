import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DrivePolicy, DriveReport } from './corpus-driver';
import { drive } from './corpus-driver';

// Every executable model of the shared corpus, driven to its end through the engine API the way
// the runtime will (tasks completed, jobs completed, messages and signals delivered, timers fired
// on a moved clock), once completing work before timers and once letting timers fire first. Each
// event goes through a JSON round trip of the state. Expected results and why are recorded here.
const CORPUS = path.resolve(__dirname, '../../../../shared/corpus');
const FOLDERS = ['bpmn-engine', 'bpmn-elements', 'camunda-bpm-examples', 'miwg-reference', 'camunda-modeler'];

const NO_EXECUTABLE = /no executable process/;

/** Results other than `completed`, with the reason (for one driving policy only, when given). */
const EXPECTED: Record<string, { result: string; detail: RegExp; why: string; policy?: DrivePolicy }> = {
  'camunda-bpm-examples/loan-granting.bpmn': { result: 'failed', detail: /camunda:Script values are not supported/, why: 'an input parameter written as a script (the gate refuses it: io-unsupported-value)' },
  'miwg-reference/C.9.2.bpmn': { result: 'failed', detail: /BPMN error '02' thrown by <ErrorEndEvent_Timeout> was not caught/, why: 'a called process whose timeout ends with an error end event for its caller', policy: 'timersFirst' },
  'camunda-modeler/broken.bpmn': { result: 'not compiled', detail: /could not be read/, why: 'malformed XML' },
  'camunda-modeler/complex.bpmn': { result: 'not compiled', detail: NO_EXECUTABLE, why: 'descriptive model' },
  'camunda-modeler/import-warnings.bpmn': { result: 'not compiled', detail: NO_EXECUTABLE, why: 'descriptive model' },
  'miwg-reference/C.1.0.bpmn': { result: 'not compiled', detail: /cannot run this model/, why: 'moddle-context-serializer fails on its data associations' },
  'miwg-reference/C.1.1.bpmn': { result: 'not compiled', detail: /cannot run this model/, why: 'moddle-context-serializer fails on its data associations' },
  'miwg-reference/C.3.0.bpmn': { result: 'not compiled', detail: /cannot run this model/, why: 'moddle-context-serializer fails on its data associations' },
  'miwg-reference/C.8.1.bpmn': { result: 'not compiled', detail: /Unknown activity type bpmn:ItemDefinition/, why: 'global item definitions' },
};
for (const file of ['A.1.0', 'A.2.0', 'A.2.1', 'A.3.0', 'A.4.0', 'A.4.1', 'B.1.0', 'B.2.0', 'C.2.0', 'C.4.0', 'C.5.0', 'C.6.0', 'C.7.0', 'C.8.0']) {
  EXPECTED[`miwg-reference/${file}.bpmn`] = { result: 'not compiled', detail: NO_EXECUTABLE, why: 'no isExecutable="true" process' };
}

const files = FOLDERS.flatMap((folder) =>
  readdirSync(path.join(CORPUS, folder))
    .filter((f) => f.endsWith('.bpmn'))
    .map((f) => `${folder}/${f}`),
);

// The models' scripts call services the upstream tests inject.
const options = { allowScripts: true, services: { log: () => undefined } };

describe.each<DrivePolicy>(['tasksFirst', 'timersFirst'])('Feature: the shared corpus runs through the engine API (%s)', (policy) => {
  const reports: DriveReport[] = [];

  afterAll(() => {
    // The table the bench README quotes: file, result, events, largest stored state.
    if (process.env.GEMBA_CORPUS_REPORT) {
      console.table(reports.map((r) => ({ file: r.file, result: r.result, events: r.events, maxStateBytes: r.maxStateBytes, detail: r.detail ?? '' })));
    }
  });

  it.each(files)('Scenario: %s', async (file) => {
    const report = await drive(file, readFileSync(path.join(CORPUS, file), 'utf8'), options, policy);
    reports.push(report);
    const expected = EXPECTED[file] && (!EXPECTED[file].policy || EXPECTED[file].policy === policy) ? EXPECTED[file] : undefined;
    if (expected) {
      expect(report.result).toBe(expected.result);
      expect(report.detail).toMatch(expected.detail);
    } else {
      expect({ result: report.result, detail: report.detail }).toEqual({ result: 'completed' });
    }
  });
});
