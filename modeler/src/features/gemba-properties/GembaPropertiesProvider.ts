import { CheckboxEntry, NumberFieldEntry, SelectEntry, TextFieldEntry, isCheckboxEntryEdited, isNumberFieldEntryEdited, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';
import { useService } from 'bpmn-js-properties-panel';
import gembaModdle from '@gemba/moddle';

type Element = { id: string; businessObject: any };
type Entry = { id: string; component: (props: { element: Element; id: string }) => unknown; isEdited: (node: unknown) => boolean; element: Element };
type Group = { id: string; label: string; entries: Entry[] };

const LOW_PRIORITY = 500;
const CONNECTOR_TYPES = ['bpmn:ServiceTask', 'bpmn:SendTask', 'bpmn:BusinessRuleTask'];

/** The controlled list of signature meanings, read from the shared moddle descriptor. */
export const SIGNATURE_MEANINGS: string[] = enumeration('SignatureMeaning');
const GAMP_CATEGORIES: string[] = enumeration('GampCategory');

function enumeration(name: string): string[] {
  const found = (gembaModdle as { enumerations?: Array<{ name: string; literalValues: Array<{ name: string }> }> }).enumerations?.find((e) => e.name === name);
  return found ? found.literalValues.map((v) => v.name) : [];
}

/** Reads a gemba attribute of the element's business object. */
function read(element: Element, name: string): unknown {
  return getBusinessObject(element).get(`gemba:${name}`);
}

/** Writes (or with an empty value removes) a gemba attribute as one undoable command. */
function useWriter(element: Element, name: string) {
  const modeling = useService('modeling');
  return (value: unknown) => {
    const empty = value === '' || value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value));
    modeling.updateProperties(element, { [`gemba:${name}`]: empty ? undefined : value });
  };
}

function textEntry(name: string, label: string, description?: string) {
  return function GembaText(props: { element: Element; id: string }) {
    const translate = useService('translate');
    const debounce = useService('debounceInput');
    return h(TextFieldEntry, {
      element: props.element,
      id: props.id,
      label: translate(label),
      description: description ? translate(description) : undefined,
      debounce,
      getValue: () => (read(props.element, name) as string | undefined) ?? '',
      setValue: useWriter(props.element, name),
    });
  };
}

function checkboxEntry(name: string, label: string, description?: string) {
  return function GembaCheckbox(props: { element: Element; id: string }) {
    const translate = useService('translate');
    const write = useWriter(props.element, name);
    return h(CheckboxEntry, {
      element: props.element,
      id: props.id,
      label: translate(label),
      description: description ? translate(description) : undefined,
      getValue: () => read(props.element, name) === true,
      setValue: (value: boolean) => write(value ? true : undefined),
    });
  };
}

function selectEntry(name: string, label: string, options: string[], description?: string) {
  return function GembaSelect(props: { element: Element; id: string }) {
    const translate = useService('translate');
    return h(SelectEntry, {
      element: props.element,
      id: props.id,
      label: translate(label),
      description: description ? translate(description) : undefined,
      getValue: () => (read(props.element, name) as string | undefined) ?? '',
      setValue: useWriter(props.element, name),
      getOptions: () => [{ value: '', label: translate('(none)') }, ...options.map((value) => ({ value, label: value }))],
    });
  };
}

function numberEntry(name: string, label: string, description?: string) {
  return function GembaNumber(props: { element: Element; id: string }) {
    const translate = useService('translate');
    const debounce = useService('debounceInput');
    const write = useWriter(props.element, name);
    return h(NumberFieldEntry, {
      element: props.element,
      id: props.id,
      label: translate(label),
      description: description ? translate(description) : undefined,
      debounce,
      min: 0,
      max: 100,
      step: 1,
      getValue: () => read(props.element, name) as number | undefined,
      setValue: (value: number | string | undefined) => write(value === '' || value === undefined ? undefined : Number(value)),
    });
  };
}

const SignatureRequired = checkboxEntry('signatureRequired', 'Signature required', 'The person completing the task signs it with their password.');
const SignatureMeaning = selectEntry('signatureMeaning', 'Signature meaning', SIGNATURE_MEANINGS, 'What the signature means (21 CFR 11.50).');
const VerifierRequired = checkboxEntry('verifierRequired', 'Second-person verification', 'A second person verifies and signs the entry (Annex 11 §6).');
const Connector = textEntry('connector', 'Connector', 'The connector to call, e.g. erp, mes, qms or opcua.');
const Operation = textEntry('operation', 'Operation', 'The operation of the connector, e.g. confirmOperation.');
const Equipment = textEntry('equipment', 'Equipment', 'The equipment the call addresses, e.g. press-01.');
const EquipmentNode = textEntry('equipmentNode', 'Equipment node (OPC UA)', 'An OPC UA node id, e.g. ns=2;s=Line1.Press.Setpoint.');
const Retries = numberEntry('retries', 'Retries', 'How often a failed call is retried before an incident (0–100).');
const GampCategory = selectEntry('gampCategory', 'GAMP 5 category', GAMP_CATEGORIES, 'Scripts are custom code: category 5.');

function entry(element: Element, id: string, component: Entry['component'], isEdited: Entry['isEdited']): Entry {
  return { id, component, isEdited, element };
}

/**
 * Adds Gemba's own properties to the properties panel, next to the Camunda 7 ones: the signature
 * of a user task, the connector operation and equipment node of a service task, the GAMP
 * category of a script task. The values are the `gemba:` attributes of the shared descriptor.
 */
export class GembaPropertiesProvider {
  static $inject = ['propertiesPanel', 'translate'];

  constructor(
    propertiesPanel: { registerProvider(priority: number, provider: unknown): void },
    private readonly translate: (text: string) => string,
  ) {
    propertiesPanel.registerProvider(LOW_PRIORITY, this);
  }

  getGroups(element: Element) {
    return (groups: Group[]) => {
      const t = this.translate;
      if (is(element, 'bpmn:UserTask')) {
        groups.push({
          id: 'gemba-signature',
          label: t('Signature (Gemba)'),
          entries: [
            entry(element, 'gemba-signatureRequired', SignatureRequired, isCheckboxEntryEdited),
            entry(element, 'gemba-signatureMeaning', SignatureMeaning, isSelectEntryEdited),
            entry(element, 'gemba-verifierRequired', VerifierRequired, isCheckboxEntryEdited),
          ],
        });
      }
      if (isAny(element, CONNECTOR_TYPES)) {
        groups.push({
          id: 'gemba-connector',
          label: t('Connector call (Gemba)'),
          entries: [
            entry(element, 'gemba-connector', Connector, isTextFieldEntryEdited),
            entry(element, 'gemba-operation', Operation, isTextFieldEntryEdited),
            entry(element, 'gemba-equipment', Equipment, isTextFieldEntryEdited),
            entry(element, 'gemba-equipmentNode', EquipmentNode, isTextFieldEntryEdited),
            entry(element, 'gemba-retries', Retries, isNumberFieldEntryEdited),
          ],
        });
      }
      if (is(element, 'bpmn:ScriptTask')) {
        groups.push({ id: 'gemba-script', label: t('Script review (Gemba)'), entries: [entry(element, 'gemba-gampCategory', GampCategory, isSelectEntryEdited)] });
      }
      return groups;
    };
  }
}
