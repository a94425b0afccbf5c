import { checkExecutability } from './check-executability';
import { ModelGateError } from './errors';
import { lintModel } from './lint-model';
import type { ExecutabilityFinding, LintFinding } from './model-types';
import type { ParsedModel } from './parse-model';

/** Everything the submit gate found: lint findings (errors and warnings) and elements the engine cannot run. */
export type GateResult = {
  passed: boolean;
  lint: LintFinding[];
  executability: ExecutabilityFinding[];
  /** The lint warnings, to keep with the version. */
  warnings: LintFinding[];
};

/**
 * Runs the submit gate on a parsed model: the lint rules and the executability check. It passes
 * when there is no lint error and no executability finding.
 *
 * @throws Error only when a lint rule cannot be resolved (a deployment fault)
 */
export async function runSubmitGate(parsed: ParsedModel): Promise<GateResult> {
  const lint = await lintModel(parsed);
  const executability = checkExecutability(parsed);
  const passed = executability.length === 0 && !lint.some((f) => f.category === 'error');
  return { passed, lint, executability, warnings: lint.filter((f) => f.category === 'warn') };
}

/**
 * Runs the submit gate and refuses a model that does not pass.
 *
 * @returns the lint warnings to keep with the version
 * @throws ModelGateError (422 `bpmn_gate_failed`) listing every error, with the warnings alongside
 */
export async function assertSubmittable(parsed: ParsedModel): Promise<LintFinding[]> {
  const result = await runSubmitGate(parsed);
  if (!result.passed) throw new ModelGateError(result.lint, result.executability);
  return result.warnings;
}
