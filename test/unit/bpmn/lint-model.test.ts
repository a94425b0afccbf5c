import fs from 'node:fs';
import path from 'node:path';
import { GATE_LINT_CONFIG, lintModel } from '../../../server/bpmn/lint-model';
import type { LintFinding } from '../../../server/bpmn/model-types';
import { parseModel } from '../../../server/bpmn/parse-model';
import type { ParsedModel } from '../../../server/bpmn/parse-model';
import { chain, model, parseCorpus } from './corpus';

async function lint(xml: string): Promise<LintFinding[]> {
  return lintModel(await parseModel(xml));
}

/** Findings of one rule on one element. */
function of(findings: LintFinding[], rule: string, id?: string): LintFinding[] {
  return findings.filter((f) => f.rule === rule && (id === undefined || f.id === id));
}

describe('lintModel', () => {
  describe('gemba/user-task-assignment', () => {
    it.each([
      ['an assignee', 'camunda:assignee="jane"'],
      ['candidate groups', 'camunda:candidateGroups="inspector"'],
      ['candidate users', 'camunda:candidateUsers="jane,joe"'],
    ])('accepts a user task with %s', async (_, attributes) => {
      const findings = await lint(model(chain(`<userTask id="A" name="Inspect" ${attributes} />`)));
      expect(of(findings, 'gemba/user-task-assignment')).toEqual([]);
    });

    it.each([
      ['nothing', ''],
      ['blank candidate groups', 'camunda:candidateGroups="  "'],
    ])('refuses a user task with %s', async (_, attributes) => {
      // when
      const findings = await lint(model(chain(`<userTask id="A" name="Inspect" ${attributes} />`)));

      // then
      expect(of(findings, 'gemba/user-task-assignment')).toEqual([
        expect.objectContaining({ id: 'A', category: 'error', message: expect.stringMatching(/'Inspect' is offered to nobody/) }),
      ]);
    });

    it('leaves user tasks of non-executable processes alone', async () => {
      const findings = await lint(model(chain('<userTask id="A" name="Inspect" />'), { executable: false }));
      expect(of(findings, 'gemba/user-task-assignment')).toEqual([]);
    });
  });

  describe('gemba/service-task-binding', () => {
    it.each([
      ['an external task topic', '<serviceTask id="A" name="Call" camunda:type="external" camunda:topic="erp-confirm" />'],
      ['a Gemba connector operation', '<serviceTask id="A" name="Call" gemba:connector="erp" gemba:operation="confirm" gemba:retries="5" />'],
      ['a send task with a connector', '<sendTask id="A" name="Notify" gemba:connector="mail" gemba:operation="send" />'],
      ['a business rule task as external task', '<businessRuleTask id="A" name="Decide" camunda:type="external" camunda:topic="decide" />'],
    ])('accepts %s', async (_, task) => {
      const findings = await lint(model(chain(task)));
      expect(of(findings, 'gemba/service-task-binding')).toEqual([]);
    });

    it.each([
      ['an unbound service task', '<serviceTask id="A" name="Call" />', /does not say what to call/],
      ['an unbound send task', '<sendTask id="A" name="Call" />', /Send task 'Call' does not say what to call/],
      ['an unbound business rule task', '<businessRuleTask id="A" name="Call" />', /Business rule task 'Call' does not say/],
      ['an external task without topic', '<serviceTask id="A" name="Call" camunda:type="external" />', /without a topic/],
      ['a topic without camunda:type', '<serviceTask id="A" name="Call" camunda:topic="t" />', /not an external task/],
      ['a Java class', '<serviceTask id="A" name="Call" camunda:class="com.acme.Delegate" />', /Java class \(camunda:class\)/],
      ['a delegate expression', '<serviceTask id="A" name="Call" camunda:delegateExpression="${bean}" />', /camunda:delegateExpression/],
      ['an expression', '<serviceTask id="A" name="Call" camunda:expression="${svc.run()}" />', /camunda:expression/],
      ['a DMN decision', '<businessRuleTask id="A" name="Call" camunda:decisionRef="d" />', /DMN decision/],
      [
        'a Camunda Connect connector',
        '<serviceTask id="A" name="Call"><extensionElements><camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector></extensionElements></serviceTask>',
        /Camunda Connect/,
      ],
      ['half a connector call', '<serviceTask id="A" name="Call" gemba:connector="erp" />', /set gemba:operation/],
      ['both bindings', '<serviceTask id="A" name="Call" camunda:type="external" camunda:topic="t" gemba:connector="erp" gemba:operation="o" />', /keep one/],
      ['retries that are not a number', '<serviceTask id="A" name="Call" gemba:connector="erp" gemba:operation="o" gemba:retries="many" />', /gemba:retries="NaN"/],
      ['too many retries', '<serviceTask id="A" name="Call" gemba:connector="erp" gemba:operation="o" gemba:retries="101" />', /from 0 to 100/],
      ['negative retries', '<serviceTask id="A" name="Call" gemba:connector="erp" gemba:operation="o" gemba:retries="-1" />', /from 0 to 100/],
    ])('refuses %s', async (_, task, message) => {
      // when
      const findings = of(await lint(model(chain(task))), 'gemba/service-task-binding', 'A');

      // then
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.every((f) => f.category === 'error')).toBe(true);
      expect(findings.map((f) => f.message).join('\n')).toMatch(message);
    });
  });

  describe('gemba/equipment-binding', () => {
    const task = (attributes: string) => `<serviceTask id="A" name="Write setpoint" ${attributes} />`;

    it.each([
      ['ns=2;s=Line1.Press.Setpoint'],
      ['nsu=urn:gemba:cell;s=Cell.Setpoint'],
      ['i=2258'],
      ['ns=3;g=09087e75-8e5e-499b-954f-f2a9603db28a'],
      ['${environment.variables.nodeId}'],
    ])('accepts OPC UA node %s', async (node) => {
      const findings = await lint(model(chain(task(`gemba:connector="opcua" gemba:operation="write" gemba:equipment="press-1" gemba:equipmentNode="${node}"`))));
      expect(of(findings, 'gemba/equipment-binding')).toEqual([]);
    });

    it.each([
      ['a node without equipment', 'gemba:connector="opcua" gemba:operation="write" gemba:equipmentNode="ns=2;s=X"', /set gemba:equipment/],
      ['a malformed node id', 'gemba:connector="opcua" gemba:operation="write" gemba:equipment="p" gemba:equipmentNode="Press.Setpoint"', /not an OPC UA node id/],
      ['equipment without a connector call', 'gemba:type="x" gemba:equipment="p" camunda:type="external" camunda:topic="t"', /calls no connector operation/],
    ])('refuses %s', async (_, attributes, message) => {
      const findings = of(await lint(model(chain(task(attributes)))), 'gemba/equipment-binding', 'A');
      expect(findings.map((f) => f.message).join('\n')).toMatch(message);
      expect(findings.every((f) => f.category === 'error')).toBe(true);
    });
  });

  describe('gemba/timer-expression', () => {
    const timer = (definition: string) => `<intermediateCatchEvent id="A" name="Wait">${definition}</intermediateCatchEvent>`;

    it.each([
      ['a duration', '<timerEventDefinition><timeDuration>PT10M</timeDuration></timerEventDefinition>'],
      ['a date', '<timerEventDefinition><timeDate>2030-01-01T06:00:00Z</timeDate></timerEventDefinition>'],
      ['a Quartz cron cycle', '<timerEventDefinition><timeCycle>0/5 0/1 * 1/1 * ?</timeCycle></timerEventDefinition>'],
      ['an expression', '<timerEventDefinition><timeDuration>${environment.variables.wait}</timeDuration></timerEventDefinition>'],
      ['a FEEL expression', '<timerEventDefinition><timeDate>=now() + duration("PT1H")</timeDate></timerEventDefinition>'],
    ])('accepts %s', async (_, definition) => {
      const findings = await lint(model(chain(timer(definition))));
      expect(of(findings, 'gemba/timer-expression')).toEqual([]);
    });

    it.each([
      ['an invalid duration', '<timerEventDefinition><timeDuration>10 minutes</timeDuration></timerEventDefinition>', /duration: "10 minutes" is not an ISO 8601 duration/],
      ['an empty timer', '<timerEventDefinition />', /has no date, duration or cycle/],
      ['two kinds at once', '<timerEventDefinition><timeDuration>PT1M</timeDuration><timeDate>2030-01-01</timeDate></timerEventDefinition>', /sets date and duration; set exactly one|sets duration and date/],
      ['a zero cycle', '<timerEventDefinition><timeCycle>R/PT0S</timeCycle></timerEventDefinition>', /zero seconds/],
      ['an empty value', '<timerEventDefinition><timeDate></timeDate></timerEventDefinition>', /empty/],
    ])('refuses %s', async (_, definition, message) => {
      // when
      const findings = of(await lint(model(chain(timer(definition)))), 'gemba/timer-expression', 'A');

      // then
      expect(findings).toEqual([expect.objectContaining({ category: 'error', message: expect.stringMatching(message) })]);
    });

    it('checks the due dates of user tasks', async () => {
      // when
      const findings = await lint(
        model(chain('<userTask id="A" name="A" camunda:candidateGroups="g" camunda:dueDate="PT4H" />', '<userTask id="B" name="B" camunda:candidateGroups="g" camunda:dueDate="tomorrow" camunda:followUpDate="P" />')),
      );

      // then
      expect(of(findings, 'gemba/timer-expression', 'A')).toEqual([]);
      expect(of(findings, 'gemba/timer-expression', 'B').map((f) => f.message)).toEqual([
        expect.stringMatching(/camunda:dueDate of 'B': "tomorrow" is not an ISO 8601 date/),
        expect.stringMatching(/camunda:followUpDate of 'B'/),
      ]);
    });
  });

  describe('gemba/signature-meaning', () => {
    const userTask = (attributes: string) => `<userTask id="A" name="Approve" camunda:candidateGroups="quality" ${attributes} />`;

    it.each([
      ['a listed meaning', 'gemba:signatureMeaning="approved"'],
      ['a meaning with second-person verification', 'gemba:signatureRequired="true" gemba:signatureMeaning="performed" gemba:verifierRequired="true"'],
      ['no signature at all', ''],
    ])('accepts %s', async (_, attributes) => {
      const findings = await lint(model(chain(userTask(attributes))));
      expect(of(findings, 'gemba/signature-meaning')).toEqual([]);
    });

    it.each([
      ['a meaning outside the list', userTask('gemba:signatureMeaning="ok"'), /'ok', which is not in the controlled list \(authored, reviewed/],
      ['a verifier without a meaning', userTask('gemba:verifierRequired="true"'), /second-person verification but names no signature meaning/],
      ['a required signature without a meaning', userTask('gemba:signatureRequired="true"'), /requires a signature but names no signature meaning/],
      ['a signature on a service task', '<serviceTask id="A" name="Approve" gemba:connector="c" gemba:operation="o" gemba:signatureMeaning="approved" />', /only user tasks/],
    ])('refuses %s', async (_, task, message) => {
      const findings = of(await lint(model(chain(task))), 'gemba/signature-meaning', 'A');
      expect(findings).toEqual([expect.objectContaining({ category: 'error', message: expect.stringMatching(message), path: ['gemba:signatureMeaning'] })]);
    });
  });

  describe('script tasks', () => {
    it('flags every script task for review and requires the GAMP category 5 flag', async () => {
      // when
      const findings = await lint(
        model(
          chain(
            '<scriptTask id="A" name="Compute" scriptFormat="javascript" gemba:gampCategory="5"><script>next()</script></scriptTask>',
            '<scriptTask id="B" name="Compute more" scriptFormat="javascript"><script>next()</script></scriptTask>',
            '<scriptTask id="C" name="Compute again" scriptFormat="javascript" gemba:gampCategory="4"><script>next()</script></scriptTask>',
          ),
        ),
      );

      // then
      expect(of(findings, 'gemba/script-task-review').map((f) => [f.id, f.category])).toEqual([
        ['A', 'warn'],
        ['B', 'warn'],
        ['C', 'warn'],
      ]);
      expect(of(findings, 'gemba/script-task-review', 'A')[0].message).toMatch(/requires review/);
      expect(of(findings, 'gemba/script-task-category').map((f) => [f.id, f.category])).toEqual([
        ['B', 'error'],
        ['C', 'error'],
      ]);
    });
  });

  describe('bpmnlint rules and categories', () => {
    it('uses bpmnlint recommended plus Gemba rules, with join-fork gateways as warnings', () => {
      expect(GATE_LINT_CONFIG).toEqual({
        extends: ['bpmnlint:recommended', 'plugin:gemba/recommended'],
        rules: { 'bpmnlint/no-gateway-join-fork': 'warn' },
      });
    });

    it('resolves the same gate through plugin:gemba/gate, as the modeler will', async () => {
      // given
      const parsed = await parseModel(model(chain('<userTask id="A" />', '<serviceTask id="B" name="B" />')));

      // when
      const viaPlugin = await lintModel(parsed, { extends: 'plugin:gemba/gate' });

      // then
      expect(viaPlugin).toEqual(await lintModel(parsed));
      expect(viaPlugin.map((f) => f.rule)).toEqual(expect.arrayContaining(['gemba/user-task-assignment', 'gemba/service-task-binding', 'label-required']));
    });

    it('ships every configured Gemba rule as a bpmnlint rule module', () => {
      // given
      const rulesDir = path.resolve(__dirname, '../../../server/bpmn/lint/rules');
      const configured = Object.keys(require('bpmnlint-plugin-gemba').configs.recommended.rules).sort();

      // then
      expect(fs.readdirSync(rulesDir).map((f) => f.replace(/\.js$/, '')).sort()).toEqual(configured);
      for (const name of configured) {
        const factory = require(path.join(rulesDir, name));
        expect({ name, check: typeof factory().check }).toEqual({ name, check: 'function' });
      }
    });

    it('reports recommended rules with their categories', async () => {
      // given a nameless task, a fake join and a gateway that joins and forks
      const xml = model(
        [
          '<startEvent id="S" name="S" />',
          '<parallelGateway id="Split" name="Split" />',
          '<task id="T" />',
          '<exclusiveGateway id="G" name="G?" default="F5" />',
          '<endEvent id="E" name="E" />',
          '<sequenceFlow id="F1" sourceRef="S" targetRef="Split" />',
          '<sequenceFlow id="F2" sourceRef="Split" targetRef="T" />',
          '<sequenceFlow id="F3" sourceRef="Split" targetRef="T" />',
          '<sequenceFlow id="F4" sourceRef="T" targetRef="G" />',
          '<sequenceFlow id="F5" sourceRef="G" targetRef="E" />',
          '<sequenceFlow id="F6" sourceRef="G" targetRef="E"><conditionExpression xsi:type="tFormalExpression">${x}</conditionExpression></sequenceFlow>',
        ].join('\n'),
      );

      // when
      const findings = await lint(xml);

      // then
      expect(of(findings, 'label-required', 'T')).toEqual([expect.objectContaining({ category: 'error', line: expect.any(Number) })]);
      expect(of(findings, 'fake-join', 'T')).toEqual([expect.objectContaining({ category: 'warn' })]);
      expect(of(findings, 'no-bpmndi').length).toBeGreaterThan(0);
      expect(findings.findIndex((f) => f.category === 'warn')).toBeGreaterThan(findings.findLastIndex((f) => f.category === 'error'));
    });

    it('downgrades errors in a process that is not executable to warnings', async () => {
      // when
      const findings = await lint(model(chain('<task id="T" />'), { executable: false }));

      // then
      expect(of(findings, 'label-required', 'T')).toEqual([
        expect.objectContaining({ category: 'warn', message: "Element is missing label/name (in process 'Test process', which is not executable)" }),
      ]);
      expect(findings.filter((f) => f.category === 'error')).toEqual([]);
    });

    it('gives the same result when run again (no rule state leaks between models)', async () => {
      // given
      const parsed = await parseModel(model(chain('<task id="T" name="T" />')));

      // when
      const first = await lintModel(parsed);
      const second = await lintModel(parsed);

      // then
      expect(second).toEqual(first);
      expect(of(second, 'no-duplicate-sequence-flows')).toEqual([]);
    });

    it('treats flows as connected when the file omits incoming/outgoing', async () => {
      // given a chain without <incoming>/<outgoing> (as hand-written files are)
      const findings = await lint(model(chain('<task id="T" name="T" />')));

      // then
      expect(of(findings, 'no-disconnected')).toEqual([]);
      expect(of(findings, 'no-implicit-start')).toEqual([]);
    });
  });

  describe('corpus', () => {
    let corpus: Map<string, ParsedModel>;
    const results = new Map<string, LintFinding[]>();

    beforeAll(async () => {
      corpus = await parseCorpus();
      for (const [name, parsed] of corpus) results.set(name, await lintModel(parsed));
    });

    it('lints every corpus model without a rule failing', () => {
      for (const [name, findings] of results) {
        for (const finding of findings) {
          expect({ name, category: finding.category }).toEqual({ name, category: expect.stringMatching(/^(error|warn)$/) });
          expect(finding.message).not.toMatch(/could not check/);
        }
      }
    });

    it('finds no errors in descriptive (non-executable) MIWG models', () => {
      for (const name of ['miwg-reference/A.1.0.bpmn', 'miwg-reference/B.2.0.bpmn', 'miwg-reference/C.5.0.bpmn', 'camunda-modeler/complex.bpmn']) {
        expect({ name, errors: results.get(name)!.filter((f) => f.category === 'error') }).toEqual({ name, errors: [] });
      }
    });

    it("finds the Camunda example's unassigned user tasks and lint-errors.bpmn's unbound service tasks", () => {
      expect(of(results.get('camunda-bpm-examples/invoicePayment.bpmn')!, 'gemba/user-task-assignment').length).toBe(3);
      const lintErrors = results.get('camunda-modeler/lint-errors.bpmn')!;
      expect(of(lintErrors, 'gemba/service-task-binding').length).toBeGreaterThan(0);
      expect(of(lintErrors, 'gemba/user-task-assignment').length).toBe(2);
    });

    it('accepts the Quartz cron cycles of the Camunda examples', () => {
      expect(of(results.get('camunda-bpm-examples/loan-granting.bpmn')!, 'gemba/timer-expression')).toEqual([]);
      expect(of(results.get('camunda-bpm-examples/order-handling.bpmn')!, 'gemba/timer-expression')).toEqual([]);
    });

    it('passes a clean Gemba model', async () => {
      const xml = fs.readFileSync(path.join(__dirname, 'fixtures/clean-inspection.bpmn'), 'utf8');
      expect(await lint(xml)).toEqual([]);
    });
  });
});
