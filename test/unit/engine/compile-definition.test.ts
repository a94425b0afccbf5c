import { compileDefinition, DefinitionCache, DefinitionCompileError } from '../../../server/engine';
import { bpmn } from './harness';

const model = bpmn(`
  <message id="M1" name="Released" />
  <signal id="S1" name="LineStop" />
  <error id="E1" errorCode="QC_FAIL" />
  <process id="lot" isExecutable="true">
    <startEvent id="start" />
    <startEvent id="byMessage"><messageEventDefinition messageRef="M1" /></startEvent>
    <sequenceFlow id="f0" sourceRef="byMessage" targetRef="inspect" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="inspect" />
    <userTask id="inspect" name="Inspect" camunda:assignee="ann" camunda:candidateGroups="inspector" camunda:dueDate="PT4H"
      camunda:formKey="embedded:app:inspect.html" gemba:signatureRequired="true" gemba:signatureMeaning="inspected" gemba:verifierRequired="true" />
    <boundaryEvent id="slow" attachedToRef="inspect" cancelActivity="false"><timerEventDefinition><timeCycle>R2/PT1H</timeCycle></timerEventDefinition></boundaryEvent>
    <sequenceFlow id="f2" sourceRef="inspect" targetRef="measure" />
    <serviceTask id="measure" gemba:connector="opcua" gemba:operation="read" gemba:equipment="CMM-2" gemba:equipmentNode="ns=2;s=Result" />
    <boundaryEvent id="failed" attachedToRef="measure"><errorEventDefinition errorRef="E1" /></boundaryEvent>
    <sequenceFlow id="f3" sourceRef="measure" targetRef="stop" />
    <intermediateCatchEvent id="stop"><signalEventDefinition signalRef="S1" /></intermediateCatchEvent>
    <subProcess id="sub"><startEvent id="subStart" /><sequenceFlow id="sf" sourceRef="subStart" targetRef="subTask" /><userTask id="subTask" /></subProcess>
  </process>`);

describe('compileDefinition', () => {
  it('reads the metadata the runtime needs for each element', async () => {
    // given a model using Camunda and Gemba attributes
    // when it is compiled
    const compiled = await compileDefinition(model);
    // then
    expect(compiled.id).toBe('Defs');
    expect(compiled.executableProcessIds).toEqual(['lot']);
    expect(compiled.activities.get('inspect')).toEqual({
      id: 'inspect',
      type: 'bpmn:UserTask',
      name: 'Inspect',
      processId: 'lot',
      parentId: 'lot',
      userTask: { assignee: 'ann', candidateGroups: 'inspector', dueDate: 'PT4H', formKey: 'embedded:app:inspect.html' },
      signature: { required: true, meaning: 'inspected', verifierRequired: true },
    });
    expect(compiled.activities.get('slow')).toMatchObject({ attachedTo: 'inspect', interrupting: false, timers: [{ timerType: 'timeCycle', value: 'R2/PT1H' }] });
    expect(compiled.activities.get('measure')?.job).toEqual({ connector: 'opcua', operation: 'read', equipment: 'CMM-2', equipmentNode: 'ns=2;s=Result' });
    expect(compiled.activities.get('failed')).toMatchObject({ errorCode: 'QC_FAIL', attachedTo: 'measure', interrupting: true });
    expect(compiled.activities.get('subTask')).toMatchObject({ processId: 'lot', parentId: 'sub' });
    expect(compiled.startEvents).toEqual([
      { id: 'start', processId: 'lot', kind: 'none' },
      { id: 'byMessage', processId: 'lot', kind: 'message', messageName: 'Released' },
    ]);
    expect(compiled.messageNames).toEqual(['Released']);
    expect(compiled.signalNames).toEqual(['LineStop']);
    expect(compiled.contextBytes).toBeGreaterThan(1000);
  });

  it('reads Gemba attributes under any prefix bound to the Gemba namespace', async () => {
    // given the namespace bound to prefix g
    const xml = `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:g="http://gemba.dev/schema/bpmn/1.0" id="D">
      <process id="p" isExecutable="true"><serviceTask id="s" g:connector="mes" g:operation="report" g:retries="2" /></process></definitions>`;
    // when
    const compiled = await compileDefinition(xml);
    // then
    expect(compiled.activities.get('s')?.job).toEqual({ connector: 'mes', operation: 'report', retries: 2 });
  });

  it.each([
    ['malformed XML', '<definitions id="x"><process></definitions>', /could not be read/],
    ['a definitions element without id', '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p" isExecutable="true" /></definitions>', /no id/],
    ['no executable process', '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="D"><process id="p" /></definitions>', /no executable process/],
  ])('refuses %s with a 422 error', async (_what, xml, message) => {
    // given / when / then
    await expect(compileDefinition(xml)).rejects.toThrow(DefinitionCompileError);
    await expect(compileDefinition(xml)).rejects.toThrow(message);
    await expect(compileDefinition(xml)).rejects.toMatchObject({ status: 422, code: 'bpmn_not_executable' });
  });
});

