import fs from 'node:fs';
import path from 'node:path';
import { diff as bpmnDiff } from 'bpmn-js-differ';
import { diffModels } from '../../../server/bpmn/diff-models';
import { ModelUnreadableError } from '../../../server/bpmn/errors';
import { parseModel } from '../../../server/bpmn/parse-model';
import type { ParsedModel } from '../../../server/bpmn/parse-model';
import { model, parseCorpus, readCorpus } from './corpus';

const CLEAN = fs.readFileSync(path.join(__dirname, 'fixtures/clean-inspection.bpmn'), 'utf8');

/** A model whose parts are all changeable through `v`. */
function version(v: Record<string, string>): string {
  return model(
    `<startEvent id="S" name="Start"><timerEventDefinition id="Ted"><timeDuration>${v.duration}</timeDuration></timerEventDefinition></startEvent>
<sequenceFlow id="F0" sourceRef="S" targetRef="U" />
<userTask id="U" name="${v.name}" camunda:candidateGroups="${v.groups}" camunda:formRef="${v.form}" gemba:signatureMeaning="${v.meaning}" foo:color="${v.color}">
  <documentation>${v.doc}</documentation>
  <extensionElements>
    <camunda:inputOutput><camunda:inputParameter name="lot">${v.input}</camunda:inputParameter></camunda:inputOutput>
    <camunda:properties><camunda:property name="sla" value="${v.property}" /></camunda:properties>
    <camunda:formData><camunda:formField id="weight" label="${v.label}" type="long" /></camunda:formData>
    <foo:meta level="${v.color}" />
  </extensionElements>
</userTask>
<sequenceFlow id="F1" sourceRef="U" targetRef="G" />
<exclusiveGateway id="G" name="OK?" default="F3" />
<sequenceFlow id="F2" name="yes" sourceRef="G" targetRef="C"><conditionExpression xsi:type="tFormalExpression">${v.condition}</conditionExpression></sequenceFlow>
<sequenceFlow id="F3" name="no" sourceRef="G" targetRef="E" />
<serviceTask id="C" name="Confirm" camunda:type="external" camunda:topic="${v.topic}" />
<sequenceFlow id="F4" sourceRef="C" targetRef="E" />
<endEvent id="E" name="End" />
${v.extra}`,
    { roots: `<message id="Msg" name="${v.message}" />` },
  ).replace('<definitions ', '<definitions xmlns:foo="urn:foo" ');
}

const A = {
  duration: 'PT1M', name: 'Inspect', groups: 'inspector', form: 'fai-v1', meaning: 'inspected', color: 'red', doc: 'Check the part',
  input: '${lotId}', property: 'PT4H', label: 'Weight', condition: '${ok}', topic: 'erp-confirm', message: 'part-ready', extra: '<task id="Old" name="Old step" />',
};

