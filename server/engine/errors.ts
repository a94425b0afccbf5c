import { UnprocessableError } from '../errors/app-error';
import type { FieldError } from '../errors/app-error';

/**
 * A process version the engine cannot compile (422 `bpmn_not_executable`): unreadable XML, no
 * `<definitions id>`, no executable process, or an element type the engine does not know.
 */
export class DefinitionCompileError extends UnprocessableError {
  override readonly code = 'bpmn_not_executable';
  override readonly title = 'The model cannot be run by the engine';

  constructor(detail: string, errors: FieldError[] = []) {
    super(detail, errors);
  }
}
