// Type declarations for bpmn-io packages that ship none, and for the virtual lint config module.

declare module 'bpmn-js-properties-panel' {
  export const BpmnPropertiesPanelModule: any;
  export const BpmnPropertiesProviderModule: any;
  export const CamundaPlatformPropertiesProviderModule: any;
  export function useService(name: string, strict?: boolean): any;
}

declare module '@bpmn-io/properties-panel' {
  export const CheckboxEntry: any;
  export const NumberFieldEntry: any;
  export const SelectEntry: any;
  export const TextFieldEntry: any;
  export function isCheckboxEntryEdited(node: unknown): boolean;
  export function isNumberFieldEntryEdited(node: unknown): boolean;
  export function isSelectEntryEdited(node: unknown): boolean;
  export function isTextFieldEntryEdited(node: unknown): boolean;
}

declare module 'bpmn-js-bpmnlint' {
  const lintModule: any;
  export default lintModule;
}

declare module 'camunda-bpmn-js-behaviors/lib/camunda-platform' {
  const behaviors: any;
  export default behaviors;
}

declare module 'virtual:gemba-lint-config' {
  /** The submit gate's bpmnlint config with every rule bundled: `{ config, resolver }` for bpmn-js-bpmnlint. */
  const bundle: { config: { rules: Record<string, unknown> }; resolver: unknown };
  export default bundle;
}
