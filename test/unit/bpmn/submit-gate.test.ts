import fs from 'node:fs';
import path from 'node:path';
import { toProblem } from '../../../server/errors/to-problem';
import { ModelGateError } from '../../../server/bpmn/errors';
import { parseModel } from '../../../server/bpmn/parse-model';
import type { ParsedModel } from '../../../server/bpmn/parse-model';
import { assertSubmittable, runSubmitGate } from '../../../server/bpmn/submit-gate';
import type { GateResult } from '../../../server/bpmn/submit-gate';
import { parseCorpus } from './corpus';

const CLEAN = fs.readFileSync(path.join(__dirname, 'fixtures/clean-inspection.bpmn'), 'utf8');

describe('submit gate', () => {
  it('passes a clean Gemba model', async () => {
    // given
    const parsed = await parseModel(CLEAN);

    // when
    const result = await runSubmitGate(parsed);

    // then
    expect(result).toEqual({ passed: true, lint: [], executability: [], warnings: [] });
    await expect(assertSubmittable(parsed)).resolves.toEqual([]);
  });

  it('keeps warnings with a passing model', async () => {
    // given a script task flagged GAMP category 5: allowed, but reviewers must read it
    const xml = CLEAN.replace(
      '<serviceTask id="Confirm" name="Confirm to ERP" gemba:connector="erp" gemba:operation="confirmOperation" gemba:retries="3" />',
      '<scriptTask id="Confirm" name="Compute lot size" scriptFormat="javascript" gemba:gampCategory="5"><script>next()</script></scriptTask>',
    );

    // when
    const warnings = await assertSubmittable(await parseModel(xml));

    // then
    expect(warnings).toEqual([expect.objectContaining({ id: 'Confirm', rule: 'gemba/script-task-review', category: 'warn' })]);
  });

  it('refuses a model with errors as a 422 problem listing each one', async () => {
    // given
    const xml = CLEAN.replace(' camunda:candidateGroups="inspector"', '').replace('gemba:signatureMeaning="inspected"', 'gemba:signatureMeaning="looked-at"');

    // when
    const err = await assertSubmittable(await parseModel(xml)).catch((e: unknown) => e);

    // then
    expect(err).toBeInstanceOf(ModelGateError);
    const problem = toProblem(err as ModelGateError);
    expect(problem).toMatchObject({ status: 422, code: 'bpmn_gate_failed', detail: 'The model has 2 problems that must be fixed before it can be submitted' });
    expect(problem.errors).toEqual([
      expect.objectContaining({ path: 'Inspect', rule: 'gemba/signature-meaning', message: expect.stringMatching(/'looked-at'/), line: 12 }),
      expect.objectContaining({ path: 'Inspect', rule: 'gemba/user-task-assignment', line: 12 }),
    ]);
    expect(problem.warnings).toEqual([]);
  });

  describe('corpus', () => {
    let corpus: Map<string, ParsedModel>;
    const results = new Map<string, GateResult>();

    beforeAll(async () => {
      corpus = await parseCorpus();
      for (const [name, parsed] of corpus) results.set(name, await runSubmitGate(parsed));
    });

    it('refuses every MIWG model, each with reasons', () => {
      // the executable C.x files need Camunda/Signavio constructs Gemba does not run, or lack assignments
      for (const [name, result] of results) {
        if (!name.startsWith('miwg-reference/')) continue;
        expect({ name, passed: result.passed }).toEqual({ name, passed: false });
        const reasons = [...result.executability.map((f) => f.reason), ...result.lint.filter((f) => f.category === 'error').map((f) => f.message)];
        expect(reasons.length).toBeGreaterThan(0);
      }
    });

    it('gives precise, located reasons for every refused executable model', () => {
      for (const [name, result] of results) {
        if (result.passed || !corpus.get(name)!.executableProcessIds.length) continue;
        for (const finding of result.executability) expect({ name, id: finding.id, reason: finding.reason }).toEqual({ name, id: finding.id, reason: expect.stringMatching(/\S{3,}.{20,}/) });
        for (const finding of result.lint.filter((f) => f.category === 'error')) expect({ name, located: !!finding.id }).toEqual({ name, located: true });
      }
    });
  });
});
