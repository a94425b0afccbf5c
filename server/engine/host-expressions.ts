// The host's wrapper around the platform's expression evaluator: inside a multi-instance
// iteration, expressions see Camunda's loop variables (loopCounter, nrOfInstances,
// nrOfCompletedInstances, nrOfActiveInstances and the element variable) over the process
// variables, and a failing expression names the element it belongs to.
import type { CompiledDefinition } from './compile-definition';
import type { ExpressionEvaluator } from './types';

type ExpressionContext = { environment?: { variables?: Record<string, unknown> }; content?: Record<string, any>; [key: string]: unknown };

/** Camunda's multi-instance variables for the iteration a message belongs to, or undefined outside one. */
export function loopVariables(compiled: CompiledDefinition, content: Record<string, any> | undefined): Record<string, unknown> | undefined {
  if (!content?.isMultiInstance || typeof content.index !== 'number' || content.isRootScope) return undefined;
  const loop = compiled.activities.get(content.id)?.loop;
  const count = typeof content.loopCardinality === 'number' ? content.loopCardinality : undefined;
  const variables: Record<string, unknown> = { loopCounter: content.index };
  if (count !== undefined) variables.nrOfInstances = count;
  if (Array.isArray(content.loopOutput)) {
    // bpmn-elements keeps each completed iteration's output by index (the host always gives one).
    let completed = content.loopOutput.filter((output: unknown) => output !== undefined).length;
    if (content.isSequential) completed = Math.max(completed, content.index + 1);
    variables.nrOfCompletedInstances = completed;
    if (count !== undefined) variables.nrOfActiveInstances = content.isSequential ? 0 : Math.max(0, count - completed);
  }
  const name = loop?.elementVariable ?? (loop?.collection ? 'item' : undefined);
  if (name && name in content) variables[name] = content[name];
  return variables;
}

/**
 * Wraps the evaluator given in RunOptions for one compiled definition. Outside multi-instance
 * iterations it only forwards; inside one, the context's environment is a view whose
 * `variables` are the process variables overlaid with the loop variables (they shadow process
 * variables of the same name, as Camunda's local variables do).
 */
export function hostExpressions(inner: ExpressionEvaluator, compiled: CompiledDefinition): ExpressionEvaluator {
  return {
    resolveExpression(text: unknown, context?: unknown, fnContext?: unknown) {
      const ctx = context as ExpressionContext | undefined;
      try {
        const loop = ctx && typeof ctx === 'object' ? loopVariables(compiled, ctx.content) : undefined;
        if (!loop || !ctx?.environment) return inner.resolveExpression(text, context, fnContext);
        const environment = Object.create(ctx.environment) as Record<string, unknown>;
        Object.defineProperty(environment, 'variables', { value: { ...ctx.environment.variables, ...loop }, enumerable: true });
        return inner.resolveExpression(text, { ...ctx, environment }, fnContext);
      } catch (err) {
        // Name the element: some engine paths (loop conditions, collections) throw without their source.
        const id = ctx?.content?.id;
        if (err && typeof err === 'object' && typeof id === 'string' && !('elementId' in err)) Object.defineProperty(err, 'elementId', { value: id });
        throw err;
      }
    },
    ...(inner.isExpression ? { isExpression: (text: unknown) => inner.isExpression!(text) } : {}),
    ...(inner.hasExpression ? { hasExpression: (text: unknown) => inner.hasExpression!(text) } : {}),
  };
}
