import { SIGNATURE_MEANINGS as AUTH_SIGNATURE_MEANINGS } from '../../../server/auth/signature-meanings';
import { createBpmnModdle, gembaModdleDescriptor, GEMBA_NS, MODDLE_EXTENSIONS, SIGNATURE_MEANINGS } from '../../../server/bpmn/gemba-moddle';
import { chain, model } from './corpus';

describe('gemba moddle descriptor', () => {
  it('declares prefix gemba and its URI as plain JSON (usable by bpmn-js)', () => {
    // then
    expect(gembaModdleDescriptor).toMatchObject({ name: 'Gemba', prefix: 'gemba', uri: 'http://gemba.dev/schema/bpmn/1.0' });
    expect(GEMBA_NS).toBe(gembaModdleDescriptor.uri);
    expect(JSON.parse(JSON.stringify(gembaModdleDescriptor))).toEqual(gembaModdleDescriptor);
  });

  it('lists the controlled signature meanings once, as the signing code does', () => {
    // given
    const enumeration = gembaModdleDescriptor.enumerations.find((e) => e.name === 'SignatureMeaning')!;

    // then
    expect([...SIGNATURE_MEANINGS]).toEqual([...AUTH_SIGNATURE_MEANINGS]);
    expect(enumeration.literalValues.map((v) => v.name)).toEqual([...SIGNATURE_MEANINGS]);
    expect(SIGNATURE_MEANINGS).toEqual(
      expect.arrayContaining(['authored', 'reviewed', 'approved', 'rejected', 'released', 'performed', 'verified', 'inspected', 'dispositioned', 'closed']),
    );
    expect(Object.isFrozen(SIGNATURE_MEANINGS)).toBe(true);
  });

  it('loads in bpmn-moddle next to camunda-bpmn-moddle and reads every attribute with its type', async () => {
    // given
    const xml = model(
      chain(
        '<userTask id="U" camunda:candidateGroups="qa" gemba:signatureRequired="true" gemba:signatureMeaning="approved" gemba:verifierRequired="true" />',
        '<serviceTask id="S" camunda:type="external" camunda:topic="t" gemba:connector="opcua" gemba:operation="write" gemba:equipment="press-1" gemba:equipmentNode="ns=2;s=Press.Setpoint" gemba:retries="3" />',
        '<sendTask id="N" gemba:connector="erp" gemba:operation="confirm" />',
        '<businessRuleTask id="R" gemba:connector="qms" gemba:operation="classify" />',
        '<scriptTask id="C" scriptFormat="javascript" gemba:gampCategory="5"><script>next()</script></scriptTask>',
      ),
    );

    // when
    const { rootElement, elementsById: e, warnings } = await createBpmnModdle().fromXML(xml);

    // then
    expect(warnings).toEqual([]);
    expect(e.U.get('gemba:signatureRequired')).toBe(true);
    expect(e.U.get('gemba:signatureMeaning')).toBe('approved');
    expect(e.U.get('gemba:verifierRequired')).toBe(true);
    expect(e.S.get('gemba:connector')).toBe('opcua');
    expect(e.S.get('gemba:operation')).toBe('write');
    expect(e.S.get('gemba:equipment')).toBe('press-1');
    expect(e.S.get('gemba:equipmentNode')).toBe('ns=2;s=Press.Setpoint');
    expect(e.S.get('gemba:retries')).toBe(3);
    expect(e.S.get('camunda:topic')).toBe('t');
    expect(e.N.get('gemba:connector')).toBe('erp');
    expect(e.R.get('gemba:operation')).toBe('classify');
    expect(e.C.get('gemba:gampCategory')).toBe('5');

    // and it writes them back
    const { xml: written } = await createBpmnModdle().toXML(rootElement);
    expect(written).toContain('gemba:signatureMeaning="approved"');
    expect(written).toContain('gemba:equipmentNode="ns=2;s=Press.Setpoint"');
    expect(written).toContain('gemba:retries="3"');
  });

  it('binds the namespace whatever prefix a file uses', async () => {
    // given
    const xml = model(chain('<userTask id="U" g:signatureMeaning="performed" />')).replace('<definitions ', `<definitions xmlns:g="${GEMBA_NS}" `);

    // when
    const { elementsById } = await createBpmnModdle().fromXML(xml);

    // then
    expect(elementsById.U.get('gemba:signatureMeaning')).toBe('performed');
  });

  it('exposes the extensions for the engine and the modeler', () => {
    expect(Object.keys(MODDLE_EXTENSIONS)).toEqual(['camunda', 'gemba']);
  });
});