describe('diffModels', () => {
  it('lists every kind of semantic change by element id', async () => {
    // given
    const B = {
      duration: 'PT2M', name: 'Inspect part', groups: 'quality', form: 'fai-v2', meaning: 'approved', color: 'blue', doc: 'Check the part twice',
      input: '${lot.id}', property: 'PT8H', label: 'Weight (g)', condition: '${ok and weight > 0}', topic: 'erp-confirm-v2', message: 'part-done',
      extra: '<manualTask id="New" name="New step" />',
    };

    // when
    const diff = await diffModels(version(A), version(B));

    // then
    expect(diff.added).toEqual([{ id: 'New', type: 'bpmn:ManualTask', name: 'New step' }]);
    expect(diff.removed).toEqual([{ id: 'Old', type: 'bpmn:Task', name: 'Old step' }]);
    expect(diff.layoutChanged).toEqual([]);
    expect(diff.changed).toEqual([
      { id: 'C', type: 'bpmn:ServiceTask', name: 'Confirm', attributes: [{ name: 'camunda:topic', before: 'erp-confirm', after: 'erp-confirm-v2' }] },
      { id: 'F2', type: 'bpmn:SequenceFlow', name: 'yes', attributes: [{ name: 'conditionExpression', before: '${ok}', after: '${ok and weight > 0}' }] },
      { id: 'Msg', type: 'bpmn:Message', name: 'part-done', attributes: [{ name: 'name', before: 'part-ready', after: 'part-done' }] },
      { id: 'S', type: 'bpmn:StartEvent', name: 'Start', attributes: [{ name: 'timerEventDefinition.timeDuration', before: 'PT1M', after: 'PT2M' }] },
      {
        id: 'U',
        type: 'bpmn:UserTask',
        name: 'Inspect part',
        attributes: [
          { name: 'camunda:candidateGroups', before: 'inspector', after: 'quality' },
          { name: 'camunda:formData.camunda:formField[weight].label', before: 'Weight', after: 'Weight (g)' },
          { name: 'camunda:formRef', before: 'fai-v1', after: 'fai-v2' },
          { name: 'camunda:inputOutput.camunda:inputParameter[lot]', before: '${lotId}', after: '${lot.id}' },
          { name: 'camunda:properties.camunda:property[sla].value', before: 'PT4H', after: 'PT8H' },
          { name: 'documentation', before: 'Check the part', after: 'Check the part twice' },
          { name: 'foo:color', before: 'red', after: 'blue' },
          { name: 'foo:meta.level', before: 'red', after: 'blue' },
          { name: 'gemba:signatureMeaning', before: 'inspected', after: 'approved' },
          { name: 'name', before: 'Inspect', after: 'Inspect part' },
        ],
      },
    ]);
  });

  it('reports a changed element type, added and removed attributes', async () => {
    // given
    const before = model('<task id="T" name="Step" />');
    const after = model('<userTask id="T" name="Step" camunda:assignee="jane" />');

    // when
    const diff = await diffModels(before, after);

    // then
    expect(diff.changed).toEqual([
      {
        id: 'T',
        type: 'bpmn:UserTask',
        name: 'Step',
        attributes: [
          { name: 'camunda:assignee', before: null, after: 'jane' },
          { name: 'type', before: 'bpmn:Task', after: 'bpmn:UserTask' },
        ],
      },
    ]);
  });

  it('separates layout changes from semantic ones', async () => {
    // given the inspection task moved by 40 px
    const moved = CLEAN.replace('<dc:Bounds x="240" y="80"', '<dc:Bounds x="280" y="80"');

    // when
    const diff = await diffModels(CLEAN, moved);

    // then
    expect(diff).toEqual({ added: [], removed: [], changed: [], layoutChanged: ['Inspect'] });
  });

  it('reports changes of a pooled process under its participant, as bpmn-js-differ does', async () => {
    // given
    const before = readCorpus('bpmn-engine/lanes.bpmn');
    const after = before.replace('<bpmn:process id="mainProcess" isExecutable="true">', '<bpmn:process id="mainProcess" isExecutable="true" camunda:historyTimeToLive="P30D">');

    // when
    const diff = await diffModels(before, after);

    // then
    expect(diff.changed).toEqual([
      {
        id: 'Participant_1vfdw5m',
        type: 'bpmn:Participant',
        name: 'Main',
        attributes: [{ name: 'processRef.camunda:historyTimeToLive', before: null, after: 'P30D' }],
      },
    ]);
  });

  it('finds every element bpmn-js-differ finds changed, with before and after the right way round', async () => {
    // given
    const before = readCorpus('bpmn-engine/mother-of-all.bpmn');
    const after = before.replace('name="Wait for user"', 'name="Wait for the operator"').replace('scriptFormat="JavaScript"', 'scriptFormat="javascript"');
    const [a, b] = await Promise.all([parseModel(before), parseModel(after)]);

    // when
    const diff = await diffModels(a, b);
    const reference = bpmnDiff(a.definitions, b.definitions);

    // then
    expect(Object.keys(reference._changed).sort()).toEqual(diff.changed.map((c) => c.id));
    expect(diff.changed.find((c) => c.id === 'userTask1')!.attributes).toEqual([{ name: 'name', before: 'Wait for user', after: 'Wait for the operator' }]);
    // bpmn-js-differ 3 reports this pair swapped
    expect(reference._changed.userTask1.attrs.name).toEqual({ oldValue: 'Wait for the operator', newValue: 'Wait for user' });
  });

  it('accepts parsed models and XML, and refuses XML that does not parse', async () => {
    // given
    const parsed = await parseModel(CLEAN);

    // then
    await expect(diffModels(parsed, CLEAN)).resolves.toEqual({ added: [], removed: [], changed: [], layoutChanged: [] });
    await expect(diffModels(CLEAN, readCorpus('camunda-modeler/broken.bpmn'))).rejects.toBeInstanceOf(ModelUnreadableError);
  });

  describe('corpus', () => {
    let corpus: Map<string, ParsedModel>;

    beforeAll(async () => {
      corpus = await parseCorpus();
    });

    it('finds no difference between a corpus model and a fresh parse of itself', async () => {
      for (const [name, parsed] of corpus) {
        const diff = await diffModels(parsed, await parseModel(readCorpus(name)));
        expect({ name, diff }).toEqual({ name, diff: { added: [], removed: [], changed: [], layoutChanged: [] } });
      }
    });

    it('lists every flow node of a model as added when compared with an unrelated one', async () => {
      // when
      const diff = await diffModels(corpus.get('bpmn-engine/timers.bpmn')!, corpus.get('camunda-bpm-examples/invoicePayment.bpmn')!);

      // then
      expect(diff.added.map((e) => e.id)).toEqual(expect.arrayContaining(['embeddedFormsBpmnEvents']));
      expect(diff.removed.map((e) => e.id)).toEqual(expect.arrayContaining(['Process_0cn5rdh', 'user-due']));
    });
  });
});
