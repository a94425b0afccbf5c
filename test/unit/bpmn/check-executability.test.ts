import { Engine } from 'bpmn-engine';
import * as Elements from 'bpmn-elements';
import { checkExecutability, ENGINE_TYPES, EXECUTABILITY_CODES } from '../../../server/bpmn/check-executability';
import type { ExecutabilityCode } from '../../../server/bpmn/check-executability';
import { MODDLE_EXTENSIONS } from '../../../server/bpmn/gemba-moddle';
import type { ExecutabilityFinding } from '../../../server/bpmn/model-types';
import { parseModel } from '../../../server/bpmn/parse-model';
import type { ParsedModel } from '../../../server/bpmn/parse-model';
import { chain, model, parseCorpus, readCorpus } from './corpus';

async function check(xml: string): Promise<ExecutabilityFinding[]> {
  return checkExecutability(await parseModel(xml));
}

/** Loads a model into bpmn-engine the way the probe did: true when loading throws. */
async function engineRefusesToLoad(xml: string): Promise<string | undefined> {
  try {
    await new Engine({ name: 'probe', source: xml, moddleOptions: MODDLE_EXTENSIONS }).getDefinitions();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Runs a model in bpmn-engine until it waits, ends or fails; resolves the run error message, if any. */
async function engineRunError(xml: string): Promise<string | undefined> {
  const engine = new Engine({ name: 'probe', source: xml, moddleOptions: MODDLE_EXTENSIONS });
  const failed = new Promise<string>((resolve) => engine.once('error', (err: Error) => resolve(err.message)));
  try {
    await engine.execute();
  } catch (err) {
    return (err as Error).message;
  }
  const result = await Promise.race([failed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 50))]);
  // stop() does not settle once the run failed; it is only needed while the run still waits.
  if (result === undefined) engine.stop();
  return result;
}

/** Runs a model in bpmn-engine to its end; resolves the ids of the end events reached. */
async function engineEndEvents(xml: string): Promise<string[]> {
  const engine = new Engine({ name: 'probe', source: xml, moddleOptions: MODDLE_EXTENSIONS });
  const ended: string[] = [];
  engine.broker.subscribeTmp('event', 'activity.end', (_: string, message: any) => {
    if (message.content.type === 'bpmn:EndEvent') ended.push(message.content.id);
  }, { noAck: true });
  await engine.execute();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return ended;
}

const codes = (findings: ExecutabilityFinding[]) => findings.map((f) => f.code);

