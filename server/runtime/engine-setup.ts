import { loadExpressions } from '../expressions';

/**
 * Loaded once in every engine worker thread: the functions a run needs, which never travel with
 * an event. Conditions, mappings, collections and due dates use Gemba's safe evaluator (JUEL
 * subset and FEEL), never eval.
 */
export async function createRunOptions() {
  return { expressions: await loadExpressions() };
}
