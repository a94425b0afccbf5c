import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import lintModule from 'bpmn-js-bpmnlint';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CamundaPlatformPropertiesProviderModule } from 'bpmn-js-properties-panel';
import CamundaBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-platform';
import gateLintConfig from 'virtual:gemba-lint-config';
import { GembaPropertiesModule } from '../features/gemba-properties';
import { moddleExtensions } from './extensions';

/**
 * The editing modeler: bpmn-js with the properties panel (BPMN, Camunda 7 and Gemba entries),
 * Camunda 7 behaviours, and live linting with the server's submit-gate rules.
 */
export function createEditor(canvas: HTMLElement, properties: HTMLElement): BpmnModeler {
  return new BpmnModeler({
    container: canvas,
    propertiesPanel: { parent: properties },
    linting: { bpmnlint: gateLintConfig, active: true },
    additionalModules: [
      BpmnPropertiesPanelModule,
      BpmnPropertiesProviderModule,
      CamundaPlatformPropertiesProviderModule,
      CamundaBehaviorsModule,
      GembaPropertiesModule,
      lintModule,
    ],
    moddleExtensions,
  });
}

export type Editor = BpmnModeler;

/** The lint issues of the current diagram, as bpmn-js-bpmnlint found them (by element id). */
export type LintIssues = Record<string, Array<{ id: string; message: string; category: string; rule: string }>>;
