import { diffModels, parseModel, runSubmitGate, type ModelDiff, type ModelProblem } from '../../bpmn';
import type { ProcessVersionWithContent } from '../../repos/process-versions.repo';
import type { GateResult } from './review-process-version';
import type { ModelSummary } from './create-process-version';

// The model work of the process-version commands. It is CPU-bound and can take a while for a
// large model, so routes run it before opening the command's transaction.

/**
 * Reads a model for a draft: its key, its name and the import warnings.
 * @throws ModelTooLargeError (413), ModelUnreadableError (400), ModelRejectedError (422).
 */
export async function inspectModel(xml: string): Promise<ModelSummary & { warnings: ModelProblem[] }> {
  const parsed = await parseModel(xml);
  const process = parsed.elementsById[parsed.key];
  return { key: parsed.key, name: typeof process?.name === 'string' ? process.name : null, warnings: parsed.warnings };
}

/** Runs the submit gate (lint + executability) on a version's exact content. */
export async function checkForSubmit(version: ProcessVersionWithContent): Promise<GateResult> {
  const gate = await runSubmitGate(await parseModel(version.xml));
  return { sha256: version.sha256, lint: gate.lint, executability: gate.executability };
}

/** The semantic diff from one version to another. */
export function diffVersions(from: ProcessVersionWithContent, to: ProcessVersionWithContent): Promise<ModelDiff> {
  return diffModels(from.xml, to.xml);
}
