import { GembaPropertiesProvider } from './GembaPropertiesProvider';

/** bpmn-js module: Gemba's properties (signature, connector call, equipment, GAMP category) in the properties panel. */
export const GembaPropertiesModule = {
  __init__: ['gembaPropertiesProvider'],
  gembaPropertiesProvider: ['type', GembaPropertiesProvider],
};
