import { PayloadTooLargeError, UnprocessableError, ValidationError } from '../errors/app-error';
import type { FieldError } from '../errors/app-error';
import type { ExecutabilityFinding, LintFinding, ModelProblem } from './model-types';

/** Why a model was not read (400): not well-formed XML, or XML with a DTD or entity declaration. */
export type UnreadableReason = 'malformed_xml' | 'dtd_forbidden';

/** Why a well-formed document is not an acceptable BPMN model (422). */
export type RejectedReason = 'not_bpmn' | 'duplicate_ids' | 'no_process' | 'no_executable_process';

function toFieldErrors(problems: readonly ModelProblem[]): FieldError[] {
  return problems.map((p) => ({
    path: p.elementId ?? (p.line !== undefined ? `line ${p.line}` : ''),
    message: p.message,
    ...(p.line !== undefined ? { line: p.line } : {}),
    ...(p.column !== undefined ? { column: p.column } : {}),
    ...(p.elementId !== undefined ? { elementId: p.elementId } : {}),
  }));
}

/** The model exceeds the size limit (413); nothing of it was parsed. */
export class ModelTooLargeError extends PayloadTooLargeError {
  constructor(
    public readonly byteLength: number,
    public readonly limit: number,
  ) {
    super(`The model is ${byteLength} bytes; the limit is ${limit} bytes (5 MiB)`, { byteLength, limit });
  }
}

/** The model is not safe, well-formed XML (400): `problems` say what and where. */
export class ModelUnreadableError extends ValidationError {
  override readonly code = 'bpmn_unreadable';

  constructor(
    public readonly reason: UnreadableReason,
    public readonly problems: ModelProblem[],
  ) {
    super(problems[0]?.message ?? 'The model is not well-formed XML', toFieldErrors(problems));
    this.extensions.reason = reason;
  }
}

/** Well-formed XML that is not an acceptable BPMN model (422): `problems` say what and where. */
export class ModelRejectedError extends UnprocessableError {
  constructor(
    public readonly reason: RejectedReason,
    public readonly problems: ModelProblem[],
  ) {
    super(problems[0]?.message ?? 'The model cannot be accepted', toFieldErrors(problems));
    this.extensions.reason = reason;
  }
}

/**
 * The submit gate refused the model (422): lint errors and elements the engine cannot run.
 * Warnings are carried too, so the response can show everything at once.
 */
export class ModelGateError extends UnprocessableError {
  override readonly code = 'bpmn_gate_failed';

  constructor(
    public readonly lint: LintFinding[],
    public readonly executability: ExecutabilityFinding[],
  ) {
    const lintErrors = lint.filter((f) => f.category === 'error');
    const errors: FieldError[] = [
      ...executability.map((f) => ({ path: f.id, message: f.reason, code: f.code, type: f.type, ...(f.line !== undefined ? { line: f.line } : {}) })),
      ...lintErrors.map((f) => ({ path: f.id, message: f.message, rule: f.rule, ...(f.line !== undefined ? { line: f.line } : {}) })),
    ];
    const count = errors.length;
    super(`The model has ${count} problem${count === 1 ? '' : 's'} that must be fixed before it can be submitted`, errors);
    this.extensions.warnings = lint.filter((f) => f.category === 'warn');
  }
}
