import { subject } from '@casl/ability';
import type { Action, SubjectName } from '../../auth/abilities';
import { ForbiddenError } from '../../errors/app-error';
import type { AppContext } from '../context';

/**
 * Checks one permission of the caller, on a subject type (coarse) or a loaded record.
 * Called before any command runs.
 * @throws ForbiddenError without revealing the rules.
 */
export function authorize(ctx: AppContext, action: Action, subjectName: SubjectName, record?: Record<string, unknown>): void {
  if (!can(ctx, action, subjectName, record)) throw new ForbiddenError(`You may not ${action} this ${subjectName}`);
}

/**
 * Whether the caller may act on every record of a type: a rule without conditions applies
 * (casl's type-level `can` also says yes when only conditional rules exist).
 */
export function canOnEvery(ctx: AppContext, action: Action, subjectName: SubjectName): boolean {
  const ability = ctx.state.ability;
  if (!ability) return false;
  for (const rule of ability.rulesFor(action, subjectName)) {
    if (!rule.conditions) return !rule.inverted;
  }
  return false;
}

/** Whether the caller holds a permission; for filtering what a list or a detail shows. */
export function can(ctx: AppContext, action: Action, subjectName: SubjectName, record?: Record<string, unknown>): boolean {
  const ability = ctx.state.ability;
  if (!ability) return false;
  return record ? ability.can(action, subject(subjectName, { ...record })) : ability.can(action, subjectName);
}
