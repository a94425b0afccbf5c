// What is stored of bpmn-elements' definition state, and what is not. The state never contains
// the model (`source`): the compiled definition supplies it. Everything else stripped here is
// put back by the host at every recovery, or is junk.

/** Settings every run passes to bpmn-elements; they are not stored (the host sets them again). */
export const ENGINE_SETTINGS = Object.freeze({ disableTrackState: true });

/**
 * bpmn-elements' ProcessExecution assigns its execute message (`fields`, `content`,
 * `properties`) to the process variables, at start and at every resume. These three names are
 * therefore reserved; their values are broker internals, never the user's.
 */
export const RESERVED_VARIABLES: readonly string[] = ['fields', 'content', 'properties'];

/** The process variables without bpmn-elements' reserved execute-message copies. */
export function userVariables(variables: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!variables) return {};
  const result: Record<string, unknown> = {};
  for (const key in variables) if (!RESERVED_VARIABLES.includes(key)) result[key] = variables[key];
  return result;
}

function compactEnvironment(environment: Record<string, any> | undefined): Record<string, any> | undefined {
  if (!environment) return environment;
  const result: Record<string, any> = {};
  if (environment.variables && Object.keys(environment.variables).length) {
    const variables = userVariables(environment.variables);
    if (Object.keys(variables).length) result.variables = variables;
  }
  if (environment.output && Object.keys(environment.output).length) result.output = environment.output;
  return result;
}

function compactMessage(message: Record<string, any>): void {
  // smqp regenerates ids and timestamps of recovered messages and drops their consumer tags
  // (Message constructor, Queue.recover); nothing in bpmn-elements reads them.
  const properties = message.properties;
  if (properties && typeof properties === 'object' && properties.expiration === undefined) {
    delete properties.messageId;
    delete properties.timestamp;
  }
  if (message.fields && typeof message.fields === 'object') delete message.fields.consumerTag;
}

/**
 * Compacts bpmn-elements' definition state in place:
 * - environments (definition, processes, sub-process executions) lose their settings (given again
 *   at every run), empty outputs and the reserved execute-message variables;
 * - the definition's own copy of the variables is dropped when it runs a single process: that
 *   process keeps the complete set, and the copy only seeds processes started later;
 * - queued broker messages lose their ids, timestamps and consumer tags.
 */
export function compactEngineState(state: Record<string, any>): Record<string, any> {
  const visit = (node: any, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 64) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    for (const key in node) {
      const value = node[key];
      if (key === 'environment' && value && typeof value === 'object' && ('variables' in value || 'settings' in value)) {
        node[key] = compactEnvironment(value);
      } else if (key === 'messages' && Array.isArray(value)) {
        for (const message of value) {
          if (message && typeof message === 'object') {
            compactMessage(message);
            visit(message.content, depth + 1);
          }
        }
      } else if (value && typeof value === 'object') {
        visit(value, depth + 1);
      }
    }
  };
  visit(state, 0);
  if (state.execution?.processes?.length === 1 && state.environment) delete state.environment.variables;
  return state;
}