describe('checkExecutability', () => {
  it('knows only types the engine implements', () => {
    // given the behaviours bpmn-engine 25 resolves: bpmn-elements' exports, plus the serializer's
    // own mapping (Definitions, Error, DataObjectReference) and the engine's (DataObject, DataStoreReference)
    const implemented = new Set([...Object.keys(Elements), 'Definitions', 'Error', 'DataObjectReference', 'DataObject', 'DataStoreReference']);

    // then
    expect([...ENGINE_TYPES].filter((type) => !implemented.has(type))).toEqual([]);
    expect(implemented.has('ComplexGateway')).toBe(false);
    expect(implemented.has('GlobalTask')).toBe(false);
    expect(implemented.has('ItemDefinition')).toBe(false);
  });

  describe('whole-model checks', () => {
    it('passes a runnable model', async () => {
      expect(await check(model(chain('<userTask id="A" name="A" camunda:candidateGroups="g" />')))).toEqual([]);
    });

    it('refuses a model without an executable process', async () => {
      // when
      const findings = await check(model(chain(), { executable: false }));

      // then
      expect(findings).toEqual([
        expect.objectContaining({ id: 'Definitions_1', type: 'bpmn:Definitions', code: 'no-executable-process', reason: expect.stringMatching(/cannot run/) }),
      ]);
    });

    it('refuses a second executable process', async () => {
      // given
      const xml = model(chain(), { roots: '<process id="Other" name="Other" isExecutable="true"><startEvent id="S2" /></process>' });

      // when
      const findings = await check(xml);

      // then
      expect(findings).toEqual([expect.objectContaining({ id: 'Process_1', code: 'several-executable-processes', reason: expect.stringMatching(/one process per version/) })]);
    });

    it('refuses definitions without an id', async () => {
      expect(codes(await check(model(chain(), { definitionsId: null })))).toEqual(['definitions-without-id']);
    });

    it('refuses elements the import dropped, and the flows left loose', async () => {
      // when
      const findings = await check(model(chain('<fooTask id="A" />')));

      // then
      expect(findings).toEqual([
        expect.objectContaining({ code: 'element-not-read', type: 'fooTask', line: 6, reason: expect.stringMatching(/unknown type <bpmn:FooTask>/) }),
        expect.objectContaining({ code: 'flow-not-connected', id: 'Flow_0' }),
        expect.objectContaining({ code: 'flow-not-connected', id: 'Flow_1' }),
      ]);
    });
  });

  describe('constructs that make the engine throw while loading', () => {
    it.each<[string, string, ExecutabilityCode, string?]>([
      ['a global task', model(chain('<callActivity id="A" name="A" calledElement="G" />'), { roots: '<globalTask id="G" name="G" />' }), 'unsupported-element', 'G'],
      ['an item definition', model(chain(), { roots: '<itemDefinition id="I" structureRef="string" />' }), 'unsupported-element', 'I'],
      ['an interface', model(chain(), { roots: '<interface id="If" name="If"><operation id="Op" name="op" /></interface>' }), 'unsupported-element', 'If'],
      ['a resource', model(chain(), { roots: '<resource id="R" name="Approver" />' }), 'unsupported-element', 'R'],
      ['a correlation property', model(chain(), { roots: '<correlationProperty id="CP" />' }), 'unsupported-element', 'CP'],
      ['a complex gateway', model(chain('<complexGateway id="A" name="A" />')), 'unsupported-element', 'A'],
      [
        'a potential owner without expression',
        model(chain('<userTask id="A" name="A" camunda:candidateGroups="g"><potentialOwner id="PO"><resourceRef>R</resourceRef></potentialOwner></userTask>')),
        'performer-without-expression',
        'A',
      ],
      [
        'a message flow to an empty pool',
        model(chain('<sendTask id="A" name="A" gemba:connector="c" gemba:operation="o" />'), {
          roots: '<collaboration id="C"><participant id="PA" processRef="Process_1" /><participant id="PB" name="Supplier" /><messageFlow id="M" sourceRef="A" targetRef="PB" /></collaboration>',
        }),
        'message-flow-to-empty-pool',
        'M',
      ],
      [
        'a message flow into a sub-process',
        model(chain('<subProcess id="A" name="A"><sendTask id="Inner" name="Inner" /></subProcess>'), {
          roots:
            '<collaboration id="C"><participant id="PA" processRef="Process_1" /><participant id="PB" processRef="Partner" /><messageFlow id="M" sourceRef="Inner" targetRef="PB" /></collaboration><process id="Partner" isExecutable="false"><startEvent id="PS" /></process>',
        }),
        'message-flow-to-nested-element',
        'M',
      ],
      [
        'a global task in a non-executable pool',
        model(chain(), { roots: '<process id="Doc" name="Documentation" isExecutable="false"><complexGateway id="CG" /></process>' }),
        'unsupported-element',
        'CG',
      ],
    ])('finds %s, and the engine indeed refuses to load it', async (_, xml, code, id) => {
      // when
      const findings = await check(xml);

      // then
      expect(findings).toContainEqual(expect.objectContaining({ code, id }));
      expect(EXECUTABILITY_CODES[code]).toBe('load');
      expect(await engineRefusesToLoad(xml)).toEqual(expect.any(String));
    });

    it('accepts a black-box pool without message flows, which the engine loads', async () => {
      // given
      const xml = model(chain(), { roots: '<collaboration id="C"><participant id="PA" processRef="Process_1" /><participant id="PB" name="Supplier" /></collaboration>' });

      // then
      expect(await check(xml)).toEqual([]);
      expect(await engineRefusesToLoad(xml)).toBeUndefined();
    });
  });

  describe('constructs that fail or are skipped at run time', () => {
    it.each<[string, string, ExecutabilityCode, RegExp | undefined]>([
      ['a script in Groovy', '<scriptTask id="A" name="A" scriptFormat="groovy" gemba:gampCategory="5"><script>x = 1</script></scriptTask>', 'script-format', /groovy is unsupported/],
      [
        'a parallel multi-instance without cardinality',
        '<task id="A" name="A"><multiInstanceLoopCharacteristics /></task>',
        'loop-without-limit',
        /cardinality or collection is required/,
      ],
      ['a standard loop without condition', '<task id="A" name="A"><standardLoopCharacteristics /></task>', 'loop-without-limit', /cardinality, collection, or condition is required/],
    ])('finds %s, and the engine indeed fails on it', async (_, element, code, engineMessage) => {
      // given
      const xml = model(chain(element));

      // when
      const findings = await check(xml);

      // then
      expect(findings).toEqual([expect.objectContaining({ code, id: 'A' })]);
      expect(await engineRunError(xml)).toMatch(engineMessage!);
    });

    it('finds sequence flows without ids (two of them crash the engine)', async () => {
      // given
      const xml = model(
        '<startEvent id="S" name="S" /><sequenceFlow sourceRef="S" targetRef="T" /><task id="T" name="T" /><sequenceFlow sourceRef="T" targetRef="E" /><endEvent id="E" name="E" />',
      );

      // then
      expect(codes(await check(xml))).toEqual(['element-without-id', 'element-without-id']);
      expect(await engineRunError(xml)).toMatch(/Consumer tag must be unique/);
    });

    it('finds a condition in a language the engine does not evaluate (it takes the text as true)', async () => {
      // given amount is unset: evaluated, the condition would be false and the default flow taken
      const xml = model(
        '<startEvent id="S" name="S" /><exclusiveGateway id="G" name="G?" default="F2" /><endEvent id="Big" name="Big" /><endEvent id="Small" name="Small" />' +
          '<sequenceFlow id="F0" sourceRef="S" targetRef="G" /><sequenceFlow id="F2" sourceRef="G" targetRef="Small" />' +
          '<sequenceFlow id="F1" name="big" sourceRef="G" targetRef="Big"><conditionExpression xsi:type="tFormalExpression" language="https://www.omg.org/spec/DMN/20191111/FEEL/">amount &gt; 10</conditionExpression></sequenceFlow>',
      );

      // when
      const findings = await check(xml);

      // then
      expect(findings).toEqual([expect.objectContaining({ id: 'F1', code: 'condition-language', reason: expect.stringMatching(/always true/) })]);
      expect(await engineEndEvents(xml)).toEqual(['Big']);
    });

    it.each([
      ['plain text, which the engine takes as always true', 'amount &gt; 10', true],
      ['text around an expression', 'yes: ${approved}', true],
      ['an empty condition', '', true],
      ['one expression', '${amount &gt; 10}', false],
      ['one expression with line breaks around it', '\n  ${approved}\n', false],
      ['a FEEL expression', '=amount &gt; 10', false],
    ])('judges a condition that is %s', async (_, body, refused) => {
      // given
      const xml = model(
        '<startEvent id="S" name="S" /><exclusiveGateway id="G" name="G?" default="F2" /><endEvent id="E" name="E" />' +
          '<sequenceFlow id="F0" sourceRef="S" targetRef="G" /><sequenceFlow id="F2" sourceRef="G" targetRef="E" />' +
          `<sequenceFlow id="F1" name="big" sourceRef="G" targetRef="E"><conditionExpression xsi:type="tFormalExpression">${body}</conditionExpression></sequenceFlow>`,
      );

      // then
      expect(codes(await check(xml))).toEqual(refused ? ['condition-not-expression'] : []);
    });

    it.each<[string, string, ExecutabilityCode]>([
      ['a boundary event attached to nothing', '<task id="A" name="A" /><boundaryEvent id="B" name="B"><timerEventDefinition><timeDuration>PT1M</timeDuration></timerEventDefinition></boundaryEvent>', 'boundary-event-not-attached'],
      ['a sequence flow without target', '<task id="A" name="A" /><sequenceFlow id="Loose" sourceRef="A" />', 'flow-not-connected'],
      ['a script loaded from a file', '<scriptTask id="A" name="A" scriptFormat="javascript" camunda:resource="deployment://x.js" />', 'script-format'],
      ['an empty script', '<scriptTask id="A" name="A" scriptFormat="javascript" />', 'script-empty'],
      ['a call activity calling nothing', '<callActivity id="A" name="A" />', 'call-activity-without-target'],
      [
        'a conditional event',
        '<intermediateCatchEvent id="A" name="A"><conditionalEventDefinition><condition xsi:type="tFormalExpression">${ready}</condition></conditionalEventDefinition></intermediateCatchEvent>',
        'conditional-event',
      ],
      ['a message catch without message', '<intermediateCatchEvent id="A" name="A"><messageEventDefinition /></intermediateCatchEvent>', 'message-without-name'],
      ['a receive task whose message has no name', '<receiveTask id="A" name="A" messageRef="Msg" />', 'message-without-name'],
      ['a signal catch without signal', '<intermediateCatchEvent id="A" name="A"><signalEventDefinition /></intermediateCatchEvent>', 'signal-without-name'],
      [
        'a Camunda execution listener',
        '<task id="A" name="A"><extensionElements><camunda:executionListener class="com.acme.Audit" event="start" /></extensionElements></task>',
        'camunda-listener',
      ],
    ])('finds %s', async (_, element, code) => {
      // when
      const findings = await check(model(chain(element), { roots: '<message id="Msg" />' }));

      // then
      expect(codes(findings)).toContain(code);
      expect(findings.find((f) => f.code === code)!.reason.length).toBeGreaterThan(30);
    });

    it('accepts supported constructs: cron cycles, JavaScript scripts, named messages and signals, sub-processes, event sub-processes', async () => {
      // given
      const xml = model(
        chain(
          '<scriptTask id="A" name="A" scriptFormat="JavaScript" gemba:gampCategory="5"><script>next()</script></scriptTask>',
          '<intermediateCatchEvent id="B" name="B"><messageEventDefinition messageRef="Msg" /></intermediateCatchEvent>',
          '<intermediateCatchEvent id="C" name="C"><signalEventDefinition signalRef="Sig" /></intermediateCatchEvent>',
          '<subProcess id="D" name="D"><startEvent id="DS" /><endEvent id="DE" /><sequenceFlow id="DF" sourceRef="DS" targetRef="DE" /></subProcess>',
          '<task id="F" name="F"><multiInstanceLoopCharacteristics camunda:collection="${items}" camunda:elementVariable="item" /></task>',
          '<callActivity id="G" name="G" calledElement="other-process" />',
        ) +
          '<startEvent id="Cron" name="Every 5 s"><timerEventDefinition><timeCycle>0/5 0/1 * 1/1 * ?</timeCycle></timerEventDefinition></startEvent>' +
          '<subProcess id="ES" triggeredByEvent="true"><startEvent id="ESS" name="E"><messageEventDefinition messageRef="Msg" /></startEvent></subProcess>',
        { roots: '<message id="Msg" name="order-received" /><signal id="Sig" name="line-stopped" />' },
      );

      // then
      expect(await check(xml)).toEqual([]);
    });

    it('does not judge run-time constructs of non-executable processes', async () => {
      // given
      const xml = model(chain(), {
        roots: '<process id="Doc" name="Partner" isExecutable="false"><scriptTask id="PS" scriptFormat="groovy" /><callActivity id="PC" /></process>',
      });

      // then
      expect(await check(xml)).toEqual([]);
    });
  });

  describe('constructs of issue 5 that Gemba refuses (engine completeness)', () => {
    it.each<[string, string, ExecutabilityCode, RegExp]>([
      [
        'an input parameter written as a script',
        '<task id="A" name="A"><extensionElements><camunda:inputOutput><camunda:inputParameter name="x"><camunda:script scriptFormat="javascript">1</camunda:script></camunda:inputParameter></camunda:inputOutput></extensionElements></task>',
        'io-unsupported-value',
        /input parameter 'x' of task 'A' is a script/,
      ],
      [
        'an output parameter written as a list',
        '<task id="A" name="A"><extensionElements><camunda:inputOutput><camunda:outputParameter name="y"><camunda:list><camunda:value>1</camunda:value></camunda:list></camunda:outputParameter></camunda:inputOutput></extensionElements></task>',
        'io-unsupported-value',
        /output parameter 'y' of task 'A' is a list/,
      ],
      ['a call activity bound to a version without a version', '<callActivity id="A" name="A" calledElement="child" camunda:calledElementBinding="version" />', 'call-activity-without-version', /does not say which/],
      ['a call activity mapping variables with Java', '<callActivity id="A" name="A" calledElement="child" camunda:variableMappingClass="org.x.Mapping" />', 'call-activity-java-mapping', /Java code/],
    ])('finds %s', async (_, element, code, reason) => {
      const findings = await check(model(chain(element)));
      expect(findings).toEqual([expect.objectContaining({ code, id: 'A', reason: expect.stringMatching(reason) })]);
    });

    it('finds a timer start event scheduled by an expression (nothing to evaluate it with at release)', async () => {
      const xml = model('<startEvent id="Start" name="Start"><timerEventDefinition><timeCycle>${cycle}</timeCycle></timerEventDefinition></startEvent><sequenceFlow id="F" sourceRef="Start" targetRef="End" /><endEvent id="End" name="End" />');
      expect(codes(await check(xml))).toEqual(['timer-start-expression']);
    });

    it('accepts timer, message, signal, error and escalation starts of event sub-processes, and refuses compensation and untyped ones', async () => {
      const esp = (id: string, start: string) =>
        `<subProcess id="${id}" name="${id}" triggeredByEvent="true"><startEvent id="${id}S" name="s">${start}</startEvent><sequenceFlow id="${id}F" sourceRef="${id}S" targetRef="${id}E" /><endEvent id="${id}E" name="e" /></subProcess>`;
      const xml = model(
        chain() +
          esp('T', '<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>') +
          esp('M', '<messageEventDefinition messageRef="Msg" />') +
          esp('Sg', '<signalEventDefinition signalRef="Sig" />') +
          esp('Er', '<errorEventDefinition />') +
          esp('Es', '<escalationEventDefinition />') +
          esp('C', '<compensateEventDefinition />') +
          esp('N', ''),
        { roots: '<message id="Msg" name="Hold" /><signal id="Sig" name="Andon" />' },
      );
      expect((await check(xml)).map((f) => [f.code, f.id])).toEqual([
        ['compensation-event-sub-process', 'CS'],
        ['event-sub-process-start', 'NS'],
      ]);
    });
  });

  describe('corpus', () => {
    let corpus: Map<string, ParsedModel>;
    const findings = new Map<string, ExecutabilityFinding[]>();

    beforeAll(async () => {
      corpus = await parseCorpus();
      for (const [name, parsed] of corpus) findings.set(name, checkExecutability(parsed));
    });

    it('predicts exactly which corpus files bpmn-engine refuses to load', async () => {
      for (const name of corpus.keys()) {
        // when
        const predicted = findings.get(name)!.some((f) => EXECUTABILITY_CODES[f.code as ExecutabilityCode] === 'load');
        const refused = await engineRefusesToLoad(readCorpus(name));

        // then
        expect({ name, refused: predicted }).toEqual({ name, refused: refused !== undefined });
      }
    });

    it('refuses every non-executable MIWG model with a reason a process owner understands', () => {
      for (const [name, parsed] of corpus) {
        if (!name.startsWith('miwg-reference/') || parsed.executableProcessIds.length) continue;
        expect({ name, codes: codes(findings.get(name)!) }).toEqual({ name, codes: expect.arrayContaining(['no-executable-process']) });
      }
    });

    it('explains the MIWG crashes the probe saw', () => {
      // B.1.0 / B.2.0: global tasks
      expect(findings.get('miwg-reference/B.1.0.bpmn')).toContainEqual(expect.objectContaining({ type: 'bpmn:GlobalTask', code: 'unsupported-element' }));
      expect(findings.get('miwg-reference/B.2.0.bpmn')).toContainEqual(expect.objectContaining({ type: 'bpmn:GlobalUserTask' }));
      // C.1.x, C.3.0, C.7.0 ("reading 'expression'"): performers without an assignment expression
      for (const name of ['C.1.0', 'C.1.1', 'C.3.0', 'C.7.0']) {
        expect(codes(findings.get(`miwg-reference/${name}.bpmn`)!)).toContain('performer-without-expression');
      }
      // C.2.0 ("reading 'id'"): message flows into sub-processes; complex.bpmn: to empty pools
      expect(codes(findings.get('miwg-reference/C.2.0.bpmn')!)).toContain('message-flow-to-nested-element');
      expect(codes(findings.get('camunda-modeler/complex.bpmn')!)).toContain('message-flow-to-empty-pool');
      // C.4.0, C.8.x: item definitions
      expect(findings.get('miwg-reference/C.8.1.bpmn')).toContainEqual(expect.objectContaining({ type: 'bpmn:ItemDefinition' }));
    });

    it('passes the executable engine examples that need nothing Gemba lacks', () => {
      for (const name of ['bpmn-engine/timers.bpmn', 'bpmn-engine/mother-of-all.bpmn', 'miwg-reference/C.9.0.bpmn', 'bpmn-engine/call-activity.bpmn']) {
        expect({ name, findings: findings.get(name) }).toEqual({ name, findings: [] });
      }
    });

    it('refuses the loan example, whose input parameter is a script', () => {
      expect(findings.get('camunda-bpm-examples/loan-granting.bpmn')).toEqual([expect.objectContaining({ code: 'io-unsupported-value', id: 'Task_1lvjtd4', reason: expect.stringContaining('is a script') })]);
    });

    it('locates findings by line', () => {
      const located = [...findings.values()].flat().filter((f) => f.id && f.code !== 'no-executable-process');
      expect(located.length).toBeGreaterThan(20);
      expect(located.filter((f) => f.line === undefined).map((f) => f.id)).toEqual([]);
    });
  });
});
