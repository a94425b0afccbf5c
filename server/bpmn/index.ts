// The BPMN model toolkit's public surface; see README.md.
export { checkExecutability, ENGINE_TYPES, EXECUTABILITY_CODES } from './check-executability';
export type { ExecutabilityCode, FailurePhase } from './check-executability';
export { diffModels } from './diff-models';
export { ModelGateError, ModelRejectedError, ModelTooLargeError, ModelUnreadableError } from './errors';
export type { RejectedReason, UnreadableReason } from './errors';
export {
  camundaModdleDescriptor,
  createBpmnModdle,
  GAMP_CATEGORIES,
  GEMBA_NS,
  gembaModdleDescriptor,
  MODDLE_EXTENSIONS,
  SIGNATURE_MEANINGS,
} from './gemba-moddle';
export type { SignatureMeaning } from './gemba-moddle';
export { GATE_LINT_CONFIG, lintModel } from './lint-model';
export type * from './model-types';
export { MAX_MODEL_BYTES, parseModel } from './parse-model';
export type { ParsedModel, ParseOptions } from './parse-model';
export { assertSubmittable, runSubmitGate } from './submit-gate';
export type { GateResult } from './submit-gate';
export { checkTimerValue } from './timer-value';
export type { TimerCheck, TimerForm, TimerKind } from './timer-value';
