import type { SerializableContext } from 'moddle-context-serializer';

// moddle-context-serializer answers every lookup with a linear scan of its element lists, and
// bpmn-elements looks up inbound and outbound flows for every element each time an engine is
// built: quadratic in the model size, paid again at every event. The answers never change for a
// compiled version, so they are computed once. bpmn-elements only maps over the returned arrays
// (src/Context.js), so sharing them between runs is safe.
const MEMOIZED = [
  'getActivityById',
  'getActivities',
  'getSequenceFlowById',
  'getSequenceFlows',
  'getInboundSequenceFlows',
  'getOutboundSequenceFlows',
  'getInboundAssociations',
  'getOutboundAssociations',
  'getAssociations',
  'getProcessById',
  'getProcesses',
  'getExecutableProcesses',
  'getMessageFlows',
] as const;

/**
 * Wraps a serialized context so that its lookups are answered from memory after the first call.
 * The wrapper inherits everything else (`serialize()`, `elements`, ids) from the original.
 */
export function indexContext(context: SerializableContext): SerializableContext {
  const indexed = Object.create(context) as Record<string, unknown>;
  for (const name of MEMOIZED) {
    const original = (context as unknown as Record<string, (arg?: string) => unknown>)[name];
    if (typeof original !== 'function') continue;
    const answers = new Map<string | undefined, unknown>();
    indexed[name] = (arg?: string) => {
      if (answers.has(arg)) return answers.get(arg);
      const answer = original.call(context, arg);
      answers.set(arg, answer);
      return answer;
    };
  }
  return indexed as unknown as SerializableContext;
}
