import { Environment } from 'bpmn-elements';
import { loadExpressions } from '../../../server/expressions';
import type { Expressions } from '../../../server/expressions';
import { ExpressionError } from '../../../server/expressions';

let shared: Expressions | undefined;

/** Loads the one evaluator the tests share, as the engine host shares one; use in beforeAll. */
export async function prepareExpressions(): Promise<Expressions> {
  shared ??= await loadExpressions();
  return shared;
}

/** The shared evaluator; prepareExpressions() must have run. */
export function expressions(): Expressions {
  if (!shared) throw new Error('call prepareExpressions() in beforeAll first');
  return shared;
}

/**
 * Evaluates `text` the way bpmn-engine does: through a real bpmn-elements Environment, whose
 * `variables` and `services` are prototype getters, with a message like an activity's.
 */
export function evaluate(
  text: string,
  variables: Record<string, unknown> = {},
  options: { services?: Record<string, CallableFunction>; content?: Record<string, unknown>; properties?: Record<string, unknown>; fnContext?: unknown } = {},
): unknown {
  const environment = new Environment({ variables, services: options.services ?? {}, expressions: expressions() });
  const message = { fields: { routingKey: 'run.execute' }, content: options.content ?? { id: 'task' }, properties: options.properties ?? {} };
  return environment.resolveExpression(text, message, options.fnContext);
}

/** The ExpressionError that evaluating `text` throws; fails the test if it throws nothing or something else. */
export function errorOf(text: string, variables: Record<string, unknown> = {}, options: Parameters<typeof evaluate>[2] = {}): ExpressionError {
  try {
    const value = evaluate(text, variables, options);
    throw new Error(`expected ${text} to fail but it gave ${String(value)}`);
  } catch (err) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
}
