import type * as Feelin from 'feelin';

/** The parts of feelin the evaluator uses. */
export type Feel = Pick<typeof Feelin, 'evaluate' | 'parseExpression' | 'SyntaxError' | 'FeelDate' | 'FeelDateTime' | 'FeelTime' | 'FeelDuration' | 'toFeel' | 'date'>;

let loading: Promise<Feel> | undefined;

/**
 * Loads feelin (ESM-only) once. It is loaded with `import()` rather than `require()` because
 * jest's ESM mode (which the test suite needs for PGlite) cannot `require` an ESM package,
 * while every runtime can `import()` one.
 * @throws {Error} when the feelin package cannot be loaded (the promise rejects).
 */
export function loadFeel(): Promise<Feel> {
  loading ??= import('feelin').catch((err: unknown) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