describe('DefinitionCache', () => {
  it('compiles each version once, even for concurrent requests', async () => {
    // given
    const cache = new DefinitionCache({ max: 2 });
    const load = jest.fn(() => model);
    // when
    const [a, b] = await Promise.all([cache.get('v1', load), cache.get('v1', load)]);
    // then
    expect(a).toBe(b);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('evicts the least recently used version beyond its bound', async () => {
    // given a cache of two with v1 used after v2
    const cache = new DefinitionCache({ max: 2 });
    await cache.get('v1', () => model);
    await cache.get('v2', () => model);
    await cache.get('v1', () => model);
    // when a third version comes in
    await cache.get('v3', () => model);
    // then v2 went
    expect([cache.has('v1'), cache.has('v2'), cache.has('v3')]).toEqual([true, false, true]);
    expect(cache.size).toBe(2);
  });

  it('does not keep a version that failed to compile', async () => {
    // given
    const cache = new DefinitionCache();
    // when
    await expect(cache.get('bad', () => '<nope/>')).rejects.toThrow(DefinitionCompileError);
    // then
    expect(cache.has('bad')).toBe(false);
  });
});

describe('compileDefinition: issue 5 metadata', () => {
  it('describes call activities, loops, event sub-process starts, errors and escalations', async () => {
    // given
    const compiled = await compileDefinition(
      bpmn(`
      <escalation id="X1" escalationCode="LATE" name="Late" />
      <error id="E1" errorCode="SCRAP" />
      <process id="p" isExecutable="true">
        <startEvent id="s" /><sequenceFlow id="f1" sourceRef="s" targetRef="call" />
        <callActivity id="call" calledElement="child" camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="v2">
          <extensionElements><camunda:in source="a" target="b" /><camunda:in variables="all" local="true" /><camunda:in businessKey="\${bk}" /><camunda:out sourceExpression="\${x + 1}" target="y" /></extensionElements>
          <multiInstanceLoopCharacteristics isSequential="true" camunda:collection="\${lots}" camunda:elementVariable="lot"><completionCondition>\${done}</completionCondition></multiInstanceLoopCharacteristics>
        </callActivity>
        <sequenceFlow id="f2" sourceRef="call" targetRef="e" /><endEvent id="e" />
        <subProcess id="esp" triggeredByEvent="true"><startEvent id="espStart" isInterrupting="false"><escalationEventDefinition escalationRef="X1" /></startEvent></subProcess>
      </process>`),
    );

    // then
    expect(compiled.activities.get('call')).toMatchObject({
      call: {
        calledElement: 'child',
        binding: 'versionTag',
        versionTag: 'v2',
        inputs: [{ kind: 'variable', source: 'a', target: 'b' }, { kind: 'all', local: true }, { kind: 'businessKey', expression: '${bk}' }],
        outputs: [{ kind: 'variable', sourceExpression: '${x + 1}', target: 'y' }],
      },
      loop: { kind: 'multiInstance', sequential: true, collection: '${lots}', elementVariable: 'lot', completionCondition: '${done}' },
    });
    expect(compiled.activities.get('espStart')).toMatchObject({ eventSubProcess: { id: 'esp', interrupting: false }, escalationCode: 'LATE' });
    expect(compiled.activities.get('esp')).toMatchObject({ triggeredByEvent: true });
    expect(compiled.escalations).toEqual([{ id: 'X1', code: 'LATE', name: 'Late' }]);
    expect(compiled.errors).toEqual([{ id: 'E1', code: 'SCRAP' }]);
    expect([...compiled.eventSubProcessScopes]).toEqual(['p']);
  });
});
